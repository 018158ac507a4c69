"""The audit log for admins: who did what, when (JST), to which record (linked), with the values
before and after in words; filtered by person, action and dates; and as a CSV for Excel."""

import json
from datetime import datetime

from flask import render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.routing import BuildError

from .. import audit
from ..auth.permissions import requires
from ..auth.views import add_staff_link
from ..consultation.context import consultation_id_of
from ..consultation.models import Consultation, Meeting, Proposal, Section
from ..core.fields import parse_date
from ..core.labels import (audit_action_labels, audit_field_labels, audit_target_labels, group_state_labels,
                           phase_labels, status_labels, workshop_state_labels)
from ..extensions import db
from ..i18n import to_jst
from ..participation.models import Comment
from ..workshops.models import Workshop
from . import bp
from .models import OpinionGroup
from .exports import download, filename
from .exports.csv import csv_chunks
from .exports.formulas import inert
from .exports.rows import stream
from .filters import clean_arg, small_int

PER_PAGE = 50
VALUE_MAX = 300  # characters of a recorded value shown; the rest is in the CSV

add_staff_link("secretariat.audit_log", _l("操作記録（監査ログ）"), "read_audit_log")

# Where each kind of record is looked at, and which argument takes its id.
TARGET_PAGES = {"comment": ("secretariat.moderation_comment", "comment_id"),
                "opinion_group": ("secretariat.group_detail", "group_id"),
                "workshop": ("workshops.console", "workshop_id"),
                "section": ("editing.section_history", "section_id"),
                "proposal": ("editing.proposal_edit", "proposal_id"),
                "meeting": ("editing.meeting_edit", "meeting_id")}


def _filters() -> tuple[dict, dict]:
    """(what the query takes, what the form shows) from the query string; wrong values are ignored."""
    shown = {k: clean_arg(request.args.get(k, ""))[:64]
             for k in ("action", "target_type", "target_id", "user", "date_from", "date_to")}
    filters = {"action": shown["action"], "target_type": shown["target_type"], "target_id": shown["target_id"],
               "user_id": small_int(shown["user"]), "date_from": parse_date(shown["date_from"]),
               "date_to": parse_date(shown["date_to"])}
    return filters, shown


def _code_labels() -> dict[str, dict[str, str]]:
    return {"status": {k: str(v) for k, v in status_labels().items()},
            "phase": {k: str(v) for k, v in phase_labels().items()},
            "state": {k: str(v) for k, v in {**workshop_state_labels(), **group_state_labels()}.items()}}


def _value_text(field: str, value, codes: dict, words: tuple[str, str]) -> str:
    """A recorded value in words: codes as their labels, times in JST, lists and the like as JSON."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return words[0] if value else words[1]
    if isinstance(value, str) and value in codes.get(field, {}):
        return codes[field][value]
    if isinstance(value, str) and field.endswith("_utc"):
        try:
            return f"{to_jst(datetime.fromisoformat(value)):%Y-%m-%d %H:%M}"
        except ValueError:
            return value
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


class Reader:
    """Turns recorded events into words; made in the request (its labels are in the request's
    language), used while the CSV streams, after it."""

    def __init__(self):
        self.fields = {k: str(v) for k, v in audit_field_labels().items()}
        self.actions = {k: str(v) for k, v in audit_action_labels().items()}
        self.targets = {k: str(v) for k, v in audit_target_labels().items()}
        self.codes = _code_labels()
        self.words = (str(_l("はい")), str(_l("いいえ")))

    def changes(self, event) -> list[tuple[str, str, str]]:
        """(field in words, before, after) for each recorded field that differs (or is recorded once)."""
        before, after = event.before or {}, event.after or {}
        out = []
        for field in sorted(set(before) | set(after)):
            old, new = before.get(field), after.get(field)
            if field in before and field in after and old == new:
                continue
            out.append((self.fields.get(field, field),
                        self._text(field, old) if field in before else "",
                        self._text(field, new) if field in after else ""))
        return out

    def _text(self, field, value) -> str:
        return _value_text(field, value, self.codes, self.words)


TARGET_MODELS = {"comment": Comment, "opinion_group": OpinionGroup, "workshop": Workshop, "section": Section,
                 "proposal": Proposal, "meeting": Meeting}


def _target_url(event) -> str | None:
    """The page of the record an event is about, inside the consultation the record belongs to."""
    page = TARGET_PAGES.get(event.target_type)
    ident = small_int(event.target_id)
    if page is None or ident is None:
        return None
    record = db.session.get(TARGET_MODELS[event.target_type], ident)
    consultation = db.session.get(Consultation, consultation_id_of(record)) if record is not None else None
    if consultation is None:
        return None  # deleted since: the log still says what it was
    try:
        return url_for(page[0], consultation_slug=consultation.slug, **{page[1]: ident})
    except BuildError:
        return None


def _short(text: str) -> str:
    return text if len(text) <= VALUE_MAX else text[:VALUE_MAX] + "…"


@bp.route("/staff/audit")
@requires("read_audit_log")
def audit_log():
    page = small_int(request.args.get("page", "1"), max_digits=6) or 1
    filters, shown = _filters()
    rows, total = audit.events_page(page=page, per_page=PER_PAGE, **filters)
    reader = Reader()
    events = [(event, email, [(f, _short(a), _short(b)) for f, a, b in reader.changes(event)], _target_url(event))
              for event, email in rows]
    return render_template("secretariat/audit.html", events=events, total=total, page=page, per_page=PER_PAGE,
                           values=shown, staff=audit.staff_who_acted(), actions=audit_action_labels(),
                           targets=audit_target_labels())


@bp.route("/staff/audit.csv")
@requires("read_audit_log")
def audit_csv():
    filters, _shown = _filters()
    reader = Reader()
    header = ["日時（日本時間）", "職員", "操作", "操作コード", "対象", "対象の番号", "変更内容", "補足"]

    def rows():
        for e in stream(db.engine, audit.events_statement(**filters)):
            yield [f"{to_jst(e.at_utc):%Y-%m-%d %H:%M:%S}", inert(e.email or ""), reader.actions.get(e.action, e.action),
                   e.action, reader.targets.get(e.target_type, e.target_type), inert(e.target_id),
                   inert("；".join(f"{f}：{a} → {b}" for f, a, b in reader.changes(e))), inert(e.note or "")]

    audit.record_export(current_user, filters)
    return download(csv_chunks(header, rows()), filename("audit-log", "csv"), "text/csv; charset=utf-8")
