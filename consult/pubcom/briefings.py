"""地域説明会 (briefings) of a public comment: held in a ward on a day; staff type in the opinions
voiced there afterwards, one per line, each optionally on one provision of the document (channel
説明会, the briefing's ward and day). Like the workshops' paper notes (workshops/services/paper.py),
the opinions' text stays out of the audit log; their ids and lengths show what was added.

Also here: the document's provisions as staff choose them on these forms and on the register's."""

from typing import Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..audit import record, snapshot
from ..consultation.models import Consultation, Section, Topic
from ..consultation.services import wards
from ..core import fields
from ..core.errors import InvalidInput
from ..core.text import has_forbidden_characters, normalise_newlines, visible_length
from ..core.transactions import action
from ..extensions import db
from ..i18n import to_jst
from ..participation.models import Comment
from ..participation.services import BODY_MAX, received_comment
from .models import Briefing

TITLE_MAX = 200
VENUE_MAX = 200
ATTENDANCE_MAX = 100_000
OPINION_LINES_MAX = 300
_AUDIT_FIELDS = ("ward_id", "title", "venue", "starts_at_utc", "attendance")


# --- the document's provisions ----------------------------------------------------------------

def document_topic(consultation: Consultation) -> Topic | None:
    """The public comment's document: its (first) topic."""
    return db.session.scalar(select(Topic).where(Topic.consultation_id == consultation.id)
                             .order_by(Topic.number).limit(1))


def provisions(consultation: Consultation) -> list[Section]:
    """The document's provisions in their printed order (retired ones left out)."""
    topic = document_topic(consultation)
    if topic is None:
        return []
    return [s for s in topic.sections if s.retired_at_utc is None]


def provision_text(section: Section) -> str:
    """「第6章 1 (2) ② 見出し」: the provision as a select option shows it, indented by its depth."""
    heading = section.current.heading if section.revisions else ""
    return "\u3000" * section.depth + " ".join(p for p in (section.label, heading) if p)


def provision_choices(consultation: Consultation) -> list[tuple[str, str]]:
    return [(s.anchor, provision_text(s)) for s in provisions(consultation)]


def provision_of(consultation: Consultation, data: Mapping, name: str, errors: dict) -> Section | None:
    """The provision chosen by its anchor in ``data[name]``: optional; one of another consultation
    (or a retired one) is refused."""
    anchor = fields.string(data, name, errors).strip()
    if not anchor:
        return None
    section = next((s for s in provisions(consultation) if s.anchor == anchor), None)
    if section is None:
        fields.add(errors, name, _l("この意見募集の資料にない条項です。一覧から選んでください。"))
    return section


def check_opinion(body: str, name: str, errors: dict, *, line: int | None = None) -> bool:
    """An opinion's text: not empty, at most BODY_MAX characters (NFKC), no control characters."""
    length = visible_length(body)
    where = {} if line is None else {"line": line}
    if length == 0:
        message = (_l("意見の内容を入力してください。") if line is None
                   else _l("%(line)d行目：意見の内容がありません。", **where))
    elif length > BODY_MAX:
        message = (_l("意見は%(max)d文字以内にしてください（現在%(count)d文字）。", max=BODY_MAX, count=length)
                   if line is None else
                   _l("%(line)d行目：意見は%(max)d文字以内にしてください（現在%(count)d文字）。",
                      max=BODY_MAX, count=length, **where))
    elif has_forbidden_characters(body):
        message = (_l("意見に使えない制御文字が含まれています。") if line is None
                   else _l("%(line)d行目：使えない制御文字が含まれています。", **where))
    else:
        return True
    fields.add(errors, name, message)
    return False


def provision_columns(section: Section | None) -> dict:
    return {"section_id": section.id if section else None,
            "section_revision_id": section.current.id if section else None}


# --- briefings ---------------------------------------------------------------------------------

def list_briefings(consultation: Consultation) -> list[Briefing]:
    return db.session.scalars(select(Briefing).where(Briefing.consultation_id == consultation.id)
                              .order_by(Briefing.starts_at_utc, Briefing.id)).all()


def briefing_of(consultation: Consultation, briefing_id: int) -> Briefing | None:
    """The briefing with this id if it is this consultation's (None otherwise: the view's 404)."""
    briefing = db.session.get(Briefing, briefing_id)
    if briefing is None or briefing.consultation_id != consultation.id:
        return None
    return briefing


def opinion_counts(consultation: Consultation) -> dict[int, int]:
    """briefing id → how many opinions were typed in for it."""
    rows = db.session.execute(
        select(Comment.briefing_id, func.count(Comment.id))
        .join(Briefing, Briefing.id == Comment.briefing_id)
        .where(Briefing.consultation_id == consultation.id).group_by(Comment.briefing_id))
    return dict(rows.all())


