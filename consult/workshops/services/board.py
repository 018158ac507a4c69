"""The KJ board: themes named by staff, and notes placed into them (a theme holds notes of its own topic)."""

from typing import Any, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ...audit import record
from ...core import fields
from ...core.errors import InvalidInput
from ...core.text import has_forbidden_characters, nfkc
from ...extensions import db
from ...participation.models import Comment
from ..models import Theme, Workshop
from .common import int_of, require_not_closed, topic_of

THEME_NAME_MAX = 200


def _theme_fields(workshop: Workshop, data: Mapping, errors: dict, *, theme: Theme | None = None):
    name = nfkc(fields.string(data, "name", errors)).strip()
    if not name and "name" not in errors:
        fields.add(errors, "name", _l("テーマの名前を入力してください。"))
    elif len(name) > THEME_NAME_MAX:
        fields.add(errors, "name", _l("テーマの名前は%(max)d文字以内にしてください。", max=THEME_NAME_MAX))
    elif has_forbidden_characters(name):
        fields.add(errors, "name", _l("使えない制御文字が含まれています。"))
    elif db.session.scalar(select(Theme.id).where(Theme.workshop_id == workshop.id, Theme.name == name,
                                                  Theme.id != (theme.id if theme else -1))):
        fields.add(errors, "name", _l("同じ名前のテーマがあります。"))
    topic = topic_of(workshop, fields.string(data, "topic", errors))
    if topic is None and "topic" not in errors:
        fields.add(errors, "topic", _l("テーマの審議事項を選んでください。"))
    return name, topic


def create_theme(workshop: Workshop, data: Mapping, user) -> Theme:
    errors: dict[str, list] = {}
    name, topic = _theme_fields(workshop, data, errors)
    if errors:
        raise InvalidInput(errors)
    require_not_closed(workshop)
    position = (db.session.scalar(select(func.max(Theme.position)).where(Theme.workshop_id == workshop.id)) or 0) + 1
    theme = Theme(workshop_id=workshop.id, topic_id=topic.id, name=name, position=position)
    try:
        with db.session.begin_nested():
            db.session.add(theme)
    except IntegrityError:  # the same name, added at the same moment
        raise InvalidInput({"name": [_l("同じ名前のテーマがあります。")]}) from None
    record(user, "workshop.theme_create", "theme", theme.id,
           after={"workshop_id": workshop.id, "name": name, "topic_id": topic.id})
    db.session.commit()
    return theme


def theme_of(workshop: Workshop, theme_id: Any) -> Theme | None:
    theme_id = int_of(theme_id) if not isinstance(theme_id, int) else theme_id
    if theme_id is None:
        return None
    theme = db.session.get(Theme, theme_id)
    return theme if theme is not None and theme.workshop_id == workshop.id else None


def update_theme(workshop: Workshop, theme: Theme, data: Mapping, user) -> Theme:
    errors: dict[str, list] = {}
    name, topic = _theme_fields(workshop, data, errors, theme=theme)
    if not errors and topic.id != theme.topic_id and db.session.scalar(
            select(func.count(Comment.id)).where(Comment.theme_id == theme.id)):
        fields.add(errors, "topic", _l("付箋が入っているテーマの審議事項は変えられません。"))
    if errors:
        raise InvalidInput(errors)
    require_not_closed(workshop)
    before = {"name": theme.name, "topic_id": theme.topic_id}
    theme.name, theme.topic_id = name, topic.id
    record(user, "workshop.theme_update", "theme", theme.id, before=before, after={"name": name, "topic_id": topic.id})
    db.session.commit()
    return theme


def delete_theme(workshop: Workshop, theme: Theme, user) -> None:
    """Remove a theme; its notes go back to 未分類."""
    require_not_closed(workshop)
    notes = list(db.session.scalars(select(Comment.id).where(Comment.theme_id == theme.id)))
    db.session.execute(update(Comment).where(Comment.theme_id == theme.id).values(theme_id=None))
    before = {"name": theme.name, "topic_id": theme.topic_id, "notes": notes}
    db.session.delete(theme)
    record(user, "workshop.theme_delete", "theme", theme.id, before=before)
    db.session.commit()


def move_notes(workshop: Workshop, moves: Mapping[Any, Any], user) -> int:
    """Place notes into themes: {comment id: theme id or None (未分類)}. Returns how many moved.

    A theme holds notes of its own topic only. All or nothing: one bad move refuses them all.
    """
    require_not_closed(workshop)
    wanted: dict[int, int | None] = {}
    errors: dict[str, list] = {}
    for key, value in moves.items():
        comment_id = key if isinstance(key, int) and not isinstance(key, bool) else int_of(key)
        theme_id = None if value in (None, "", "none") else (
            value if isinstance(value, int) and not isinstance(value, bool) else int_of(value))
        if comment_id is None or (value not in (None, "", "none") and theme_id is None):
            fields.add(errors, "_form", _l("付箋かテーマの指定が正しくありません。"))
            break
        wanted[comment_id] = theme_id
    comments = {c.id: c for c in db.session.scalars(
        select(Comment).where(Comment.id.in_(list(wanted)), Comment.workshop_id == workshop.id))} if wanted else {}
    themes = {t.id: t for t in db.session.scalars(select(Theme).where(Theme.workshop_id == workshop.id))}
    changes = []
    for comment_id, theme_id in wanted.items():
        comment = comments.get(comment_id)
        theme = themes.get(theme_id) if theme_id is not None else None
        if comment is None or (theme_id is not None and theme is None):
            fields.add(errors, "_form", _l("この会の付箋かテーマではありません。"))
            break
        if theme is not None and theme.topic_id != comment.topic_id:
            fields.add(errors, "_form", 
                _l("テーマ「%(theme)s」には、同じ審議事項の付箋だけを入れられます。", theme=theme.name))
            break
        if comment.theme_id != theme_id:
            changes.append({"comment_id": comment_id, "from": comment.theme_id, "to": theme_id})
            comment.theme_id = theme_id
    if errors:
        db.session.rollback()
        raise InvalidInput(errors)
    if changes:
        record(user, "workshop.notes_move", "workshop", workshop.id, after={"moves": changes})
    db.session.commit()
    return len(changes)
