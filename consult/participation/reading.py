"""Reading what citizens sent, as the public pages and the API show it: published comments page
by page, with their counts kept while nothing changed."""

from flask import current_app
from sqlalchemy import func, select

from ..consultation.models import Topic
from ..extensions import db
from .models import Comment, Support
from .versions import comments_version


def published_page(*, topic: Topic | None = None, consultation=None, ward_code: str | None = None, page: int = 1,
                   per_page: int = 20, options: tuple = ()):
    """One page of published comments, newest first, with their support counts; and the total.

    The page's ids are found first from the index alone — (topic_id, status, created_at_utc) or
    (status, created_at_utc), whose last column is the id — so that a deep page skips index
    entries rather than rows; then only those rows are read, with their supports (and ``options``).
    """
    conditions = [Comment.status == "published"]
    if topic is not None:
        conditions.append(Comment.topic_id == topic.id)
    elif consultation is not None:  # every topic of one consultation, never another's
        conditions.append(Comment.topic_id.in_(select(Topic.id).where(Topic.consultation_id == consultation.id)))
    if ward_code:
        conditions.append(Comment.ward_code == ward_code)
    total = _count(("published", topic.id if topic else None, consultation.id if consultation else None,
                    ward_code or None),
                   select(func.count(Comment.id)).where(*conditions))
    ids = db.session.scalars(select(Comment.id).where(*conditions)
                             .order_by(Comment.created_at_utc.desc(), Comment.id.desc())
                             .limit(per_page).offset((page - 1) * per_page)).all()
    if not ids:
        return [], total
    supports = (select(func.count(Support.id)).where(Support.comment_id == Comment.id)
                .correlate(Comment).scalar_subquery())
    rows = {c.id: (c, n) for c, n in db.session.execute(select(Comment, supports).options(*options)
                                                          .where(Comment.id.in_(ids)))}
    # Read by primary key alone (with the conditions SQLite would walk the status index instead);
    # a comment moderated in between is left out here.
    return [rows[i] for i in ids if i in rows and rows[i][0].status == "published"], total


def _count(key, query) -> int:
    """A count of published comments, kept (pagecache.py) while no comment arrived and nothing
    was moderated: counting tens of thousands of index entries on every page is what made deep
    pages grow with the consultation."""
    cache = current_app.extensions.get("count_cache")
    if cache is None:
        return db.session.scalar(query)
    current = comments_version()
    kept = cache.get(key, current)
    if kept is not None:
        return kept[0]
    total = db.session.scalar(query)
    cache.put(key, current, (total,))
    return total
