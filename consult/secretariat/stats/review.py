"""The figures of the review document and the workbook only: ward × channel per topic, opinion
groups' counts, quotes, workshops."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select, union

from ...consultation.models import Proposal, Topic, Ward
from ...core.codes import CHANNELS
from ...extensions import db
from ...participation.models import Comment, Participant, Support, Vote
from ...workshops.models import Theme, Workshop, WorkshopSeat
from ..filters import ReviewFilter
from ..models import GroupState, OpinionGroup
from .counts import _comment_counts, _wards

# Every channel (core.codes.CHANNELS, the imported one too) has its count, 0 where a kind takes none;
# pages print their kind's columns.


# --- for the review document and the workbook ---------------------------------------------

@dataclass
class WardChannel:
    """Per topic: comments by ward × channel, and participants by ward."""

    columns: list[tuple[str, str]]
    comments: dict[tuple[int, str, str], int] = field(default_factory=dict)
    participants: dict[tuple[int, str], int] = field(default_factory=dict)

    def row(self, topic_id: int, ward: str) -> dict[str, Any]:
        counts = {c: self.comments.get((topic_id, ward, c), 0) for c in CHANNELS}
        return {**counts, "total": sum(counts.values()), "participants": self.participants.get((topic_id, ward), 0)}

    def total(self, topic_id: int) -> dict[str, Any]:
        rows = [self.row(topic_id, code) for code, _ in self.columns]
        return {k: sum(r[k] for r in rows) for k in (*CHANNELS, "total", "participants")}


def ward_channel_by_topic(f: ReviewFilter) -> WardChannel:
    comments = _comment_counts(f, "topic", "ward", "channel")
    pairs = union(
        select(Comment.topic_id.label("topic_id"), Comment.participant_id.label("pid"))
        .where(Comment.participant_id.is_not(None), *f.comment_conditions()),
        f.vote_base(Proposal.topic_id.label("topic_id"), Vote.participant_id.label("pid"))).subquery("pairs")
    participants = db.session.execute(
        select(pairs.c.topic_id, Participant.ward_code, func.count())
        .join(Participant, Participant.id == pairs.c.pid)
        .group_by(pairs.c.topic_id, Participant.ward_code)).all()
    return WardChannel(columns=_wards(), comments={(t, w, c): n for t, w, c, n in comments},
                       participants={(t, w): n for t, w, n in participants})


@dataclass
class GroupCount:
    group: OpinionGroup
    count: int


def group_counts(f: ReviewFilter, *, states=("confirmed",)) -> dict[int, list[GroupCount]]:
    """topic id → its opinion groups (in the given states) with the number of matching comments."""
    rows = db.session.execute(
        select(OpinionGroup, func.count(Comment.id))
        .join(Topic, Topic.id == OpinionGroup.topic_id)
        .outerjoin(Comment, and_(Comment.opinion_group_id == OpinionGroup.id, *f.comment_conditions()))
        .where(Topic.consultation_id == f.consultation_id, OpinionGroup.state.in_(states),
               *([OpinionGroup.topic_id == f.topic_id] if f.topic_id is not None else []))
        .group_by(OpinionGroup.id, Topic.number)
        .order_by(Topic.number, OpinionGroup.position, OpinionGroup.id)).all()
    out: dict[int, list[GroupCount]] = {}
    for group, n in rows:
        out.setdefault(group.topic_id, []).append(GroupCount(group, n))
    return out


def ungrouped_counts(f: ReviewFilter) -> dict[int, int]:
    return dict(db.session.execute(
        select(Comment.topic_id, func.count()).where(Comment.opinion_group_id.is_(None), *f.comment_conditions())
        .group_by(Comment.topic_id)).all())


def proposed_group_counts(f: ReviewFilter) -> dict[int, int]:
    return dict(db.session.execute(
        select(OpinionGroup.topic_id, func.count()).join(Topic, Topic.id == OpinionGroup.topic_id)
        .where(Topic.consultation_id == f.consultation_id, OpinionGroup.state == GroupState.PROPOSED)
        .group_by(OpinionGroup.topic_id)).all())


@dataclass
class Quote:
    topic_id: int
    text: str
    ward_code: str
    channel: str
    supports: int


def quotes(f: ReviewFilter, per_topic: int = 3) -> dict[int, list[Quote]]:
    """A few published comments per topic, as published (the masked copy where there is one):
    the most supported first, then the earliest; the same text is quoted once."""
    support = select(Support.comment_id, func.count().label("n")).group_by(Support.comment_id).subquery()
    n = func.coalesce(support.c.n, 0)
    text = func.coalesce(Comment.body_published, Comment.body)
    order = (n.desc(), Comment.created_at_utc, Comment.id)
    first = (select(Comment.topic_id, text.label("text"), Comment.ward_code, Comment.channel, n.label("supports"),
                    Comment.created_at_utc, Comment.id,
                    func.row_number().over(partition_by=(Comment.topic_id, text), order_by=order).label("copy"))
             .outerjoin(support, support.c.comment_id == Comment.id)
             .where(*f.comment_conditions(status="published")).subquery())
    ranked = (select(first.c.topic_id, first.c.text, first.c.ward_code, first.c.channel, first.c.supports,
                     func.row_number().over(partition_by=first.c.topic_id,
                                            order_by=(first.c.supports.desc(), first.c.created_at_utc,
                                                      first.c.id)).label("rank"))
              .where(first.c.copy == 1).subquery())
    rows = db.session.execute(select(ranked.c.topic_id, ranked.c.text, ranked.c.ward_code, ranked.c.channel,
                                     ranked.c.supports).where(ranked.c.rank <= per_topic)
                              .order_by(ranked.c.topic_id, ranked.c.rank)).all()
    out: dict[int, list[Quote]] = {}
    for row in rows:
        out.setdefault(row.topic_id, []).append(Quote(*row))
    return out


@dataclass
class WorkshopRow:
    workshop: Workshop
    ward_name: str
    comments: dict[str, int]
    seats: int
    themes: int


def workshop_rows(f: ReviewFilter) -> list[WorkshopRow]:
    """Every workshop of the consultation with its matching comments by channel, seats and themes."""
    counts = db.session.execute(
        select(Comment.workshop_id, Comment.channel, func.count())
        .where(Comment.workshop_id.is_not(None), *f.comment_conditions())
        .group_by(Comment.workshop_id, Comment.channel)).all()
    seats = dict(db.session.execute(select(WorkshopSeat.workshop_id, func.count()).group_by(WorkshopSeat.workshop_id)).all())
    themes = dict(db.session.execute(select(Theme.workshop_id, func.count()).group_by(Theme.workshop_id)).all())
    by: dict[int, dict[str, int]] = {}
    for workshop_id, channel, n in counts:
        by.setdefault(workshop_id, {})[channel] = n
    rows = db.session.execute(
        select(Workshop, Ward.name).join(Ward, Ward.id == Workshop.ward_id)
        .where(Workshop.consultation_id == f.consultation_id)
        .order_by(Ward.position, Workshop.starts_at_utc, Workshop.id)).all()
    return [WorkshopRow(w, ward_name, {c: by.get(w.id, {}).get(c, 0) for c in CHANNELS},
                        seats.get(w.id, 0), themes.get(w.id, 0)) for w, ward_name in rows]
