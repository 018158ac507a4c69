"""A public comment's document (条文骨子): its numbered provisions, read from plain text, and stored
as the consultation's one Topic (slug ``document``) whose Sections are the provisions.

The text has one provision per line (blank lines are ignored)::

    【第33条の後にコミュニティ活動の連携について追加】   ← editorial note: first line of the next chapter's body
    第5章 コミュニティ活動                              ← chapter (depth 0), anchor ch5
    1 コミュニティ活動の連携                            ← article (depth 1), anchor ch5-1; heading after the number
    地域コミュニティ活動及び…                           ← a line without a number: the body of the provision above
    1) 区民（※1）及び区の職員は…                        ← item (depth 2), anchor ch6-1-1; the line is its body
    ②地域の課題を的確に把握し…                          ← sub-item (depth 3), anchor ch6-1-2-2
    ※1「区民」                                          ← note (depth 0), anchor note1; heading 区民
    区の区域内の住民、…                                 ← its definition

The anchor comes from the number path alone, so a provision keeps its anchor — and its comments —
when its text is revised. ``import_document`` stores a parsed document all or nothing.
"""

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import audit
from ..consultation.models import Consultation, Section, SectionRevision, Topic
from ..core.errors import InvalidInput
from ..core.text import has_forbidden_characters, nfkc, normalise_newlines
from ..core.transactions import action
from ..extensions import db
from ..i18n import utcnow
from ..participation.models import Comment

DOCUMENT_SLUG = "document"
FIELD = "document"  # the field the parser's messages are filed under
MAX_PROVISIONS = 500
MAX_NUMBER = 50  # ㊿ is the last circled number
HEADING_MAX = 200
BODY_MAX = 20000
TITLE_MAX = 200

CIRCLED = {chr(0x2460 + i): i + 1 for i in range(20)}  # ①–⑳
CIRCLED.update({chr(0x3251 + i): i + 21 for i in range(15)})  # ㉑–㉟
CIRCLED.update({chr(0x32B1 + i): i + 36 for i in range(15)})  # ㊱–㊿
CIRCLED_BY_NUMBER = {n: c for c, n in CIRCLED.items()}
KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

CHAPTER_RE = re.compile(r"^第\s*([0-9〇一二三四五六七八九十]{1,4})\s*章(?:\s+(.*))?$")
ARTICLE_RE = re.compile(r"^([0-9]{1,3})\s+(\S.*)$")
ITEM_RE = re.compile(r"^([0-9]{1,3})\)\s*(.*)$")
NOTE_RE = re.compile(r"^※\s*([0-9]{1,3})\s*(.*)$")
EDITORIAL_RE = re.compile(r"^【.*】$")

CHAPTER, ARTICLE, ITEM, SUBITEM, NOTE = "chapter", "article", "item", "subitem", "note"
DEPTHS = {CHAPTER: 0, ARTICLE: 1, ITEM: 2, SUBITEM: 3, NOTE: 0}


@dataclass(frozen=True)
class Provision:
    label: str  # as printed: 第6章, 1, 1), ②, ※1
    depth: int
    anchor: str
    heading: str
    body: str
    line: int = 0  # where it starts in the text read (0 when built otherwise)


def anchor_for(path: tuple) -> str:
    """The anchor of a number path: (6,) → ch6, (6, 1, 2, 2) → ch6-1-2-2, ("note", 1) → note1."""
    if not path:
        raise ValueError("empty path")
    if path[0] == "note":
        if len(path) != 2:
            raise ValueError(f"a note's path is ('note', n): {path!r}")
        return f"note{int(path[1])}"
    if len(path) > 4:
        raise ValueError(f"too deep: {path!r}")
    return "ch" + "-".join(str(int(n)) for n in path)


def _kanji_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _sep, ones = text.partition("十")
        if len(tens) > 1 or len(ones) > 1:
            return None
        value = (KANJI_DIGITS.get(tens, -100) if tens else 1) * 10 + (KANJI_DIGITS.get(ones, -100) if ones else 0)
        return value if value > 0 else None
    if len(text) == 1 and text in KANJI_DIGITS:
        return KANJI_DIGITS[text]
    return None


