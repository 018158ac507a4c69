"""Moderation: publish, hide with a reason, or publish a masked copy — one comment or many.

The original ``body`` is never changed; a masked copy goes into ``body_published``. Every change
is written to the audit log in the same transaction. Functions take plain values and the acting
user; the caller commits.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..audit import record, snapshot
from ..consultation.models import Section
from ..core.errors import InvalidInput
from ..core.labels import hide_reason_labels
from ..core.text import has_forbidden_characters, normalise_newlines, visible_length
from ..core.transactions import action
from ..extensions import db
from ..i18n import utcnow
from ..participation.models import Comment
from ..participation.services import BODY_MAX
from . import flags
from .filters import ReviewFilter, small_int
from .signals import Mark, marks_for

AUDIT_FIELDS = ("status", "body_published", "hidden_reason", "published_at_utc", "moderated_at_utc")
NOTE_MAX = 500
BULK_MAX = 500
BULK_ACTIONS = ("publish", "hide")


class Conflict(Exception):
    """Someone else moderated the comment after this page was shown."""


def comment_query():
    """Comments with what their rows show, loaded in a fixed number of queries (no N+1)."""
    return select(Comment).options(
        selectinload(Comment.topic), selectinload(Comment.proposal),
        selectinload(Comment.section).selectinload(Section.revisions),
        selectinload(Comment.workshop), selectinload(Comment.table), selectinload(Comment.theme),
        selectinload(Comment.opinion_group))


def comment_page(f: ReviewFilter, *, page: int = 1, per_page: int = 50, oldest_first: bool = False):
    """(comments, total) for a page of a filtered list."""
    total = db.session.scalar(select(func.count()).select_from(Comment).where(*f.comment_conditions()))
    order = (Comment.created_at_utc, Comment.id) if oldest_first else (Comment.created_at_utc.desc(), Comment.id.desc())
    comments = db.session.scalars(comment_query().where(*f.comment_conditions()).order_by(*order)
                                  .limit(per_page).offset((page - 1) * per_page)).all()
    return comments, total or 0


def marks(consultation_id: int, comments: list[Comment]) -> dict[int, list[Mark]]:
    """What other areas note beside a page's comments (the analysis: 「同じ文面 ×N」), read once
    for the page, not per comment."""
    return marks_for(consultation_id, [c.id for c in comments])


def version(comment: Comment) -> str:
    """What the moderation form remembers, to notice a change made meanwhile by someone else."""
    return f"{comment.status}:{comment.moderated_at_utc.isoformat() if comment.moderated_at_utc else ''}"


def validate_reason(code: str, note: str) -> str:
    """The hidden reason as stored: the standard reason's words, then the moderator's note."""
    errors: dict[str, list] = {}
    labels = hide_reason_labels()
    if code not in labels:
        errors["reason"] = [_l("非公開にする理由を選んでください。")]
    note = normalise_newlines(note or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = [_l("補足は%(max)d文字以内で入力してください。", max=NOTE_MAX)]
    elif has_forbidden_characters(note):
        errors["note"] = [_l("補足に使えない制御文字が含まれています。")]
    if code == "other" and not note and "reason" not in errors:
        errors["note"] = [_l("「その他」を選んだときは、理由を補足に書いてください。")]
    if errors:
        raise InvalidInput(errors)
    text = str(labels[code])
    return f"{text}：{note}" if note else text


def validate_published_text(text: str) -> str:
    text = normalise_newlines(text or "").strip()
    length = visible_length(text)
    if length == 0:
        raise InvalidInput({"body_published": [_l("公開する文を入力してください。")]})
    if length > BODY_MAX:
        raise InvalidInput({"body_published": [
            _l("公開する文は%(max)d文字以内にしてください（現在%(count)d文字）。", max=BODY_MAX, count=length)]})
    if has_forbidden_characters(text):
        raise InvalidInput({"body_published": [_l("公開する文に使えない制御文字が含まれています。")]})
    return text


def _apply(user, comment: Comment, action: str, *, note: str = "", **changes) -> None:
    before = snapshot(comment, AUDIT_FIELDS)
    now = utcnow()
    for name, value in changes.items():
        setattr(comment, name, value)
    comment.moderated_at_utc = now
    comment.moderated_by_id = getattr(user, "id", None)
    if comment.status == "published":
        comment.published_at_utc = now
    else:
        comment.published_at_utc = None
    record(user, action, "comment", comment.id, before=before, after=snapshot(comment, AUDIT_FIELDS), note=note)


def _check_version(comment: Comment, seen: str | None) -> None:
    if seen is not None and seen != version(comment):
        raise Conflict()


def personal_data_in(comment: Comment) -> bool:
    return any(flag.personal for flag in flags.find_flags(comment.body))


def validate_original_reason(text: str | None) -> str:
    """Why an original that shows likely personal data is published as it is (kept in the log)."""
    text = normalise_newlines(text or "").strip()
    if not text:
        raise InvalidInput({"reason_original": [_l(
            "個人情報らしき記載があります。原文のまま公開する理由を書いてください（操作記録に残ります）。")]})
    if len(text) > NOTE_MAX:
        raise InvalidInput({"reason_original": [_l("理由は%(max)d文字以内で入力してください。", max=NOTE_MAX)]})
    if has_forbidden_characters(text):
        raise InvalidInput({"reason_original": [_l("理由に使えない制御文字が含まれています。")]})
    return text


@action
def publish(user, comment: Comment, *, seen: str | None = None, keep_edit: bool = False,
            reason: str | None = None) -> None:
    """Publish the original text (the masked copy is dropped unless ``keep_edit``). An original
    flagged for personal data needs the moderator's ``reason``, which the audit log keeps."""
    note = validate_original_reason(reason) if personal_data_in(comment) else ""
    _check_version(comment, seen)
    _apply(user, comment, "comment.publish", note=note, status="published", hidden_reason=None,
           **({} if keep_edit else {"body_published": None}))


