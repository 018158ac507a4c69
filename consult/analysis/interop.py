"""Formats of other broad-listening tools, read and written: pure functions, no database, no web.

Read:
    parse_kouchou_csv(data)                     Talk to the City / kouchou-ai (広聴AI) input CSV
    parse_polis_export(comments, votes)         a Polis export: comments.csv + participants-votes.csv
Written:
    export_run_json(run)                        one analysis run as deterministic JSON
    export_kouchou_csv(rows)                    kouchou-ai's final_result_with_comments.csv layout

Imports are all-or-nothing: any bad row rejects the whole file with an ImportFormatError naming
the lines. Where each column list was confirmed is in docs/interop.md.

Input shapes of the exports (the caller builds them from the database):

    RunExport      id, kind, settings, input_count, versions, created_at, groups, coordinates
    RunGroup       key, parent (a key or None), label, members (list of MemberRef)
    MemberRef      id (our comment id), imported_id (the id it was imported with, or None)
    RunPoint       MemberRef plus x, y
    KouchouRow     comment_id, original_comment, arg_id, argument, category_id, category,
                   optional x, y, source, url, attributes (name -> value)
"""

from __future__ import annotations

import csv
import io
import json
import math
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, NotRequired, TypedDict

from flask_babel import lazy_gettext as _l

from ..secretariat.exports.formulas import inert

MAX_ROWS = 200_000
MAX_BODY_CHARS = 10_000
# An error lists at most this many line numbers; the count says how many there were.
MAX_LINES_REPORTED = 20

KOUCHOU_ID = "comment-id"
KOUCHOU_BODY = "comment-body"
# kouchou-ai's final_result_with_comments.csv (analysis_core/steps/hierarchical_aggregation.py):
# snake_case arg_id/category_id in this file only; x, y, source, url only when present.
KOUCHOU_RESULT_COLUMNS = ("comment-id", "original-comment", "arg_id", "argument", "category_id", "category")
KOUCHOU_OPTIONAL_COLUMNS = ("x", "y", "source", "url")
KOUCHOU_ATTRIBUTE_PREFIX = "attribute_"

POLIS_COMMENT_ID = "comment-id"
POLIS_BODY = "comment-body"
POLIS_MODERATED = "moderated"
POLIS_AUTHOR = "author-id"
POLIS_PARTICIPANT = "participant"
POLIS_GROUP = "group-id"
# Columns of participants-votes.csv that are not votes; every other column is a comment id.
# "xid" appears in some exports (compdemocracy/openData: austria-climate.*).
POLIS_PARTICIPANT_COLUMNS = frozenset({"participant", "xid", "group-id", "n-comments", "n-votes",
                                       "n-agree", "n-disagree"})
# participants-votes.csv: agree = 1, disagree = -1, pass = 0, empty = not seen. Checked against
# n-agree / n-disagree on every conversation in compdemocracy/openData.
POLIS_VOTE_VALUES = {"1": 1, "-1": -1, "0": 0}
POLIS_MODERATED_VALUES = {"1": 1, "0": 0, "-1": -1}
MODERATED_OUT = -1

RUN_SCHEMA = "consult.analysis-run/1"


class ImportFormatError(ValueError):
    """A file that cannot be imported. ``code`` is stable (for tests and the API), ``message`` a lazy,
    translatable sentence for people, ``line`` the first line concerned (1-based, the header is
    line 1), ``lines`` up to MAX_LINES_REPORTED of them."""

    def __init__(self, code: str, message: Any, line: int | None = None, lines: Iterable[int] = ()):
        self.code = code
        self.message = message
        self.lines = tuple(lines) or ((line,) if line is not None else ())
        self.line = line if line is not None else (self.lines[0] if self.lines else None)
        super().__init__(code)

    def __str__(self) -> str:
        return str(self.message)


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class ImportedComment:
    line: int                      # where the row starts in the file (the header is line 1)
    comment_id: str
    body: str                      # as written: no normalisation, no strip
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportedComments:
    comments: tuple[ImportedComment, ...]
    encoding: str                  # "utf-8-sig", "utf-8" or "cp932"
    columns: tuple[str, ...]       # the header, NFKC-normalised
    attribute_columns: tuple[str, ...]


@dataclass(frozen=True)
class PolisStatement:
    line: int
    comment_id: str
    body: str
    moderated: int                 # 1 accepted, 0 unmoderated, -1 moderated out
    author_id: str | None


@dataclass(frozen=True)
class ImportedConversation:
    statements: tuple[PolisStatement, ...]
    votes: tuple[tuple[str, str, int], ...]       # (participant, comment_id, 1 agree / -1 disagree / 0 pass)
    participant_groups: dict[str, str]            # participant -> Polis's group-id ("" when none)
    skipped_statements: tuple[str, ...] = ()      # moderated-out comment ids left out, with their votes
    encoding: str = "utf-8"


