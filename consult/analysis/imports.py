"""What another tool collected, brought into a new consultation: a kouchou-ai / Talk to the City
input CSV (its comments), or a Polis export (its statements as proposals and as comments, its
participants and their votes). interop.py reads the files; this module writes the rows.

Every import makes a NEW deliberation consultation in 準備中 (draft, not public) with one topic;
its comments are of the channel "imported", keep the other tool's comment-id (``external_id``) and
its other columns (``imported_attributes_json``), and wait for moderation ("pending") like any
comment sent with premoderation: nothing another tool collected is published unread. A column
that names a ward (区, 地区, ward …) or an age (年代, 年齢, age …) also fills the comment's ward and
age band where its value is one we know; every other comment's ward is 回答しない (undisclosed).

All or nothing: the files are read whole before anything is written, and everything is written in
one transaction (the caller rolls back when this raises). The audit log records the import with its
counts and file names, never a comment's text.
"""

import json
import re
import secrets
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from .. import audit
from ..consultation.models import Consultation, Proposal, Topic, Ward
from ..core.codes import AGE_BANDS, CHANNEL_BITS, IMPORTED, WARD_UNDISCLOSED
from ..core.text import nfkc
from ..core.transactions import action
from ..editing import consultations
from ..editing.services import TITLE_MAX
from ..extensions import db
from ..i18n import utcnow
from ..participation import tallies
from ..participation.models import Comment, Participant, Vote
from ..participation.services import new_receipt_no
from .interop import (ImportedComments, ImportedConversation, ImportFormatError, parse_kouchou_csv,
                      parse_polis_export)
from .runs import as_text

# What the CLI reads at most per file (the parsers also stop at 200,000 rows).
MAX_FILE_BYTES = 100 * 1024 * 1024
# The columns of ids we keep (other tools' ids are short; a longer one is refused, not cut).
MAX_ID_CHARS = 128
CHUNK = 2000

VOTE_OF_POLIS = {1: "agree", -1: "disagree", 0: "pass"}
# Attribute columns (NFKC, case-folded, without kouchou-ai's attribute_ prefix) that say where a
# person lives or how old they are.
WARD_COLUMNS = frozenset({"ward", "区", "地区", "居住区", "お住まいの区", "住んでいる区"})
AGE_COLUMNS = frozenset({"age", "age_band", "年代", "年齢"})
_DECADE = re.compile(r"^(\d{1,3})\s*(?:代|s)(?:以上)?$")
_YEARS = re.compile(r"^(\d{1,3})\s*(?:歳)?$")


@dataclass
class ImportResult:
    consultation: Consultation
    encoding: str
    comments: int = 0
    proposals: int = 0
    participants: int = 0
    votes: int = 0
    skipped: list[str] = field(default_factory=list)  # Polis statements moderated out, left out