@action
def publish_edited(user, comment: Comment, text: str, *, seen: str | None = None) -> None:
    """Publish a moderator's copy (personal data masked); the original stays as received."""
    text = validate_published_text(text)
    _check_version(comment, seen)
    _apply(user, comment, "comment.publish_edited", status="published", hidden_reason=None,
           body_published=None if text == comment.body else text)


@action
def hide(user, comment: Comment, reason: str, note: str = "", *, seen: str | None = None) -> None:
    hidden_reason = validate_reason(reason, note)
    _check_version(comment, seen)
    _apply(user, comment, "comment.hide", status="hidden", hidden_reason=hidden_reason)


@dataclass
class BulkResult:
    changed: int
    skipped: int  # no longer pending (someone else moderated them) or unknown
    masked: int = 0  # published with their likely personal data replaced by ＊＊＊


def parse_ids(values, *, limit: int = BULK_MAX) -> list[int]:
    ids = []
    for value in values:
        number = small_int(value)
        if number is None:
            raise InvalidInput({"ids": [_l("選んだご意見の指定が正しくありません。")]})
        ids.append(number)
    ids = sorted(set(ids))
    if not ids:
        raise InvalidInput({"ids": [_l("ご意見を1件以上選んでください。")]})
    if len(ids) > limit:
        raise InvalidInput({"ids": [_l("一度に選べるのは%(max)d件までです。", max=limit)]})
    return ids


@action
def bulk(user, ids: list[int], action: str, *, reason: str = "", note: str = "") -> BulkResult:
    """Publish or hide many pending comments at once; comments no longer pending are left alone."""
    if action not in BULK_ACTIONS:
        raise InvalidInput({"action": [_l("一括操作を選んでください。")]})
    hidden_reason = validate_reason(reason, note) if action == "hide" else None
    comments = db.session.scalars(select(Comment).where(Comment.id.in_(ids), Comment.status == "pending")
                                  .order_by(Comment.id).with_for_update()).all()
    masked = 0
    for comment in comments:
        if action == "publish":
            # Many at once, nobody reads each: likely personal data is published masked, never as sent.
            found = flags.find_flags(comment.body)
            if any(flag.personal for flag in found):
                masked += 1
                _apply(user, comment, "comment.publish_edited", note="bulk, masked", status="published",
                       hidden_reason=None, body_published=flags.mask(comment.body, found))
            else:
                _apply(user, comment, "comment.publish", note="bulk", status="published", hidden_reason=None)
        else:
            _apply(user, comment, "comment.hide", note="bulk", status="hidden", hidden_reason=hidden_reason)
    return BulkResult(changed=len(comments), skipped=len(ids) - len(comments), masked=masked)
