"""The 受付台帳: opinions received by post, FAX, e-mail or at the counter, entered by staff with who
sent them. One RegisterEntry keeps the submitter's name, address and contact (personal data: read
on the register's pages and its logged CSV only); each opinion of the letter is a Comment pointing
to it, with its own 受付番号 to send back.

A double submit stores once: the form carries a submission key, and each comment of the entry
takes it with its row number (``<key>-1``, ``<key>-2``…), so the unique key of the first comment
settles a race like the citizens' form does (participation.services.submit_comment)."""

from dataclasses import dataclass
from datetime import date
from typing import Iterator, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..audit import record
from ..consultation.models import Consultation, Section
from ..consultation.services import ward_choices
from ..core import fields
from ..core.codes import REGISTER_CHANNELS, WARD_UNDISCLOSED
from ..core.errors import InvalidInput
from ..core.labels import channel_labels
from ..core.text import normalise_newlines
from ..core.transactions import action
from ..extensions import db
from ..i18n import to_jst, utcnow
from ..participation.models import Comment
from ..participation.services import received_comment
from ..secretariat.exports.csv import csv_chunks, csv_value
from .briefings import check_opinion, document_topic, provision_columns, provision_of
from .models import RegisterEntry

NAME_MAX = 100
ADDRESS_MAX = 300
CONTACT_MAX = 200
REASON_MAX = 500
EXPORT_REASON_MAX = 200
ROWS_SHOWN = 3  # opinion rows on a new form
ROWS_MAX = 30  # rows a form may hold ("行を追加" adds ROWS_SHOWN at a time)


@dataclass
class EntryDraft:
    channel: str
    received_on: date
    name: str
    address: str
    contact: str
    anonymous_reason: str
    ward_code: str
    opinions: list[tuple[str, Section | None]]  # (text, provision)


def row_count(data: Mapping) -> int:
    """How many opinion rows the form holds (the hidden ``rows`` field), within 1..ROWS_MAX."""
    text = fields.raw(data, "rows").strip()
    n = int(text) if text.isdigit() and len(text) <= 3 else ROWS_SHOWN
    return max(1, min(n, ROWS_MAX))


def validate_entry(consultation: Consultation, data: Mapping, *, today: date | None = None) -> EntryDraft:
    """Check a register entry as staff typed it; raise InvalidInput with a message per field."""
    errors: dict[str, list] = {}
    channel = fields.string(data, "channel", errors)
    if not channel and "channel" not in errors:
        fields.add(errors, "channel", _l("受付方法（郵送・FAX・電子メール・窓口）を選んでください。"))
    elif channel not in REGISTER_CHANNELS and "channel" not in errors:
        fields.add(errors, "channel", _l("受付方法の選択肢にない値です。"))
    received_on = fields.day(data, "received_on", errors, label=_l("受付日"), required=True)
    today = today or to_jst(utcnow()).date()
    if received_on is not None and received_on > today:
        fields.add(errors, "received_on", _l("受付日に未来の日付は入力できません。"))

    name = fields.text(data, "name", errors, label=_l("氏名"), max_len=NAME_MAX, single_line=True)
    address = fields.text(data, "address", errors, label=_l("住所"), max_len=ADDRESS_MAX, single_line=True)
    contact = fields.text(data, "contact", errors, label=_l("連絡先"), max_len=CONTACT_MAX, single_line=True)
    reason = fields.text(data, "anonymous_reason", errors, label=_l("氏名・住所がない理由"), max_len=REASON_MAX)
    missing = [n for n, v in (("name", name), ("address", address)) if not v and n not in errors]
    if missing and not consultation.accept_anonymous:
        for n in missing:
            fields.add(errors, n, _l("氏名を入力してください。この意見募集では、氏名と住所のない意見は受け付けません。")
                       if n == "name" else
                       _l("住所を入力してください。この意見募集では、氏名と住所のない意見は受け付けません。"))
    elif missing and not reason and "anonymous_reason" not in errors:
        fields.add(errors, "anonymous_reason",
                   _l("氏名または住所のない意見を受け付けるときは、その理由を入力してください。"))
    if not missing:
        reason = ""  # the reason is for an entry without name or address only

    ward = fields.string(data, "ward", errors) or WARD_UNDISCLOSED
    if ward not in dict(ward_choices()) and "ward" not in errors:
        fields.add(errors, "ward", _l("区の選択肢にない値です。一覧から選んでください。"))

    opinions = []
    for i in range(1, row_count(data) + 1):
        body = normalise_newlines(fields.string(data, f"opinion-{i}", errors)).strip()
        chosen = fields.raw(data, f"provision-{i}").strip()
        if not body:
            if chosen:
                fields.add(errors, f"opinion-{i}", _l("%(n)d件目：条項を選んだ意見の内容を入力してください。", n=i))
            continue
        section = provision_of(consultation, data, f"provision-{i}", errors)
        if check_opinion(body, f"opinion-{i}", errors):
            opinions.append((body, section))
    if not opinions and not any(k.startswith("opinion-") for k in errors):
        fields.add(errors, "opinion-1", _l("意見の内容を1件以上入力してください。"))
    if document_topic(consultation) is None:
        fields.add(errors, "_form", _l("この意見募集には資料（条項）がまだありません。"))
    if errors:
        raise InvalidInput(errors)
    return EntryDraft(channel, received_on, name, address, contact, reason, ward, opinions)