def briefing_opinions(briefing: Briefing) -> list[Comment]:
    return db.session.scalars(select(Comment).where(Comment.briefing_id == briefing.id).order_by(Comment.id)).all()


def validate_briefing(data: Mapping) -> dict:
    """The briefing's fields as columns; raise InvalidInput with a message per field."""
    errors: dict[str, list] = {}
    code = fields.string(data, "ward", errors)
    ward = next((w for w in wards() if w.code == code), None)
    if not code and "ward" not in errors:
        fields.add(errors, "ward", _l("説明会を開く区を選んでください。"))
    elif ward is None and "ward" not in errors:
        fields.add(errors, "ward", _l("区の選択肢にない値です。一覧から選んでください。"))
    title = fields.text(data, "title", errors, label=_l("説明会の名称"), max_len=TITLE_MAX, required=True,
                        single_line=True)
    venue = fields.text(data, "venue", errors, label=_l("会場"), max_len=VENUE_MAX, single_line=True)
    starts_at = fields.moment(data, "starts_at", errors, label=_l("開始日時"), required=True)
    attendance = fields.whole_number(data, "attendance", errors, label=_l("参加者数"), low=0, high=ATTENDANCE_MAX)
    if errors:
        raise InvalidInput(errors)
    return {"ward_id": ward.id, "title": title, "venue": venue, "starts_at_utc": starts_at,
            "attendance": attendance}


@action
def create_briefing(consultation: Consultation, data: Mapping, user) -> Briefing:
    values = validate_briefing(data)
    briefing = Briefing(consultation_id=consultation.id, **values)
    db.session.add(briefing)
    db.session.flush()
    record(user, "briefing.create", "briefing", briefing.id, after=snapshot(briefing, _AUDIT_FIELDS))
    return briefing


@action
def update_briefing(briefing: Briefing, data: Mapping, user) -> Briefing:
    """Change a briefing; the opinions typed in for it follow its ward and day."""
    values = validate_briefing(data)
    before = snapshot(briefing, _AUDIT_FIELDS)
    for name, value in values.items():
        setattr(briefing, name, value)
    db.session.flush()
    db.session.refresh(briefing, ["ward"])
    after = snapshot(briefing, _AUDIT_FIELDS)
    if after != before:
        day = to_jst(briefing.starts_at_utc).date()
        for comment in briefing_opinions(briefing):
            comment.ward_code, comment.received_on = briefing.ward.code, day
        record(user, "briefing.edit", "briefing", briefing.id, before=before, after=after)
    return briefing


def parse_opinion_lines(text: str, errors: dict, name: str = "lines") -> list[str]:
    """One opinion per line; blank lines skipped, a leading bullet (・ or •) dropped."""
    opinions = []
    for number, raw in enumerate(normalise_newlines(text or "").split("\n"), start=1):
        line = raw.strip().lstrip("・•").strip()
        if not raw.strip():
            continue
        if check_opinion(line, name, errors, line=number):
            opinions.append(line)
    if not opinions and name not in errors:
        fields.add(errors, name, _l("説明会で出された意見を1行に1件ずつ入力してください。"))
    elif len(opinions) > OPINION_LINES_MAX:
        fields.add(errors, name, _l("一度に入力できるのは%(max)d件までです。", max=OPINION_LINES_MAX))
    return opinions


@action
def add_briefing_opinions(consultation: Consultation, briefing: Briefing, data: Mapping, user) -> list[Comment]:
    """Type in the opinions voiced at a briefing: each line a Comment (channel 説明会), on the
    chosen provision if any, in the briefing's ward, received on its day."""
    errors: dict[str, list] = {}
    section = provision_of(consultation, data, "provision", errors)
    opinions = parse_opinion_lines(fields.string(data, "lines", errors), errors)
    topic = document_topic(consultation)
    if topic is None:
        fields.add(errors, "_form", _l("この意見募集には資料（条項）がまだありません。"))
    if errors:
        raise InvalidInput(errors)
    day = to_jst(briefing.starts_at_utc).date()
    comments = [received_comment(consultation, body, channel="briefing", topic_id=topic.id,
                                 briefing_id=briefing.id, ward_code=briefing.ward.code, received_on=day,
                                 **provision_columns(section))
                for body in opinions]
    db.session.add_all(comments)
    db.session.flush()
    record(user, "briefing.opinions_add", "briefing", briefing.id,
           after={"comments": [c.id for c in comments], "section_id": section.id if section else None,
                  "body_lengths": [len(c.body) for c in comments]})
    return comments
