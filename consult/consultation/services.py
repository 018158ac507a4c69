"""Reading the consultation: which one is current, its topics and their parts."""

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from .models import Consultation, Topic, Ward

PHASE_LABELS = {"draft": _l("準備中"), "open": _l("意見募集中"), "closed": _l("締切"), "published": _l("結果公表")}


def current_consultation() -> Consultation | None:
    """The consultation the site shows: the one most recently created (one per deployment today)."""
    return db.session.scalar(select(Consultation).order_by(Consultation.id.desc()).limit(1))


def get_topic_or_404(slug: str) -> Topic:
    consultation = current_consultation()
    if consultation is None:
        abort(404)
    topic = db.session.scalar(select(Topic).where(Topic.consultation_id == consultation.id, Topic.slug == slug))
    if topic is None:
        abort(404)
    return topic


def wards() -> list[Ward]:
    return db.session.scalars(select(Ward).order_by(Ward.position)).all()


def live_sections(topic: Topic):
    return [s for s in topic.sections if s.retired_at_utc is None]


def live_proposals(topic: Topic):
    return [p for p in topic.proposals if p.withdrawn_at_utc is None]
