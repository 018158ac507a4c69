"""Looking up one comment by its receipt number (受付番号), revealing only what its author may see:
the topic, when it was received, its status, and — once the results are published — the opinion
group it was counted in with the city's answer. Never the text, the ward or anything personal.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..consultation.models import Topic
from ..core.codes import RECEIPT_ALPHABET
from ..core.text import nfkc
from ..extensions import db
from ..participation.models import Comment
from ..secretariat.models import GroupState

# Hyphens and dashes people type (or an IME turns a hyphen into), and every kind of space.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−ー_・.]")
# Crockford's base-32 reads the letters people confuse with digits as those digits.
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
RECEIPT_LENGTH = 12


def status_explanations() -> dict:
    return {
        "pending": _l("ご意見は受け付けられ、事務局が公開前の確認をしています。"),
        "published": _l("ご意見は審議事項のページで公開されています。"),
        "hidden": _l("ご意見は受け付けましたが、このサイトでは公開していません。"),
    }


def normalise_receipt(text: str | None) -> str | None:
    """What a person typed → 'XXXX-XXXX-XXXX', or None when it cannot be a receipt number.

    NFKC (full-width → ASCII), upper case, separators dropped, O→0 and I/L→1.
    """
    compact = _SEPARATORS.sub("", nfkc(text or "")).upper().translate(_CONFUSABLE)
    if len(compact) != RECEIPT_LENGTH or any(ch not in RECEIPT_ALPHABET for ch in compact):
        return None
    return f"{compact[0:4]}-{compact[4:8]}-{compact[8:12]}"


@dataclass
class ReceiptStatus:
    receipt_no: str
    topic: Topic
    received_at_utc: datetime
    status: str
    results_published: bool
    results_published_at_utc: datetime | None
    group_title: str | None = None
    group_summary: str | None = None
    answer: str | None = None
    response_category: str | None = None


def lookup(receipt_no: str) -> ReceiptStatus | None:
    """The status for a normalised receipt number, or None when there is no such comment."""
    comment = db.session.scalar(select(Comment).where(Comment.receipt_no == receipt_no))
    if comment is None:
        return None
    consultation = comment.topic.consultation
    result = ReceiptStatus(receipt_no=comment.receipt_no, topic=comment.topic, received_at_utc=comment.created_at_utc,
                           status=comment.status, results_published=consultation.results_published,
                           results_published_at_utc=consultation.results_published_at_utc)
    group = comment.opinion_group
    if result.results_published and group is not None and group.state == GroupState.CONFIRMED:
        result.group_title = group.title
        result.group_summary = group.summary or None
        result.answer = group.answer or None
        result.response_category = group.response_category
    return result
