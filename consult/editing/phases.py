"""The consultation's phases and its comment period.

準備中 (draft) → 意見募集中 (open) → 締切 (closed) → 結果公表 (published). Staff move it on by hand
(or ``flask editing tick`` from cron, which follows the dates); each change is one audit event
``consultation.phase`` (or ``consultation.period`` for a change of dates alone).

    draft ──open──▶ open ──close──▶ closed ──publish──▶ published
          ◀─back──   ▲                │  ◀──unpublish──
                     └────reopen──────┘

Opening needs a closing time in the future; closing before that time is an early close and
records the actual time; reopening (also the way to extend after a close) needs a new closing
time; publishing records the time the results were published. Going back from open to draft is
only possible while nothing has arrived (no comment, no vote): a mistaken opening, or a fresh
deployment whose seed starts open.
"""

from datetime import datetime
from typing import Mapping

from flask_babel import lazy_gettext as _l

from sqlalchemy import func, select

from .. import audit
from ..consultation.models import Consultation, Phase, Proposal, Topic
from ..core import fields
from ..core.errors import InvalidInput
from ..core.labels import phase_labels
from ..core.transactions import action
from ..extensions import db
from ..i18n import utcnow
from ..participation.models import Comment, Vote
from .services import Conflict

PHASE_AUDIT = ("phase", "comments_open_at_utc", "comments_close_at_utc", "results_published_at_utc")
PERIOD_AUDIT = ("comments_open_at_utc", "comments_close_at_utc")

TRANSITIONS: dict[tuple[Phase, Phase], object] = {
    (Phase.DRAFT, Phase.OPEN): _l("意見募集を始める"),
    (Phase.OPEN, Phase.DRAFT): _l("準備中に戻す（まだ何も届いていないときだけ）"),
    (Phase.OPEN, Phase.CLOSED): _l("意見募集を締め切る"),
    (Phase.CLOSED, Phase.OPEN): _l("意見募集を再開する（締切を延長する）"),
    (Phase.CLOSED, Phase.PUBLISHED): _l("結果を公表する"),
    (Phase.PUBLISHED, Phase.CLOSED): _l("結果の公表を取り下げる"),
}


def allowed_targets(phase: str) -> list[str]:
    return [to for (frm, to) in TRANSITIONS if frm == phase]


def period_values(consultation: Consultation) -> dict:
    return {"open_at": fields.jst_input(consultation.comments_open_at_utc),
            "close_at": fields.jst_input(consultation.comments_close_at_utc)}


@action
def set_period(consultation: Consultation, data: Mapping, user, *, now: datetime | None = None) -> bool:
    """Change the planned opening and closing times (e.g. extend while open). Logged; no phase change."""
    now = now or utcnow()
    errors: dict = {}
    open_at = fields.moment(data, "open_at", errors, label=_l("受付開始日時"))
    close_at = fields.moment(data, "close_at", errors, label=_l("締切日時"))
    if not errors:
        if open_at and close_at and close_at <= open_at:
            fields.add(errors, "close_at", _l("締切日時は受付開始日時より後にしてください。"))
        elif consultation.phase == Phase.OPEN and close_at is None:
            fields.add(errors, "close_at", _l("受付中は締切日時を空にできません。"))
        elif consultation.phase == Phase.OPEN and close_at <= now:
            fields.add(errors, "close_at", _l("受付中は締切日時を過去にできません。今すぐ締め切るときは「意見募集を締め切る」を使ってください。"))
        elif consultation.phase == Phase.OPEN and open_at and open_at > now:
            fields.add(errors, "open_at", _l("すでに受付中のため、受付開始日時を未来にはできません。"))
        elif consultation.phase in (Phase.CLOSED, Phase.PUBLISHED) and close_at and close_at > now:
            fields.add(errors, "close_at", _l("締め切った後に締切日時を未来へ延ばすときは「意見募集を再開する」を使ってください。"))
    if errors:
        raise InvalidInput(errors)
    before = audit.snapshot(consultation, PERIOD_AUDIT)
    old_close = consultation.comments_close_at_utc
    consultation.comments_open_at_utc, consultation.comments_close_at_utc = open_at, close_at
    after = audit.snapshot(consultation, PERIOD_AUDIT)
    if before == after:
        return False
    note = ""
    if old_close and close_at and close_at > old_close:
        note = "extended"
    elif old_close and close_at and close_at < old_close:
        note = "shortened"
    audit.record(user, "consultation.period", "consultation", consultation.id, before=before, after=after, note=note)
    return True