def check_size(data: bytes, file_name: str) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise ImportFormatError("too_large", _l("ファイル「%(file)s」が大きすぎます（%(max)sMBまで）。",
                                                file=file_name, max=MAX_FILE_BYTES // (1024 * 1024)))


def _check_id_lengths(ids: list[tuple[int, str]], limit: int = MAX_ID_CHARS) -> None:
    if bad := [line for line, value in ids if len(value) > limit]:
        raise ImportFormatError("id_too_long", _l("%(lines)s行目：IDが長すぎます（%(max)d文字まで）。",
                                                  lines=", ".join(map(str, bad[:20])), max=limit), lines=bad[:20])


def _column_key(name: str) -> str:
    key = nfkc(name).strip().casefold()
    return key.removeprefix("attribute_")


def _age_band(value: str) -> str | None:
    value = nfkc(value).strip().casefold()
    if value in AGE_BANDS:
        return value
    if value in ("19歳以下", "未成年", "10代以下"):
        return "under20"
    m = _DECADE.match(value) or _YEARS.match(value)
    if not m:
        return None
    n = int(m.group(1))
    if m.re is _DECADE and n % 10:
        return None
    if n < 20:
        return "under20"
    return "70plus" if n >= 70 else f"{n // 10 * 10}s"


def _ward_lookup() -> dict[str, str]:
    names: dict[str, str] = {}
    for w in db.session.scalars(select(Ward)):
        for name in (w.code, w.name, w.name_en, w.name.removesuffix("区")):
            if name:
                names[nfkc(name).strip().casefold()] = w.code
    return names


def _profile(attributes: dict[str, str], wards: dict[str, str]) -> tuple[str, str | None]:
    """(ward code, age band) from the columns that name them; undisclosed / None otherwise."""
    ward, age = WARD_UNDISCLOSED, None
    for name, value in attributes.items():
        key = _column_key(name)
        if key in WARD_COLUMNS and ward == WARD_UNDISCLOSED:
            ward = wards.get(nfkc(value).strip().casefold(), WARD_UNDISCLOSED)
        elif key in AGE_COLUMNS and age is None:
            age = _age_band(value)
    return ward, age


def _new_consultation(slug: str, title: str | None, default_title, user) -> tuple[Consultation, Topic]:
    title = (title if title is not None else as_text(default_title)).replace("\n", " ").strip()[:TITLE_MAX]
    consultation = consultations.create_consultation({"kind": "deliberation", "slug": slug, "title": title}, user)
    topic = Topic(consultation_id=consultation.id, number=1, slug="imported", title=title,
                  lead=as_text(_l("他の仕組みで集めたご意見を取り込んだものです。")))
    db.session.add(topic)
    db.session.flush()
    return consultation, topic


def _comment_rows(topic: Topic, items, wards: dict[str, str], now, authors: dict[str, int] | None = None) -> list[dict]:
    rows = []
    receipts: set[str] = set()
    for external_id, body, attributes, author in items:
        receipt = new_receipt_no()
        while receipt in receipts:
            receipt = new_receipt_no()
        receipts.add(receipt)
        ward, age = _profile(attributes, wards)
        rows.append(dict(receipt_no=receipt, topic_id=topic.id, participant_id=(authors or {}).get(author),
                         ward_code=ward, relation=None, age_band=age, channel=IMPORTED, status="pending", body=body,
                         is_demo=False, created_at_utc=now, external_id=external_id,
                         imported_attributes_json=json.dumps(attributes, ensure_ascii=False) if attributes else None))
    return rows


def _store_comments(rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(Comment), rows[start:start + CHUNK])
    # The comment rollup, as the ORM's insert event would keep it (one bump per key).
    tallies.bump_comments(db.session.connection(), [
        ((r["topic_id"], r["ward_code"], IMPORTED, "pending", tallies.jst_date(r["created_at_utc"]),
          r["participant_id"] is None), 1) for r in rows])


def _file_note(**names: str) -> dict:
    return {k: v for k, v in names.items() if v}


@action
def import_kouchou(data: bytes, *, slug: str, title: str | None = None, user=None,
                   file_name: str = "") -> ImportResult:
    """A kouchou-ai / Talk to the City input CSV as a new consultation: one comment per row."""
    check_size(data, file_name)
    parsed: ImportedComments = parse_kouchou_csv(data)
    _check_id_lengths([(c.line, c.comment_id) for c in parsed.comments])
    consultation, topic = _new_consultation(slug, title, _l("取り込んだご意見（%(file)s）", file=file_name or "CSV"),
                                            user)
    rows = _comment_rows(topic, ((c.comment_id, c.body, c.attributes, None) for c in parsed.comments),
                         _ward_lookup(), utcnow())
    _store_comments(rows)
    result = ImportResult(consultation=consultation, encoding=parsed.encoding, comments=len(rows))
    audit.record(user, "analysis.import_kouchou", "consultation", consultation.id,
                 after={"format": "kouchou-csv", **_file_note(file=file_name), "encoding": parsed.encoding,
                        "comments": result.comments, "columns": list(parsed.attribute_columns)})
    return result


def _proposal_key(comment_id: str, position: int, used: set[str]) -> str:
    key = f"polis-{comment_id}" if re.fullmatch(r"[0-9a-z][0-9a-z-]{0,57}", comment_id) else f"polis-s{position}"
    while key in used:
        key = f"{key}-{position}"
    used.add(key)
    return key


@action
def import_polis(comments_csv: bytes, votes_csv: bytes, *, slug: str, title: str | None = None, user=None,
                 comments_name: str = "comments.csv", votes_name: str = "participants-votes.csv") -> ImportResult:
    """A Polis export as a new consultation: its statements become the topic's proposals (so the
    votes analysis runs on them) and also comments (so the text analysis can), each participant a
    participant with their votes (agree 1, disagree -1, pass 0)."""
    check_size(comments_csv, comments_name)
    check_size(votes_csv, votes_name)
    parsed: ImportedConversation = parse_polis_export(comments_csv, votes_csv)
    _check_id_lengths([(s.line, s.comment_id) for s in parsed.statements])
    participants = list(parsed.participant_groups)
    if any(len(p) > MAX_ID_CHARS for p in participants):
        raise ImportFormatError("id_too_long", _l("%(file)s：参加者のIDが長すぎます（%(max)d文字まで）。",
                                                  file=votes_name, max=MAX_ID_CHARS))
    consultation, topic = _new_consultation(slug, title, _l("取り込んだPolisの会話（%(file)s）", file=comments_name),
                                            user)
    now = utcnow()

    used: set[str] = set()
    proposal_rows = [dict(topic_id=topic.id, key=_proposal_key(s.comment_id, i, used), position=i, text=s.body)
                     for i, s in enumerate(parsed.statements, 1)]
    for start in range(0, len(proposal_rows), CHUNK):
        db.session.execute(insert(Proposal), proposal_rows[start:start + CHUNK])
    proposal_of = dict(zip((s.comment_id for s in parsed.statements),
                           db.session.scalars(select(Proposal.id).where(Proposal.topic_id == topic.id)
                                              .order_by(Proposal.position))))

    voters = {participant for participant, _c, _v in parsed.votes}
    authors = {s.author_id for s in parsed.statements if s.author_id}
    bit = CHANNEL_BITS[IMPORTED]
    people = [dict(public_id=secrets.token_hex(16), external_id=p, is_demo=False, created_at_utc=now,
                   vote_channels=bit if p in voters else 0, comment_channels=bit if p in authors else 0)
              for p in participants]
    for start in range(0, len(people), CHUNK):
        db.session.execute(insert(Participant), people[start:start + CHUNK])
    by_public = {row["public_id"]: row["external_id"] for row in people}
    participant_of: dict[str, int] = {}
    public_ids = list(by_public)
    for start in range(0, len(public_ids), CHUNK):
        for pid, public_id in db.session.execute(select(Participant.id, Participant.public_id)
                                                 .where(Participant.public_id.in_(public_ids[start:start + CHUNK]))):
            participant_of[by_public[public_id]] = pid

    vote_rows = [dict(participant_id=participant_of[p], proposal_id=proposal_of[c], value=VOTE_OF_POLIS[v],
                      channel=IMPORTED, created_at_utc=now, updated_at_utc=now) for p, c, v in parsed.votes]
    for start in range(0, len(vote_rows), CHUNK):
        db.session.execute(insert(Vote), vote_rows[start:start + CHUNK])
    # The tallies and the review's rollup, as cast_vote keeps them (imported voters have no ward).
    day = tallies.jst_date(now)
    tallies.bump(db.session.connection(), [(r["proposal_id"], None, IMPORTED, r["value"], day, 1) for r in vote_rows])

    rows = _comment_rows(topic, ((s.comment_id, s.body, {}, s.author_id) for s in parsed.statements),
                         {}, now, authors=participant_of)
    _store_comments(rows)
    result = ImportResult(consultation=consultation, encoding=parsed.encoding, comments=len(rows),
                          proposals=len(proposal_rows), participants=len(people), votes=len(vote_rows),
                          skipped=list(parsed.skipped_statements))
    audit.record(user, "analysis.import_polis", "consultation", consultation.id,
                 after={"format": "polis", **_file_note(comments=comments_name, votes=votes_name),
                        "encoding": parsed.encoding, "proposals": result.proposals, "comments": result.comments,
                        "participants": result.participants, "votes": result.votes,
                        "skipped": len(result.skipped)})
    return result
