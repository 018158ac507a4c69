"""The projector's data and its version (the ETag), each from a few aggregates in one or two round trips."""

import hashlib

from sqlalchemy import and_, case, func, literal_column, select, union_all

from ...consultation.models import Proposal
from ...extensions import db
from ...participation.models import Comment
from ..models import DotVote, Theme, Workshop, WorkshopSeat, WorkshopTable, workshop_topic
from .queries import proposal_dot_totals


def live_version(workshop: Workshop) -> str:
    """The projector data's version (an ETag, unquoted)'s data, from a few aggregates in one round trip.

    Any note, dot, seat, theme, table or topic change moves one of the sums or counts; nothing
    is kept per connection, so any worker process answers the same.
    """
    wid = workshop.id
    zero = literal_column("0")
    parts = [
        select(literal_column("1"), func.count(Comment.id), func.coalesce(func.max(Comment.id), 0),
               func.coalesce(func.sum(Comment.paper_dots), 0), func.coalesce(func.sum(Comment.theme_id), 0),
               func.coalesce(func.sum(func.length(Comment.body)), 0),
               func.coalesce(func.sum(case((Comment.status == "hidden", Comment.id), else_=0)), 0),
               func.coalesce(func.sum(Comment.table_id * 7 + Comment.topic_id), 0))
        .where(Comment.workshop_id == wid),
        select(literal_column("2"), func.count(DotVote.id), func.coalesce(func.max(DotVote.id), 0),
               func.coalesce(func.sum(DotVote.comment_id), 0), func.coalesce(func.sum(DotVote.proposal_id), 0),
               func.coalesce(func.sum(DotVote.slot), 0), zero, zero)
        .where(DotVote.workshop_id == wid),
        select(literal_column("3"), func.count(WorkshopSeat.id), func.coalesce(func.max(WorkshopSeat.id), 0),
               func.coalesce(func.sum(WorkshopSeat.table_id), 0), zero, zero, zero, zero)
        .where(WorkshopSeat.workshop_id == wid),
        select(literal_column("4"), func.count(Theme.id), func.coalesce(func.max(Theme.id), 0),
               func.coalesce(func.sum(func.length(Theme.name)), 0), func.coalesce(func.sum(Theme.topic_id), 0),
               func.coalesce(func.sum(Theme.position), 0), zero, zero)
        .where(Theme.workshop_id == wid),
        select(literal_column("5"), func.count(WorkshopTable.id), func.coalesce(func.max(WorkshopTable.id), 0),
               func.coalesce(func.sum(func.length(WorkshopTable.name)), 0),
               func.coalesce(func.sum(WorkshopTable.position), 0), zero, zero, zero)
        .where(WorkshopTable.workshop_id == wid),
        select(literal_column("6"), func.count(workshop_topic.c.topic_id), func.coalesce(func.sum(workshop_topic.c.topic_id), 0),
               zero, zero, zero, zero, zero)
        .where(workshop_topic.c.workshop_id == wid),
    ]
    rows = sorted(tuple(int(v) for v in row) for row in db.session.execute(union_all(*parts)))
    own = (workshop.state, workshop.join_code, workshop.title, workshop.venue, workshop.dots_per_participant,
           workshop.ward_id)
    digest = hashlib.sha256(repr((own, rows)).encode()).hexdigest()[:32]
    return f"w{wid}-{digest}"