def _entry_of_key(submission_key: str | None) -> RegisterEntry | None:
    if not submission_key:
        return None
    comment = db.session.scalar(select(Comment).where(Comment.submission_key == f"{submission_key}-1"))
    return db.session.get(RegisterEntry, comment.register_entry_id) if comment is not None else None


def store_entry(consultation: Consultation, draft: EntryDraft, user, *,
                submission_key: str | None = None) -> tuple[RegisterEntry, bool]:
    """Store a validated entry and one comment per opinion in one transaction; return (entry,
    created). The same submission key again returns the stored entry."""
    existing = _entry_of_key(submission_key)
    if existing is not None:
        return existing, False
    topic = document_topic(consultation)
    for _attempt in range(5):
        try:
            with db.session.begin_nested():
                entry = RegisterEntry(consultation_id=consultation.id, channel=draft.channel,
                                      received_on=draft.received_on, name=draft.name, address=draft.address,
                                      contact=draft.contact, anonymous_reason=draft.anonymous_reason,
                                      created_by_id=getattr(user, "id", None))
                db.session.add(entry)
                db.session.flush()
                comments = [received_comment(consultation, body, channel=draft.channel, topic_id=topic.id,
                                             register_entry_id=entry.id, received_on=draft.received_on,
                                             ward_code=draft.ward_code,
                                             submission_key=f"{submission_key}-{i}" if submission_key else None,
                                             **provision_columns(section))
                            for i, (body, section) in enumerate(draft.opinions, start=1)]
                db.session.add_all(comments)
                db.session.flush()
                # Who sent it stays out of the log: the entry's id leads to it for those who may read it.
                record(user, "register.create", "register_entry", entry.id,
                       after={"channel": entry.channel, "received_on": entry.received_on.isoformat(),
                              "comments": [c.id for c in comments], "anonymous": bool(entry.anonymous_reason)})
            db.session.commit()
            return entry, True
        except IntegrityError:
            db.session.rollback()
            existing = _entry_of_key(submission_key)
            if existing is not None:
                return existing, False
            # else: a receipt number collided (1 in 2^60); draw again
    raise RuntimeError("could not allocate receipt numbers")


# --- reading the register ----------------------------------------------------------------------

def entry_of(consultation: Consultation, entry_id: int) -> RegisterEntry | None:
    entry = db.session.get(RegisterEntry, entry_id)
    if entry is None or entry.consultation_id != consultation.id:
        return None
    return entry


def entry_comments(entry: RegisterEntry) -> list[Comment]:
    return db.session.scalars(select(Comment).where(Comment.register_entry_id == entry.id)
                              .order_by(Comment.id)).all()


def list_entries(consultation: Consultation) -> list[RegisterEntry]:
    return db.session.scalars(select(RegisterEntry).where(RegisterEntry.consultation_id == consultation.id)
                              .order_by(RegisterEntry.received_on.desc(), RegisterEntry.id.desc())).all()


def receipt_numbers(consultation: Consultation) -> dict[int, list[str]]:
    """register entry id → the 受付番号 of its opinions, in order."""
    rows = db.session.execute(
        select(Comment.register_entry_id, Comment.receipt_no)
        .join(RegisterEntry, RegisterEntry.id == Comment.register_entry_id)
        .where(RegisterEntry.consultation_id == consultation.id).order_by(Comment.id))
    out: dict[int, list[str]] = {}
    for entry_id, receipt_no in rows:
        out.setdefault(entry_id, []).append(receipt_no)
    return out


def entries_count(consultation: Consultation) -> int:
    return db.session.scalar(select(func.count(RegisterEntry.id))
                             .where(RegisterEntry.consultation_id == consultation.id))


def validate_export_reason(data: Mapping) -> str:
    errors: dict[str, list] = {}
    reason = fields.text(data, "reason", errors, label=_l("書き出す理由"), max_len=EXPORT_REASON_MAX,
                         required=True, single_line=True)
    if errors:
        raise InvalidInput(errors)
    return reason


@action
def record_register_export(consultation: Consultation, user, reason: str) -> None:
    """The register's CSV holds personal data: who read it out and why is in the audit log."""
    record(user, "export.register_csv", "register_entry", "",
           after={"consultation_id": consultation.id, "entries": entries_count(consultation)}, note=reason)


def register_columns() -> list:
    return [_l("受付台帳番号"), _l("受付日"), _l("受付方法"), _l("氏名"), _l("住所"), _l("連絡先"),
            _l("氏名・住所がない理由"), _l("意見数"), _l("受付番号"), _l("登録日時")]


def register_csv(consultation: Consultation) -> Iterator[bytes]:
    """The 受付台帳 as CSV (UTF-8 with a BOM, CRLF, every cell made inert), one row per entry."""
    labels = channel_labels()
    receipts = receipt_numbers(consultation)
    rows = ([csv_value(v) for v in (
        str(e.id), e.received_on.isoformat(), str(labels.get(e.channel, e.channel)), e.name, e.address,
        e.contact, e.anonymous_reason, str(len(receipts.get(e.id, []))), " ".join(receipts.get(e.id, [])),
        to_jst(e.created_at_utc).replace(tzinfo=None))]
        for e in list_entries(consultation))
    return csv_chunks([str(c) for c in register_columns()], list(rows))
