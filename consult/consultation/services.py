"""Reading the consultation: which one is current, its topics and their parts."""

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..core.codes import WARD_OUTSIDE, WARD_UNDISCLOSED
from ..extensions import db
from ..i18n import is_english
from .context import current_consultation  # noqa: F401  (re-exported: the areas read it from here)
from .models import Section, Topic, Ward


def topic_page_loads() -> tuple:
    """What the topic page reads of its topic, in three statements instead of one per section."""
    return (joinedload(Topic.consultation), selectinload(Topic.sections).selectinload(Section.revisions),
            selectinload(Topic.proposals))


def get_topic_or_404(slug: str, *options) -> Topic:
    consultation = current_consultation()
    if consultation is None:
        abort(404)
    topic = db.session.scalar(select(Topic).options(*options)
                              .where(Topic.consultation_id == consultation.id, Topic.slug == slug))
    if topic is None:
        abort(404)
    return topic


def wards() -> list[Ward]:
    return db.session.scalars(select(Ward).order_by(Ward.position)).all()


def ward_choices() -> list[tuple[str, str]]:
    """(code, label) for every ward, then 市外 and 回答しない: what a participant may answer."""
    return [(w.code, w.name_en if is_english() else w.name) for w in wards()] + [
        (WARD_OUTSIDE, str(_l("熊本市外"))), (WARD_UNDISCLOSED, str(_l("回答しない")))]


def live_sections(topic: Topic):
    return [s for s in topic.sections if s.retired_at_utc is None]


def live_proposals(topic: Topic):
    return [p for p in topic.proposals if p.withdrawn_at_utc is None]
