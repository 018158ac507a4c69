"""Paper sticky notes typed in by staff: one per line with an optional dot tally, corrected or
removed until the close. The text stays out of the audit log; its length shows a change."""

import re
from typing import Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ...audit import record
from ...core import fields
from ...core.errors import InvalidInput
from ...core.text import nfkc, normalise_newlines, search_key, visible_length
from ...extensions import db
from ...participation.models import Comment
from ..models import DotVote, Workshop
from .common import check_note_body, int_of, new_comment, require_not_closed, table_of, topic_of

PAPER_DOTS_MAX = 999
PAPER_LINES_MAX = 300
# "意見の文 [3]" — a paper note's dot tally, written at the end of its line. NFKC first, so that
# full-width ［３］ counts too.
_TALLY = re.compile(r"^(?P<body>.*?)\s*\[\s*(?P<dots>\d+)\s*\]\s*$")
_BULLET = re.compile(r"^\s*[・•]\s*")


def parse_paper_lines(text: str, errors: dict, name: str = "lines") -> list[tuple[str, int]]:
    """One note per line; a tally of paper dots may end the line in brackets: "意見の文 [3]".

    Blank lines are skipped; a leading bullet (・ or •) is dropped. Returns (body, dots) pairs;
    messages name the line they are about.
    """
    notes = []
    for number, raw in enumerate(normalise_newlines(text or "").split("\n"), start=1):
        if not raw.strip():
            continue
        line = _BULLET.sub("", raw).strip()
        dots = 0
        match = _TALLY.match(nfkc(line))
        if match:
            # Cut the tally off the original text at the same place: search from the end for "[" or "［".
            cut = max(line.rfind("["), line.rfind("［"))
            body = line[:cut].rstrip() if cut >= 0 else match.group("body")
            dots = int(match.group("dots"))
            if dots > PAPER_DOTS_MAX:
                fields.add(errors, name, 
                    _l("%(line)d行目：ドットの数は%(max)dまでです。", line=number, max=PAPER_DOTS_MAX))
                continue
        else:
            body = line
        if visible_length(body) == 0:
            fields.add(errors, name, _l("%(line)d行目：付箋の内容がありません。", line=number))
            continue
        before = len(errors.get(name, []))
        check_note_body(body, name, errors, line=number)
        if len(errors.get(name, [])) == before:
            notes.append((body, dots))
    if not notes and name not in errors:
        fields.add(errors, name, _l("付箋の内容を1行に1枚ずつ入力してください。"))
    elif len(notes) > PAPER_LINES_MAX:
        fields.add(errors, name, _l("一度に入力できるのは%(max)d枚までです。", max=PAPER_LINES_MAX))
    return notes


def _paper_table_and_topic(workshop: Workshop, data: Mapping, errors: dict):
    """The table and topic a paper note is typed in for, both required."""
    table = table_of(workshop, fields.string(data, "table", errors))
    if table is None and "table" not in errors:
        fields.add(errors, "table", _l("テーブルを選んでください。"))
    topic = topic_of(workshop, fields.string(data, "topic", errors))
    if topic is None and "topic" not in errors:
        fields.add(errors, "topic", _l("審議事項を選んでください。"))
    return table, topic


def add_paper_notes(workshop: Workshop, data: Mapping, user) -> list[Comment]:
    """Type in paper sticky notes for one table and topic: each line becomes a Comment (channel paper)."""
    errors: dict[str, list] = {}
    table, topic = _paper_table_and_topic(workshop, data, errors)
    notes = parse_paper_lines(fields.string(data, "lines", errors), errors)
    if errors:
        raise InvalidInput(errors)
    require_not_closed(workshop)
    comments = [new_comment(workshop, topic, body, channel="paper", table_id=table.id, paper_dots=dots)
                for body, dots in notes]
    db.session.add_all(comments)
    db.session.flush()
    record(user, "workshop.paper_add", "workshop", workshop.id,
           after={"comments": [c.id for c in comments], "table_id": table.id, "topic_id": topic.id,
                  "paper_dots": [c.paper_dots for c in comments]})
    db.session.commit()
    return comments


def paper_note_of(workshop: Workshop, comment_id: int) -> Comment | None:
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.workshop_id != workshop.id or comment.channel != "paper":
        return None
    return comment


def _paper_audit(comment: Comment) -> dict:
    # The text itself stays out of the audit log; its length shows that it changed.
    return {"table_id": comment.table_id, "topic_id": comment.topic_id, "paper_dots": comment.paper_dots,
            "theme_id": comment.theme_id, "body_length": len(comment.body)}


def update_paper_note(workshop: Workshop, comment: Comment, data: Mapping, user) -> Comment:
    """Correct a typed-in paper note (its transcription, table, topic or tally) until the close."""
    errors: dict[str, list] = {}
    table, topic = _paper_table_and_topic(workshop, data, errors)
    body = normalise_newlines(fields.string(data, "body", errors)).strip()
    check_note_body(body, "body", errors)
    dots_text = fields.string(data, "paper_dots", errors).strip()
    dots = int_of(dots_text) if dots_text else 0
    if dots is None or not 0 <= dots <= PAPER_DOTS_MAX:
        fields.add(errors, "paper_dots", _l("ドットの数は0から%(max)dまでの数字で入力してください。",
                                                      max=PAPER_DOTS_MAX))
    if errors:
        raise InvalidInput(errors)
    require_not_closed(workshop)
    before = _paper_audit(comment)
    body_changed = body != comment.body
    if topic.id != comment.topic_id and comment.theme_id is not None:
        comment.theme_id = None  # a theme holds notes of its own topic only
    comment.table_id, comment.topic_id, comment.body, comment.paper_dots = table.id, topic.id, body, dots
    comment.search_text = search_key(body)
    after = _paper_audit(comment)
    if after != before or body_changed:
        record(user, "workshop.paper_edit", "comment", comment.id, before=before, after=after)
    db.session.commit()
    return comment


def delete_paper_note(workshop: Workshop, comment: Comment, user) -> None:
    """Remove a mistyped paper note; refused once phones have put dots on it."""
    require_not_closed(workshop)
    if db.session.scalar(select(func.count(DotVote.id)).where(DotVote.comment_id == comment.id)):
        raise InvalidInput({"_form": [_l("スマートフォンからドットが貼られているため、この付箋は削除できません。")]})
    before = _paper_audit(comment) | {"receipt_no": comment.receipt_no}
    db.session.delete(comment)
    record(user, "workshop.paper_delete", "comment", comment.id, before=before)
    db.session.commit()