class _Reader:
    """One pass over the lines; every problem is collected with its line number."""

    def __init__(self) -> None:
        self.provisions: list[dict[str, Any]] = []
        self.errors: list = []
        self.seen: dict[str, int] = {}  # anchor → line
        self.chapter: int | None = None
        self.article = 0
        self.item = 0
        self.subitem = 0
        self.note = 0
        self.in_notes = False
        self.pending: list[tuple[int, str]] = []  # 【…】 lines waiting for their chapter

    def error(self, line: int, message) -> None:
        self.errors.append(_l("%(line)d行目：%(message)s", line=line, message=message))

    def _number_ok(self, line: int, label: str, n: int, last: int, what) -> bool:
        if n < 1 or n > MAX_NUMBER:
            self.error(line, _l("番号「%(label)s」は1〜%(max)dで書いてください。", label=label, max=MAX_NUMBER))
            return False
        if n > last + 1:
            self.error(line, _l("番号が飛んでいます：「%(label)s」の前に%(what)s「%(expected)s」がありません。",
                                label=label, what=what, expected=self._label_like(label, last + 1)))
            return False
        if n < last:
            self.error(line, _l("番号の順序が逆です：「%(label)s」が「%(previous)s」の後にあります。",
                                label=label, previous=self._label_like(label, last)))
            return False
        return True

    @staticmethod
    def _label_like(label: str, n: int) -> str:
        if label.startswith("第"):
            return f"第{n}章"
        if label.startswith("※"):
            return f"※{n}"
        if label.endswith(")"):
            return f"{n})"
        if label in CIRCLED:
            return CIRCLED_BY_NUMBER.get(n, str(n))
        return str(n)

    def add(self, line: int, kind: str, label: str, path: tuple, heading: str, body: list[str]) -> None:
        anchor = anchor_for(path)
        if anchor in self.seen:
            self.error(line, _l("番号「%(label)s」が2回使われています（最初は%(first)d行目）。",
                                label=label, first=self.seen[anchor]))
            return
        if len(heading) > HEADING_MAX:
            self.error(line, _l("見出しは%(max)d文字以内にしてください。", max=HEADING_MAX))
        self.seen[anchor] = line
        self.provisions.append({"kind": kind, "label": label, "depth": DEPTHS[kind], "anchor": anchor,
                                "heading": heading, "body": body, "line": line})

    def flush_pending(self) -> None:
        for line, _text in self.pending:
            self.error(line, _l("【】の注記は、章（第○章）の行の直前に置いてください。"))
        self.pending = []

    def read(self, number: int, raw: str) -> None:
        text = raw.strip()
        if not text:
            return
        if has_forbidden_characters(text):
            self.error(number, _l("使えない制御文字が含まれています。"))
            return
        if EDITORIAL_RE.match(text):
            self.pending.append((number, text))
            return
        plain = nfkc(text)
        first = text[0]
        if first in CIRCLED:
            self.flush_pending()
            return self.subitem_line(number, text, CIRCLED[first])
        if m := CHAPTER_RE.match(plain):
            return self.chapter_line(number, m, text.split("章", 1)[1].strip())
        self.flush_pending()
        if m := ITEM_RE.match(plain):
            return self.item_line(number, text, int(m.group(1)))
        if m := NOTE_RE.match(plain):
            rest = re.sub(r"^※\s*[0-9０-９]+", "", text).strip()
            return self.note_line(number, text, int(m.group(1)), rest)
        if m := ARTICLE_RE.match(plain):
            return self.article_line(number, int(m.group(1)), re.split(r"\s+", text, maxsplit=1)[1].strip())
        if not self.provisions:
            self.error(number, _l("番号のない行が、最初の条文（第○章など）より前にあります。"))
            return
        self.provisions[-1]["body"].append(text)

    def chapter_line(self, number: int, m, heading: str) -> None:
        n = _kanji_number(m.group(1))
        label = f"第{n}章" if n is not None else f"第{m.group(1)}章"
        if n is None or n < 1 or n > 999:
            self.error(number, _l("章の番号「%(label)s」を読み取れません。", label=label))
            self.pending = []
            return
        body = [t for _line, t in self.pending]
        self.pending = []
        if self.chapter is not None and n <= self.chapter and anchor_for((n,)) not in self.seen:
            self.error(number, _l("番号の順序が逆です：「%(label)s」が「第%(previous)d章」の後にあります。",
                                  label=label, previous=self.chapter))
            return
        self.add(number, CHAPTER, label, (n,), heading, body)
        self.chapter, self.article, self.item, self.subitem, self.in_notes = n, 0, 0, 0, False

    def article_line(self, number: int, n: int, heading: str) -> None:
        label = str(n)
        if self.chapter is None or self.in_notes:
            self.error(number, _l("「%(label)s %(heading)s」は章（第○章）の外にあります。条文の番号は章の中に書いてください。",
                                  label=label, heading=heading[:20]))
            return
        if anchor_for((self.chapter, n)) in self.seen:
            return self.add(number, ARTICLE, label, (self.chapter, n), heading, [])
        if self._number_ok(number, label, n, self.article, _l("条文")):
            self.add(number, ARTICLE, label, (self.chapter, n), heading, [])
            self.article, self.item, self.subitem = n, 0, 0

    def item_line(self, number: int, text: str, n: int) -> None:
        label = f"{n})"
        if self.chapter is None or self.in_notes or self.article == 0:
            self.error(number, _l("項「%(label)s」が条文（1、2…）の外にあります。", label=label))
            return
        path = (self.chapter, self.article, n)
        if anchor_for(path) in self.seen:
            return self.add(number, ITEM, label, path, "", [text])
        if self._number_ok(number, label, n, self.item, _l("項")):
            self.add(number, ITEM, label, path, "", [text])
            self.item, self.subitem = n, 0

    def subitem_line(self, number: int, text: str, n: int) -> None:
        label = text[0]
        if self.chapter is None or self.in_notes or self.article == 0 or self.item == 0:
            self.error(number, _l("号「%(label)s」が項（1)、2)…）の外にあります。", label=label))
            return
        path = (self.chapter, self.article, self.item, n)
        if anchor_for(path) in self.seen:
            return self.add(number, SUBITEM, label, path, "", [text])
        if self._number_ok(number, label, n, self.subitem, _l("号")):
            self.add(number, SUBITEM, label, path, "", [text])
            self.subitem = n

    def note_line(self, number: int, text: str, n: int, rest: str) -> None:
        label = f"※{n}"
        term = re.fullmatch(r"「(.+)」", rest)
        heading, body = (term.group(1).strip(), []) if term else ("", [rest] if rest else [])
        if anchor_for(("note", n)) in self.seen:
            return self.add(number, NOTE, label, ("note", n), heading, body)
        if self._number_ok(number, label, n, self.note, _l("注")):
            self.add(number, NOTE, label, ("note", n), heading, body)
            self.note, self.in_notes = n, True


