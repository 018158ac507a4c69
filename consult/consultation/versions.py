"""What the public pages print of the consultation, as columns of their page-cache versions
(consult/pagecache.py), and the clock those pages depend on.

The clock moves two things the pages print: the days left (by the JST date) and, at the closing
moment, the forms giving way to the closed notice.
"""

from datetime import datetime

from ..i18n import to_jst, utcnow
from .models import Consultation


def consultation_shown() -> tuple:
    return (Consultation.id, Consultation.phase, Consultation.premoderation, Consultation.comments_open_at_utc,
            Consultation.comments_close_at_utc, Consultation.results_published_at_utc)


CLOSE = 4  # the position of comments_close_at_utc in consultation_shown()


def clock(close_at) -> tuple:
    """Today's date in JST and whether the closing moment has passed (the raw driver gives SQLite's
    timestamps as text)."""
    now = utcnow()
    if isinstance(close_at, str):
        close_at = datetime.fromisoformat(close_at)
    return to_jst(now).date(), close_at is not None and now >= close_at
