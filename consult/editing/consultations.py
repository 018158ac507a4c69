"""Consultations themselves: a new one from scratch or by copying another's structure, and
archiving. A copy takes the structure — topics, sections (their current text), proposals, the
settings — and never the participation: no comment, vote, workshop, group or register entry."""

from typing import Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import audit
from ..consultation.models import KINDS, Consultation, Proposal, Section, SectionRevision, Topic
from ..core import fields
from ..core.errors import InvalidInput
from ..core.text import nfkc
from ..core.transactions import action
from ..extensions import db
from ..i18n import utcnow
from ..participation.models import Comment
from .services import TITLE_MAX

SLUG_MIN = 3
CONSULTATION_AUDIT = ("slug", "kind", "title", "premoderation", "accept_anonymous")


def _slug(data: Mapping, errors: dict) -> str:
    slug = fields.identifier(data, "slug", errors, label=_l("URLの識別名"))
    if "slug" in errors:
        return slug
    if not slug:
        fields.add(errors, "slug", _l("URLの識別名を入力してください（例：kihon-keikaku-2015）。"))
    elif len(slug) < SLUG_MIN:
        fields.add(errors, "slug", _l("URLの識別名は%(n)d文字以上にしてください。", n=SLUG_MIN))
    elif db.session.scalar(select(Consultation.id).where(Consultation.slug == slug)) is not None:
        fields.add(errors, "slug", _l("この識別名「%(slug)s」はほかの意見募集で使われています。別の識別名にしてください。",
                                      slug=slug))
    return slug


def find(slug: str) -> Consultation | None:
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))


@action
def create_consultation(data: Mapping, user) -> Consultation:
    """A new consultation in 準備中 (draft): from scratch (``kind``), or a copy of ``copy_from``'s
    structure (its kind). Nothing is created when anything is wrong."""
    errors: dict = {}
    source = None
    copy_from = nfkc(fields.string(data, "copy_from", errors)).strip()
    if copy_from:
        source = find(copy_from)
        if source is None:
            fields.add(errors, "copy_from", _l("写し元の意見募集「%(slug)s」が見つかりません。", slug=copy_from))
    kind = source.kind if source is not None else fields.string(data, "kind", errors)
    if not copy_from and kind not in KINDS:
        fields.add(errors, "kind", _l("種類を選んでください。"))
    slug = _slug(data, errors)
    title = fields.text(data, "title", errors, label=_l("題名"), max_len=TITLE_MAX, required=True, single_line=True)
    if errors:
        raise InvalidInput(errors)
    consultation = Consultation(slug=slug, kind=kind, title=title, phase="draft",
                                body=source.body if source else "",
                                premoderation=source.premoderation if source else True,
                                accept_anonymous=source.accept_anonymous if source else True)
    db.session.add(consultation)
    db.session.flush()
    if source is not None:
        _copy_structure(source, consultation, user)
    audit.record(user, "consultation.create", "consultation", consultation.id,
                 after=audit.snapshot(consultation, CONSULTATION_AUDIT), note=f"copy:{source.slug}" if source else "")
    return consultation


def _copy_structure(source: Consultation, target: Consultation, user) -> None:
    for topic in source.topics:
        copy = Topic(consultation_id=target.id, number=topic.number, slug=topic.slug, title=topic.title,
                     title_en=topic.title_en, lead=topic.lead, summary_notice=topic.summary_notice)
        db.session.add(copy)
        db.session.flush()
        for section in topic.sections:
            if section.retired_at_utc is not None:
                continue
            current = section.current
            db.session.add(Section(topic_id=copy.id, anchor=section.anchor, position=section.position,
                                   label=section.label, depth=section.depth,
                                   revisions=[SectionRevision(number=1, heading=current.heading, body=current.body,
                                                              created_by_id=getattr(user, "id", None))]))
        for proposal in topic.proposals:
            if proposal.withdrawn_at_utc is None:
                db.session.add(Proposal(topic_id=copy.id, key=proposal.key, position=proposal.position,
                                        text=proposal.text))
    db.session.flush()


def has_participation(consultation: Consultation) -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(Comment).join(Topic, Topic.id == Comment.topic_id)
                                  .where(Topic.consultation_id == consultation.id)))


@action
def archive_consultation(consultation: Consultation, user) -> None:
    """Off the lists and closed to citizens; everything it received is kept (never deleted)."""
    if consultation.archived:
        return
    consultation.archived_at_utc = utcnow()
    audit.record(user, "consultation.archive", "consultation", consultation.id)


@action
def restore_consultation(consultation: Consultation, user) -> None:
    if not consultation.archived:
        return
    consultation.archived_at_utc = None
    audit.record(user, "consultation.restore", "consultation", consultation.id)