def parse_document(text: str) -> list[Provision]:
    """The provisions of a numbered document, in order; ``InvalidInput`` (field ``document``) with
    one message per problem, each with its line number."""
    reader = _Reader()
    lines = normalise_newlines(text or "").split("\n")
    for number, raw in enumerate(lines, start=1):
        reader.read(number, raw)
    reader.flush_pending()
    if not reader.provisions and not reader.errors:
        reader.errors.append(_l("条文骨子が空です。章（第○章）や条文の行を書いてください。"))
    if len(reader.provisions) > MAX_PROVISIONS:
        reader.errors.append(_l("条文は%(max)d件までです。", max=MAX_PROVISIONS))
    provisions = []
    for p in reader.provisions:
        body = "\n".join(p["body"])
        if len(body) > BODY_MAX:
            reader.errors.append(_l("%(line)d行目：「%(label)s」の本文が長すぎます（%(max)d文字以内）。",
                                    line=p["line"], label=p["label"], max=BODY_MAX))
        if p["kind"] in (ARTICLE, NOTE, CHAPTER) and not p["heading"] and not body:
            reader.errors.append(_l("%(line)d行目：「%(label)s」に見出しも本文もありません。",
                                    line=p["line"], label=p["label"]))
        provisions.append(Provision(p["label"], p["depth"], p["anchor"], p["heading"], body, p["line"]))
    if reader.errors:
        raise InvalidInput({FIELD: reader.errors})
    return provisions


def outline_text(data: dict) -> str:
    """The seed's 改正条文骨子 (``ordinance.toml``: chapters, their articles' paragraphs and items,
    definitions) written out as the text ``parse_document`` reads, so both go through one builder."""
    lines: list[str] = []
    for chapter in data.get("chapters", []):
        if chapter.get("placement"):
            lines.append(f"【{chapter['placement']}】")
        lines.append(f"第{chapter['number']}章 {chapter['title']}")
        for article in chapter.get("articles", []):
            lines.append(f"{article['number']} {article['heading']}")
            lines.extend(article.get("paragraphs", []))  # "1) …" paragraphs become items
            lines.extend(article.get("items", []))  # ①… : sub-items of the last paragraph
        lines.append("")
    for definition in data.get("definitions", []):
        lines.append(f"{definition['mark']}「{definition['term']}」")
        lines.append(definition["text"])
    return "\n".join(lines) + "\n"


# --- storing ------------------------------------------------------------------------------------

def document_topic(consultation: Consultation) -> Topic | None:
    return db.session.scalar(select(Topic).where(Topic.consultation_id == consultation.id,
                                                 Topic.slug == DOCUMENT_SLUG))


def _comment_count(section: Section) -> int:
    return db.session.scalar(select(func.count()).select_from(Comment).where(Comment.section_id == section.id))