@action
def change_phase(consultation: Consultation, target: str, data: Mapping, user, *,
                 now: datetime | None = None, expected: str | None = None) -> str:
    """Move to ``target``; returns the audit note (opened, closed-early, reopened, …).

    ``expected`` is the phase the staff member saw; if another change came first, ``Conflict``.
    """
    now = now or utcnow()
    current = consultation.phase
    if expected is not None and expected != current:
        raise Conflict(_l("別の職員が先に段階を変更しました（現在：%(phase)s）。画面を確かめてからもう一度操作してください。",
                          phase=phase_labels()[current]))
    if (current, target) not in TRANSITIONS:
        raise Conflict(_l("「%(frm)s」から「%(to)s」へは変更できません。",
                          frm=phase_labels()[current], to=phase_labels().get(target, target)))
    errors: dict = {}
    close_at = fields.moment(data, "close_at", errors, label=_l("締切日時"))
    before = audit.snapshot(consultation, PHASE_AUDIT)
    note = ""
    if target == Phase.OPEN:
        close_at = close_at or (consultation.comments_close_at_utc if current == Phase.DRAFT else None)
        if "close_at" not in errors:
            if close_at is None:
                fields.add(errors, "close_at", _l("受付を始めるには締切日時を入力してください。")
                           if current == Phase.DRAFT else _l("再開するには新しい締切日時を入力してください。"))
            elif close_at <= now:
                fields.add(errors, "close_at", _l("締切日時は今より後にしてください。"))
        if errors:
            raise InvalidInput(errors)
        if current == Phase.DRAFT:
            if consultation.comments_open_at_utc is None or consultation.comments_open_at_utc > now:
                consultation.comments_open_at_utc = now
            note = "opened"
        else:
            note = "reopened"
        consultation.comments_close_at_utc = close_at
    elif target == Phase.DRAFT:
        if _has_participation(consultation):
            raise Conflict(_l("すでにご意見や賛否が届いているため、準備中には戻せません。受付を止めるには「意見募集を締め切る」を使ってください。"))
        note = "back to draft"
    elif target == Phase.CLOSED:
        if current == Phase.OPEN:
            if consultation.comments_close_at_utc is None or consultation.comments_close_at_utc > now:
                consultation.comments_close_at_utc = now
                note = "closed early"
            else:
                note = "closed"
        else:
            consultation.results_published_at_utc = None
            note = "unpublished"
    elif target == Phase.PUBLISHED:
        consultation.results_published_at_utc = now
        note = "published"
    consultation.phase = target
    audit.record(user, "consultation.phase", "consultation", consultation.id, before=before,
                 after=audit.snapshot(consultation, PHASE_AUDIT), note=note)
    return note


def _has_participation(consultation: Consultation) -> bool:
    topic_ids = select(Topic.id).where(Topic.consultation_id == consultation.id)
    comments = db.session.scalar(select(func.count(Comment.id)).where(Comment.topic_id.in_(topic_ids)))
    votes = db.session.scalar(select(func.count(Vote.id)).join(Proposal, Proposal.id == Vote.proposal_id)
                              .where(Proposal.topic_id.in_(topic_ids)))
    return bool(comments or votes)


def due_change(consultation: Consultation, now: datetime | None = None) -> str | None:
    """What the dates call for now: 'open' when a draft's opening time has come, 'closed' when an
    open consultation's closing time has passed; None otherwise."""
    now = now or utcnow()
    opens, closes = consultation.comments_open_at_utc, consultation.comments_close_at_utc
    if consultation.phase == Phase.DRAFT and opens and opens <= now and closes and closes > now:
        return Phase.OPEN
    if consultation.phase == Phase.OPEN and closes and closes <= now:
        return Phase.CLOSED
    return None


@action
def follow_schedule(consultation: Consultation, *, now: datetime | None = None) -> str | None:
    """Apply ``due_change`` (for a cron job); returns the new phase or None. Logged without a user."""
    now = now or utcnow()
    target = due_change(consultation, now)
    if target is None:
        return None
    before = audit.snapshot(consultation, PHASE_AUDIT)
    consultation.phase = target
    audit.record(None, "consultation.phase", "consultation", consultation.id, before=before,
                 after=audit.snapshot(consultation, PHASE_AUDIT), note="scheduled")
    return target
