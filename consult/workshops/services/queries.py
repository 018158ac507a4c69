"""Reading a workshop's data for the console, the board and other areas: lists, counts, notes, dots."""

from typing import Iterable

from sqlalchemy import func, select

from ...consultation.models import Consultation
from ...extensions import db
from ...participation.models import Comment
from ..models import DotVote, Workshop, WorkshopSeat


def list_workshops(consultation: Consultation | None = None) -> list[Workshop]:
    query = select(Workshop).order_by(Workshop.starts_at_utc.is_(None), Workshop.starts_at_utc, Workshop.id)
    if consultation is not None:
        query = query.where(Workshop.consultation_id == consultation.id)
    return list(db.session.scalars(query))


def workshop_counts(workshop_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """workshop id → {notes, participants, dots} in three GROUP BYs."""
    ids = list(workshop_ids)
    out = {i: {"notes": 0, "participants": 0, "dots": 0} for i in ids}
    if not ids:
        return out
    for wid, n, paper in db.session.execute(
            select(Comment.workshop_id, func.count(Comment.id), func.coalesce(func.sum(Comment.paper_dots), 0))
            .where(Comment.workshop_id.in_(ids)).group_by(Comment.workshop_id)):
        out[wid]["notes"] = n
        out[wid]["dots"] += int(paper)
    for wid, n in db.session.execute(select(WorkshopSeat.workshop_id, func.count(WorkshopSeat.id))
                                     .where(WorkshopSeat.workshop_id.in_(ids)).group_by(WorkshopSeat.workshop_id)):
        out[wid]["participants"] = n
    for wid, n in db.session.execute(select(DotVote.workshop_id, func.count(DotVote.id))
                                     .where(DotVote.workshop_id.in_(ids)).group_by(DotVote.workshop_id)):
        out[wid]["dots"] += n
    return out


def workshop_notes(workshop: Workshop, *, topic_id: int | None = None, table_id: int | None = None,
                   include_hidden: bool = False, channel: str | None = None,
                   participant_id: int | None = None) -> list[Comment]:
    query = select(Comment).where(Comment.workshop_id == workshop.id)
    if participant_id is not None:
        query = query.where(Comment.participant_id == participant_id)
    if not include_hidden:
        query = query.where(Comment.status != "hidden")
    if topic_id is not None:
        query = query.where(Comment.topic_id == topic_id)
    if table_id is not None:
        query = query.where(Comment.table_id == table_id)
    if channel is not None:
        query = query.where(Comment.channel == channel)
    return list(db.session.scalars(query.order_by(Comment.created_at_utc, Comment.id)))


def note_dot_totals(workshop: Workshop) -> dict[int, int]:
    """comment id → its dots: the phones' DotVotes plus the tally counted on the paper note."""
    totals: dict[int, int] = dict(db.session.execute(
        select(Comment.id, Comment.paper_dots).where(Comment.workshop_id == workshop.id, Comment.paper_dots > 0)).all())
    for comment_id, n in db.session.execute(
            select(DotVote.comment_id, func.count(DotVote.id))
            .where(DotVote.workshop_id == workshop.id, DotVote.comment_id.is_not(None))
            .group_by(DotVote.comment_id)):
        totals[comment_id] = totals.get(comment_id, 0) + n
    return totals


def proposal_dot_totals(workshop: Workshop) -> dict[int, int]:
    return dict(db.session.execute(
        select(DotVote.proposal_id, func.count(DotVote.id))
        .where(DotVote.workshop_id == workshop.id, DotVote.proposal_id.is_not(None))
        .group_by(DotVote.proposal_id)).all())


def comment_dot_counts(comment_ids: Iterable[int]) -> dict[int, int]:
    """For other areas (counts, exports): comment id → workshop dots (DotVotes + paper tally)."""
    ids = list(comment_ids)
    if not ids:
        return {}
    totals = {cid: int(paper) for cid, paper in db.session.execute(
        select(Comment.id, Comment.paper_dots).where(Comment.id.in_(ids)))}
    for cid, n in db.session.execute(select(DotVote.comment_id, func.count(DotVote.id))
                                     .where(DotVote.comment_id.in_(ids)).group_by(DotVote.comment_id)):
        totals[cid] = totals.get(cid, 0) + n
    return totals