@action
def import_document(consultation: Consultation, provisions: list[Provision], user=None, *, title: str = "",
                    note: str = "", log: bool = True) -> dict[str, int]:
    """Store the document's provisions: the Topic and every provision when it is new; else a new
    revision for each provision whose text changed (matched by anchor), the new ones added, and
    those no longer in the text removed — refused (nothing stored) for one that has comments,
    which staff retire instead. Returns the counts (create, revise, unchanged, remove).

    Every change is written to the audit log (``log=False`` for the seed only)."""
    record = audit.record if log else (lambda *a, **k: None)
    if not consultation.is_pubcom:
        raise InvalidInput({FIELD: [_l("条文骨子を取り込めるのはパブリックコメントだけです。")]})
    if not provisions:
        raise InvalidInput({FIELD: [_l("条文骨子が空です。章（第○章）や条文の行を書いてください。")]})
    anchors = [p.anchor for p in provisions]
    if len(set(anchors)) != len(anchors):
        raise InvalidInput({FIELD: [_l("同じ番号の条文が2つあります。")]})
    topic = document_topic(consultation)
    title = (title or "").strip()
    if topic is None and not title:
        raise InvalidInput({"title": [_l("条文骨子の題名を入力してください。")]})
    if len(title) > TITLE_MAX:
        raise InvalidInput({"title": [_l("題名は%(max)d文字以内にしてください。", max=TITLE_MAX)]})

    existing = {s.anchor: s for s in topic.sections} if topic is not None else {}
    wanted = set(anchors)
    errors = []
    removed = []
    for anchor, section in existing.items():
        if anchor in wanted:
            if section.retired_at_utc is not None:
                errors.append(_l("「%(label)s」（%(anchor)s）は廃止されています。取り込む前に復活させてください。",
                                 label=section.label, anchor=anchor))
            continue
        if section.retired_at_utc is not None:
            continue  # retired earlier: stays retired, off the page
        if _comment_count(section):
            errors.append(_l("「%(label)s」（%(anchor)s）にはご意見が寄せられているため、取り除けません。条文の一覧で廃止してください。",
                             label=section.label, anchor=anchor))
        else:
            removed.append(section)
    if errors:
        raise InvalidInput({FIELD: errors})

    counts = {"create": 0, "revise": 0, "unchanged": 0, "remove": len(removed)}
    if topic is None:
        topic = Topic(consultation_id=consultation.id, number=1, slug=DOCUMENT_SLUG, title=title)
        db.session.add(topic)
        db.session.flush()
        record(user, "topic.create", "topic", topic.id, after={"slug": DOCUMENT_SLUG, "title": title})
    elif title and title != topic.title:
        record(user, "topic.update", "topic", topic.id, before={"title": topic.title}, after={"title": title})
        topic.title = title
    for section in removed:
        for revision in section.revisions:
            db.session.delete(revision)
        db.session.delete(section)
        record(user, "section.delete", "section", section.id, before={"anchor": section.anchor})
    db.session.flush()

    now = utcnow()
    for position, p in enumerate(provisions, start=1):
        section = existing.get(p.anchor)
        if section is None:
            section = Section(topic_id=topic.id, anchor=p.anchor, position=position, label=p.label, depth=p.depth)
            db.session.add(section)
            db.session.flush()
            db.session.add(SectionRevision(section_id=section.id, number=1, heading=p.heading, body=p.body,
                                           note=note, created_by_id=getattr(user, "id", None), created_at_utc=now))
            counts["create"] += 1
            continue
        section.position, section.label, section.depth = position, p.label, p.depth
        current = section.current
        if current.heading == p.heading and current.body == p.body:
            counts["unchanged"] += 1
            continue
        db.session.add(SectionRevision(section_id=section.id, number=current.number + 1, heading=p.heading,
                                       body=p.body, note=note, created_by_id=getattr(user, "id", None),
                                       created_at_utc=now))
        record(user, "section.revise", "section", section.id,
                     before={"heading": current.heading, "body": current.body},
                     after={"heading": p.heading, "body": p.body})
        counts["revise"] += 1
    db.session.flush()
    db.session.expire(topic)
    if counts["create"] or counts["revise"] or counts["remove"]:
        record(user, "document.import", "topic", topic.id, after=counts)
    return counts


def document_text(topic: Topic | None) -> str:
    """The document as it stands, written out as the text ``parse_document`` reads, for staff to
    edit and import again (the provisions not retired, their current revisions)."""
    if topic is None:
        return ""
    lines: list[str] = []
    for section in topic.sections:
        if section.retired_at_utc is not None:
            continue
        current = section.current
        if section.label.startswith("第"):  # a chapter: its editorial note 【…】 comes first
            if current.body:
                lines.extend(current.body.splitlines())
            lines.append(f"{section.label} {current.heading}".strip())
        elif section.label.startswith("※"):
            lines.append(f"{section.label}「{current.heading}」")
            lines.extend(current.body.splitlines())
        elif section.depth == DEPTHS[ARTICLE]:
            lines.append(f"{section.label} {current.heading}".strip())
            lines.extend(current.body.splitlines())
        else:  # items and sub-items print their number in their text
            lines.extend(current.body.splitlines())
    return "\n".join(lines) + "\n"