def _decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without the BOM Excel writes), else CP932 (Japanese Excel's "CSV")."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
        try:
            return data.decode("cp932"), "cp932"
        except UnicodeDecodeError:
            pass
    raise ImportFormatError("encoding", _l("ファイルの文字コードがUTF-8でもShift_JIS（CP932）でもありません。"
                                           "「CSV UTF-8（コンマ区切り）」形式で保存し直してください。"))


def _header_name(name: str) -> str:
    # Full-width ｃｏｍｍｅｎｔ－ｉｄ from a Japanese IME becomes comment-id; bodies are never touched.
    return unicodedata.normalize("NFKC", name).strip()


def _lines_text(lines: list[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:MAX_LINES_REPORTED])
    return shown + (" …" if len(lines) > MAX_LINES_REPORTED else "")


def _reject(code: str, lines: list[int], message: Any) -> None:
    raise ImportFormatError(code, message, lines=lines[:MAX_LINES_REPORTED])


def _records(text: str, max_rows: int) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the data rows with the line each starts on; wholly blank rows are dropped
    (Excel leaves them at the end)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            if header is None:
                if any(cell.strip() for cell in row):
                    header = row
                continue
            if not any(cell.strip() for cell in row):
                continue
            if len(rows) >= max_rows:
                raise ImportFormatError("too_many_rows", _l("ファイルの行数が%(max)s行を超えています。", max=max_rows),
                                        line=start)
            rows.append((start, row))
    except csv.Error:
        raise ImportFormatError("bad_csv", _l("%(line)s行目付近がCSVとして読めません（引用符の閉じ忘れなど）。",
                                              line=reader.line_num), line=reader.line_num) from None
    if header is None:
        raise ImportFormatError("empty_file", _l("ファイルが空です。"))
    return header, rows


def _columns(header: list[str], required: Iterable[str]) -> list[str]:
    names = [_header_name(h) for h in header]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ImportFormatError("duplicate_column", _l("列「%(column)s」が2回以上あります。",
                                                           column=name), line=1)
        seen.add(name)
    for column in required:
        if column not in seen:
            raise ImportFormatError("missing_column",
                                    _l("列「%(column)s」がありません。ファイルにある列：%(found)s",
                                       column=column, found=", ".join(names) or "-"), line=1)
    return names


def _check_widths(names: list[str], rows: list[tuple[int, list[str]]]) -> None:
    # More cells than columns means a comma that was meant to be quoted: reject rather than guess.
    if bad := [line for line, row in rows if len(row) > len(names)]:
        _reject("bad_row", bad, _l("%(lines)s行目：見出しの列数より多くの値があります。",
                                   lines=_lines_text(bad)))


def _cell(names: list[str], row: list[str], name: str) -> str:
    i = names.index(name)
    return row[i] if i < len(row) else ""


def _check_ids(ids: list[tuple[int, str]]) -> None:
    if bad := [line for line, value in ids if not value.strip()]:
        _reject("empty_id", bad, _l("%(lines)s行目：IDが空です。", lines=_lines_text(bad)))
    first: dict[str, int] = {}
    duplicates = []
    for line, value in ids:
        if value in first:
            duplicates.append(line)
        else:
            first[value] = line
    if duplicates:
        _reject("duplicate_id", duplicates,
                _l("%(lines)s行目：IDがそれより前の行と重複しています。", lines=_lines_text(duplicates)))


def _check_bodies(bodies: list[tuple[int, str]], max_body: int) -> None:
    if bad := [line for line, body in bodies if not body.strip()]:
        _reject("empty_body", bad, _l("%(lines)s行目：本文（comment-body）が空です。", lines=_lines_text(bad)))
    if bad := [line for line, body in bodies if len(body) > max_body]:
        _reject("body_too_long", bad, _l("%(lines)s行目：本文（comment-body）が%(max)s文字を超えています。",
                                         lines=_lines_text(bad), max=max_body))


def parse_kouchou_csv(data: bytes, *, max_rows: int = MAX_ROWS, max_body: int = MAX_BODY_CHARS) -> ImportedComments:
    """Comments in the input CSV of Talk to the City and kouchou-ai: ``comment-id``, ``comment-body``,
    and any other column kept as an attribute (kouchou-ai's ``attribute_…``, ``source``, ``url`` or a
    free name), in file order. The file size is the caller's to check."""
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ImportFormatError("empty_file", _l("ファイルが空です。"))
    text, encoding = _decode(data)
    header, rows = _records(text, max_rows)
    names = _columns(header, (KOUCHOU_ID, KOUCHOU_BODY))
    if not rows:
        raise ImportFormatError("empty_file", _l("見出しの行だけで、ご意見の行がありません。"))
    _check_widths(names, rows)
    ids = [(line, _cell(names, row, KOUCHOU_ID)) for line, row in rows]
    _check_ids(ids)
    bodies = [(line, _cell(names, row, KOUCHOU_BODY)) for line, row in rows]
    _check_bodies(bodies, max_body)
    attribute_columns = [n for n in names if n not in (KOUCHOU_ID, KOUCHOU_BODY)]
    comments = tuple(
        ImportedComment(line=line, comment_id=comment_id, body=body,
                        attributes={n: _cell(names, row, n) for n in attribute_columns})
        for (line, row), (_, comment_id), (_, body) in zip(rows, ids, bodies))
    return ImportedComments(comments=comments, encoding=encoding, columns=tuple(names),
                            attribute_columns=tuple(attribute_columns))


def parse_polis_export(comments_csv: bytes, votes_csv: bytes, *, skip_moderated_out: bool = True,
                       max_rows: int = MAX_ROWS, max_body: int = MAX_BODY_CHARS) -> ImportedConversation:
    """A Polis conversation as its export and compdemocracy/openData publish it. Statements Polis
    moderated out (moderated = -1) are left out with their votes unless ``skip_moderated_out`` is
    False: Polis itself leaves them out of its opinion groups."""
    # comments.csv
    if not comments_csv.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ImportFormatError("empty_file", _l("ファイルが空です。"))
    text, encoding = _decode(comments_csv)
    header, rows = _records(text, max_rows)
    names = _columns(header, (POLIS_COMMENT_ID, POLIS_BODY, POLIS_MODERATED))
    if not rows:
        raise ImportFormatError("empty_file", _l("見出しの行だけで、ご意見の行がありません。"))
    _check_widths(names, rows)
    ids = [(line, _cell(names, row, POLIS_COMMENT_ID).strip()) for line, row in rows]
    _check_ids(ids)
    bodies = [(line, _cell(names, row, POLIS_BODY)) for line, row in rows]
    moderated = [(line, _cell(names, row, POLIS_MODERATED).strip()) for line, row in rows]
    if bad := [line for line, value in moderated if value not in POLIS_MODERATED_VALUES]:
        _reject("bad_value", bad, _l("%(lines)s行目：列「moderated」の値が 1・0・-1 のいずれでもありません。",
                                     lines=_lines_text(bad)))
    # Real exports have moderated-out statements with no text (openData: football-concussions, line 285).
    _check_bodies([(line, body) for (line, body), (_, mod) in zip(bodies, moderated)
                   if POLIS_MODERATED_VALUES[mod] != MODERATED_OUT], max_body)
    has_author = POLIS_AUTHOR in names
    statements = [
        PolisStatement(line=line, comment_id=comment_id, body=body, moderated=POLIS_MODERATED_VALUES[mod],
                       author_id=_cell(names, row, POLIS_AUTHOR) if has_author else None)
        for (line, row), (_, comment_id), (_, body), (_, mod) in zip(rows, ids, bodies, moderated)]
    known = {s.comment_id for s in statements}
    skipped = {s.comment_id for s in statements if skip_moderated_out and s.moderated == MODERATED_OUT}

    # participants-votes.csv
    if not votes_csv.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ImportFormatError("empty_file", _l("ファイルが空です。"))
    vtext, _ = _decode(votes_csv)
    vheader, vrows = _records(vtext, max_rows)
    vnames = _columns(vheader, (POLIS_PARTICIPANT,))
    _check_widths(vnames, vrows)
    vote_columns = [(i, n) for i, n in enumerate(vnames) if n not in POLIS_PARTICIPANT_COLUMNS]
    unknown = [n for _, n in vote_columns if n not in known]
    if unknown:
        raise ImportFormatError("unknown_comment",
                                _l("participants-votes.csv に、comments.csv にない発言への賛否があります：%(ids)s",
                                   ids=", ".join(unknown[:MAX_LINES_REPORTED])), line=1)
    participants = [(line, _cell(vnames, row, POLIS_PARTICIPANT).strip()) for line, row in vrows]
    _check_ids(participants)
    bad = []
    votes: list[tuple[str, str, int]] = []
    groups: dict[str, str] = {}
    has_group = POLIS_GROUP in vnames
    for (line, row), (_, participant) in zip(vrows, participants):
        groups[participant] = _cell(vnames, row, POLIS_GROUP).strip() if has_group else ""
        for i, comment_id in vote_columns:
            value = row[i].strip() if i < len(row) else ""
            if not value:
                continue
            if value not in POLIS_VOTE_VALUES:
                bad.append(line)
                break
            if comment_id not in skipped:
                votes.append((participant, comment_id, POLIS_VOTE_VALUES[value]))
    if bad:
        _reject("bad_vote", bad, _l("participants-votes.csv の%(lines)s行目：賛否の値が 1・-1・0・空欄 のいずれでもありません。",
                                    lines=_lines_text(bad)))
    return ImportedConversation(
        statements=tuple(s for s in statements if s.comment_id not in skipped),
        votes=tuple(votes), participant_groups=groups,
        skipped_statements=tuple(s.comment_id for s in statements if s.comment_id in skipped),
        encoding=encoding)


# ---------------------------------------------------------------- writing


class MemberRef(TypedDict):
    id: int                        # our comment id
    imported_id: NotRequired[str | None]   # the id it came with from an import, if any


class RunPoint(MemberRef):
    x: float
    y: float


class RunGroup(TypedDict):
    key: str
    parent: str | None
    label: str
    members: list[MemberRef]


class RunExport(TypedDict):
    id: int
    kind: str
    settings: dict[str, Any]
    input_count: int
    versions: dict[str, str]       # package -> version
    created_at: datetime | str     # a naive datetime is taken as UTC
    groups: list[RunGroup]
    coordinates: NotRequired[list[RunPoint]]


def _ref(member: MemberRef) -> str | int:
    # An imported id is a string and our own id an integer, so the two can never be confused.
    imported = member.get("imported_id")
    return str(imported) if imported not in (None, "") else int(member["id"])


def _ref_order(ref: str | int) -> tuple[int, str | int]:
    return (0, ref) if isinstance(ref, int) else (1, ref)


def _number(value: float) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError("coordinate is not a finite number")
    return round(value, 6)


def _timestamp(value: datetime | str) -> str:
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def export_run_json(run: RunExport) -> str:
    """The run as JSON that is byte-for-byte the same for the same run: keys sorted, groups by key,
    members and points by reference, coordinates rounded to 6 places."""
    keys = {g["key"] for g in run["groups"]}
    if len(keys) != len(run["groups"]):
        raise ValueError("group keys are not unique")
    groups = []
    for g in sorted(run["groups"], key=lambda g: g["key"]):
        if g.get("parent") is not None and g["parent"] not in keys:
            raise ValueError(f"group {g['key']!r} has an unknown parent")
        members = sorted({_ref(m) for m in g["members"]}, key=_ref_order)
        groups.append({"key": g["key"], "parent": g.get("parent"), "label": g["label"],
                       "size": len(members), "members": members})
    points = sorted(({"comment": _ref(p), "x": _number(p["x"]), "y": _number(p["y"])}
                     for p in run.get("coordinates", [])), key=lambda p: _ref_order(p["comment"]))
    document = {
        "schema": RUN_SCHEMA,
        "run": {"id": run["id"], "kind": run["kind"], "settings": run["settings"],
                "input_count": run["input_count"], "versions": dict(run["versions"]),
                "created_at": _timestamp(run["created_at"])},
        "groups": groups,
        "coordinates": points,
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2, allow_nan=False) + "\n"


class KouchouRow(TypedDict):
    comment_id: str
    original_comment: str
    arg_id: str
    argument: str
    category_id: str
    category: str
    x: NotRequired[float | None]
    y: NotRequired[float | None]
    source: NotRequired[str | None]
    url: NotRequired[str | None]
    attributes: NotRequired[dict[str, str]]


def _attribute_column(name: str) -> str:
    return name if name.startswith(KOUCHOU_ATTRIBUTE_PREFIX) else KOUCHOU_ATTRIBUTE_PREFIX + name


def _text(value: Any) -> str:
    return "" if value is None else inert(str(value))


def export_kouchou_csv(rows: Iterable[KouchouRow]) -> bytes:
    """Rows in the layout of kouchou-ai's final_result_with_comments.csv, UTF-8 with a BOM (which
    Japanese Excel needs), CRLF line ends. x, y, source, url appear when any row has them, then one
    attribute_… column per attribute, in the order first seen. Every text cell is made inert
    against formula injection; x and y are numbers we format, so a negative one keeps its sign."""
    rows = list(rows)
    optional = [c for c in KOUCHOU_OPTIONAL_COLUMNS if any(r.get(c) not in (None, "") for r in rows)]
    attributes: dict[str, str] = {}
    for r in rows:
        for name in r.get("attributes") or {}:
            attributes.setdefault(name, _attribute_column(name))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([*KOUCHOU_RESULT_COLUMNS, *optional, *(inert(c) for c in attributes.values())])
    for r in rows:
        cells = [_text(r["comment_id"]), _text(r["original_comment"]), _text(r["arg_id"]), _text(r["argument"]),
                 _text(r["category_id"]), _text(r["category"])]
        for c in optional:
            value = r.get(c)
            if c in ("x", "y"):
                cells.append("" if value is None else repr(_number(value)))
            else:
                cells.append(_text(value))
        row_attributes = r.get("attributes") or {}
        cells.extend(_text(row_attributes.get(name)) for name in attributes)
        writer.writerow(cells)
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")