def live_state(workshop: Workshop, *, recent: int = 8, top: int = 10) -> dict:
    """What the projector shows: counts, the ``recent`` latest notes of each topic, the themes
    with their notes and dots, and dot totals.

    Aggregates and LIMITed queries (one per topic): the cost does not grow with the hall's output.
    """
    wid = workshop.id
    tables = {t.id: t for t in workshop.tables}
    topics = list(workshop.topics)
    themes = dict(db.session.execute(select(Theme.id, Theme.name).where(Theme.workshop_id == wid)).all())
    phone_dots = (select(DotVote.comment_id.label("comment_id"), func.count(DotVote.id).label("n"))
                  .where(DotVote.workshop_id == wid, DotVote.comment_id.is_not(None))
                  .group_by(DotVote.comment_id).subquery())
    dots = Comment.paper_dots + func.coalesce(phone_dots.c.n, 0)
    visible = (Comment.workshop_id == wid, Comment.status != "hidden")
    notes = select(Comment, dots.label("dots")).outerjoin(phone_dots, phone_dots.c.comment_id == Comment.id) \
        .where(*visible)

    def note_json(c: Comment, n: int) -> dict:
        table = tables.get(c.table_id)
        return {"id": c.id, "topic_id": c.topic_id, "table_id": c.table_id, "table": table.name if table else "",
                "body": c.public_text, "channel": c.channel, "dots": int(n or 0), "theme": themes.get(c.theme_id, "")}

    by_topic = {t.id: {"notes": 0, "dots": 0} for t in topics}
    for topic_id, n, d in db.session.execute(
            select(Comment.topic_id, func.count(Comment.id), func.coalesce(func.sum(dots), 0))
            .outerjoin(phone_dots, phone_dots.c.comment_id == Comment.id).where(*visible).group_by(Comment.topic_id)):
        if topic_id in by_topic:
            by_topic[topic_id] = {"notes": int(n), "dots": int(d)}
    by_table = dict(db.session.execute(select(Comment.table_id, func.count(Comment.id)).where(*visible)
                                       .group_by(Comment.table_id)).all())
    seats = dict(db.session.execute(select(WorkshopSeat.table_id, func.count(WorkshopSeat.id))
                                    .where(WorkshopSeat.workshop_id == wid).group_by(WorkshopSeat.table_id)).all())
    proposal_dots = proposal_dot_totals(workshop)
    proposals = {p.id: p for p in db.session.scalars(select(Proposal).where(Proposal.id.in_(list(proposal_dots))))} \
        if proposal_dots else {}
    for pid, n in proposal_dots.items():
        if proposals.get(pid) is not None and proposals[pid].topic_id in by_topic:
            by_topic[proposals[pid].topic_id]["dots"] += n
    latest = [row for t in topics for row in db.session.execute(
        notes.where(Comment.topic_id == t.id).order_by(Comment.id.desc()).limit(recent)).all()] if recent else []
    theme_rows = db.session.execute(
        select(Theme.id, Theme.name, Theme.topic_id, func.count(Comment.id), func.coalesce(func.sum(dots), 0))
        .select_from(Theme).outerjoin(Comment, and_(Comment.theme_id == Theme.id, Comment.status != "hidden"))
        .outerjoin(phone_dots, phone_dots.c.comment_id == Comment.id)
        .where(Theme.workshop_id == wid).group_by(Theme.id, Theme.name, Theme.topic_id, Theme.position)
        .order_by(Theme.topic_id, Theme.position, Theme.id)).all()
    ranked = db.session.execute(notes.where(dots > 0).order_by(dots.desc(), Comment.id).limit(top)).all() if top else []
    ranked_proposals = sorted(proposal_dots.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return {
        "workshop": {"id": wid, "title": workshop.title, "state": workshop.state,
                     # The code is shown only while phones may join with it.
                     "join_code": workshop.join_code if workshop.is_open else None,
                     "dots_per_participant": workshop.dots_per_participant},
        "participants": sum(seats.values()),
        "notes_total": sum(v["notes"] for v in by_topic.values()),
        "dots_total": sum(v["dots"] for v in by_topic.values()),
        "topics": [{"id": t.id, "number": t.number, "title": t.title, **by_topic[t.id]} for t in topics],
        "tables": [{"id": t.id, "name": t.name, "participants": seats.get(t.id, 0), "notes": by_table.get(t.id, 0)}
                   for t in tables.values()],
        "recent": [note_json(c, n) for c, n in latest],
        "themes": [{"id": tid, "name": name, "topic_id": topic_id, "notes": int(n), "dots": int(d)}
                   for tid, name, topic_id, n, d in theme_rows],
        "top_notes": [note_json(c, n) for c, n in ranked],
        "top_proposals": [{"id": pid, "text": proposals[pid].text, "topic_id": proposals[pid].topic_id, "dots": n}
                          for pid, n in ranked_proposals if pid in proposals],
    }
