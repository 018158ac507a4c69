"""Staff pages of a public comment: its 地域説明会 and the 受付台帳.

Views are thin: they read the request, call the services (briefings.py, register.py), and render.
Only a public comment has these pages (another kind of consultation: 404), and any id that is not
this consultation's is a 404. Names, addresses and contacts of submitters are shown on the
register's pages only (``read_register``: the secretariat and admins)."""

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.permissions import can, requires
from ..auth.views import add_staff_link
from ..consultation.context import STAFF
from ..consultation.services import current_consultation, ward_choices, wards
from ..core.codes import REGISTER_CHANNELS, WARD_UNDISCLOSED
from ..core.errors import InvalidInput
from ..core.fields import jst_input
from ..core.labels import channel_labels, status_labels
from ..extensions import db
from ..i18n import is_english
from ..participation.services import new_submission_key
from ..secretariat.exports import download, filename
from . import bp
from .provisions import document_text, document_topic, import_document, parse_document
from .briefings import (add_briefing_opinions, briefing_of, briefing_opinions, create_briefing, list_briefings,
                        opinion_counts, provision_choices, update_briefing)
from .register import (ROWS_MAX, ROWS_SHOWN, entry_comments, entry_of, list_entries, receipt_numbers,
                       record_register_export, register_csv, row_count, store_entry, validate_entry,
                       validate_export_reason)

add_staff_link("pubcom.document", _l("条文骨子（案）の本文と取り込み"), "edit_consultation", kinds=("pubcom",))
add_staff_link("pubcom.briefings", _l("地域説明会と説明会での意見"), "run_workshops", kinds=("pubcom",))
add_staff_link("pubcom.register_new", _l("郵送・FAX・電子メール・窓口の意見を入力"), "read_register", kinds=("pubcom",))
add_staff_link("pubcom.register", _l("受付台帳（提出者の氏名・住所）"), "read_register", kinds=("pubcom",))
add_staff_link("pubcom.result_preview", _l("意見募集の結果（公表前の確認）"), "review", kinds=("pubcom",))

BRIEFING_FIELDS = ("ward", "title", "venue", "starts_at", "attendance")
_KEY = re.compile(r"[A-Za-z0-9_-]{16,48}\Z")


@bp.context_processor
def _links() -> dict:
    """Whether the pages may link to the register (a facilitator's briefing pages do not)."""
    return {"may_read_register": can("read_register"), "can": can}


def _pubcom_or_404():
    consultation = current_consultation()
    if consultation is None or not consultation.is_pubcom:
        abort(404)
    return consultation


def _archived_errors(consultation) -> dict | None:
    if consultation.archived:
        return {"_form": [_("この意見募集は保管済みのため、変更できません。")]}
    return None


def _ward_options():
    return [(w.code, w.name_en if is_english() else w.name) for w in wards()]


# --- briefings ---------------------------------------------------------------------------------

def _render_briefings(consultation, values, errors=None, status=200):
    briefings = list_briefings(consultation)
    return render_template("pubcom/briefings.html", consultation=consultation, briefings=briefings,
                           counts=opinion_counts(consultation), values=values, errors=errors or {},
                           ward_options=_ward_options()), status


@bp.route(STAFF + "/briefings", methods=["GET", "POST"])
@requires("run_workshops")
def briefings():
    """The consultation's 地域説明会, and the form for a new one."""
    consultation = _pubcom_or_404()
    if request.method == "GET":
        return _render_briefings(consultation, dict.fromkeys(BRIEFING_FIELDS, ""))
    values = {k: request.form.get(k, "") for k in BRIEFING_FIELDS}
    if errors := _archived_errors(consultation):
        return _render_briefings(consultation, values, errors, 409)
    try:
        briefing = create_briefing(consultation, request.form, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        return _render_briefings(consultation, values, exc.errors, 422)
    flash(_("説明会を登録しました。説明会で出された意見をこのページで入力できます。"), "success")
    return redirect(url_for(".briefing", briefing_id=briefing.id), code=303)


def _briefing_values(briefing) -> dict:
    return {"ward": briefing.ward.code, "title": briefing.title, "venue": briefing.venue,
            "starts_at": jst_input(briefing.starts_at_utc),
            "attendance": "" if briefing.attendance is None else str(briefing.attendance)}


def _render_briefing(consultation, briefing, *, values=None, opinion_values=None, errors=None,
                     opinion_errors=None, status=200):
    return render_template(
        "pubcom/briefing.html", consultation=consultation, briefing=briefing,
        values=values or _briefing_values(briefing), errors=errors or {},
        opinion_values=opinion_values or {"provision": "", "lines": ""}, opinion_errors=opinion_errors or {},
        opinions=briefing_opinions(briefing), ward_options=_ward_options(),
        provision_options=provision_choices(consultation), status_labels=status_labels()), status


@bp.route(STAFF + "/briefings/<int:briefing_id>", methods=["GET", "POST"])
@requires("run_workshops")
def briefing(briefing_id: int):
    """One briefing: its details (editable), the opinions typed in for it, and the form to add them."""
    consultation = _pubcom_or_404()
    briefing = briefing_of(consultation, briefing_id)
    if briefing is None:
        abort(404)
    if request.method == "GET":
        return _render_briefing(consultation, briefing)
    if request.form.get("form") == "opinions":
        opinion_values = {k: request.form.get(k, "") for k in ("provision", "lines")}
        if errors := _archived_errors(consultation):
            return _render_briefing(consultation, briefing, opinion_values=opinion_values, opinion_errors=errors,
                                    status=409)
        try:
            comments = add_briefing_opinions(consultation, briefing, request.form, current_user)
        except InvalidInput as exc:
            db.session.rollback()
            return _render_briefing(consultation, briefing, opinion_values=opinion_values,
                                    opinion_errors=exc.errors, status=422)
        flash(_("説明会の意見を%(n)d件登録しました。", n=len(comments)), "success")
        return redirect(url_for(".briefing", briefing_id=briefing.id, _anchor="opinions"), code=303)
    values = {k: request.form.get(k, "") for k in BRIEFING_FIELDS}
    if errors := _archived_errors(consultation):
        return _render_briefing(consultation, briefing, values=values, errors=errors, status=409)
    try:
        update_briefing(briefing, request.form, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        return _render_briefing(consultation, briefing, values=values, errors=exc.errors, status=422)
    flash(_("説明会の内容を保存しました。"), "success")
    return redirect(url_for(".briefing", briefing_id=briefing.id), code=303)


# --- the register ------------------------------------------------------------------------------

def _register_choices(consultation) -> dict:
    labels = channel_labels()
    return {"channel_options": [(c, labels[c]) for c in REGISTER_CHANNELS], "ward_options": ward_choices(),
            "provision_options": provision_choices(consultation)}


def _render_entry_form(consultation, values, errors=None, status=200):
    response = render_template("pubcom/register_form.html", consultation=consultation, values=values,
                               errors=errors or {}, rows=values["rows"], **_register_choices(consultation))
    return response, status, {"Cache-Control": "no-store"}  # personal data: not kept by the browser


def _entry_values(form) -> dict:
    rows = row_count(form)
    values = {k: form.get(k, "") for k in ("channel", "received_on", "name", "address", "contact",
                                            "anonymous_reason", "ward", "submission_key")}
    values["ward"] = values["ward"] or WARD_UNDISCLOSED
    values["rows"] = rows
    for i in range(1, rows + 1):
        values[f"opinion-{i}"] = form.get(f"opinion-{i}", "")
        values[f"provision-{i}"] = form.get(f"provision-{i}", "")
    return values


@bp.route(STAFF + "/register/new", methods=["GET", "POST"])
@requires("read_register")
def register_new():
    """Enter an opinion received by post, FAX, e-mail or at the counter, with who sent it."""
    consultation = _pubcom_or_404()
    if request.method == "GET":
        values = _entry_values({})
        values["submission_key"] = new_submission_key()
        return _render_entry_form(consultation, values)
    values = _entry_values(request.form)
    key = values["submission_key"]
    if not _KEY.match(key):  # a key as new_submission_key makes it, or a new one
        values["submission_key"] = key = new_submission_key()
    if request.form.get("action") == "add_rows":  # more opinion rows, nothing stored
        rows = min(values["rows"] + ROWS_SHOWN, ROWS_MAX)
        values.update({f"opinion-{i}": "" for i in range(values["rows"] + 1, rows + 1)})
        values.update({f"provision-{i}": "" for i in range(values["rows"] + 1, rows + 1)})
        values["rows"] = rows
        return _render_entry_form(consultation, values)
    if errors := _archived_errors(consultation):
        return _render_entry_form(consultation, values, errors, 409)
    try:
        draft = validate_entry(consultation, request.form)
    except InvalidInput as exc:
        return _render_entry_form(consultation, values, exc.errors, 422)
    entry, created = store_entry(consultation, draft, current_user, submission_key=key)
    if created:
        flash(_("受付台帳に登録しました。受付番号を提出者へお知らせください。"), "success")
    return redirect(url_for(".register_entry", entry_id=entry.id), code=303)


@bp.route(STAFF + "/register/<int:entry_id>")
@requires("read_register")
def register_entry(entry_id: int):
    """One entry of the register, with the 受付番号 of its opinions (the page after entering it)."""
    consultation = _pubcom_or_404()
    entry = entry_of(consultation, entry_id)
    if entry is None:
        abort(404)
    comments = entry_comments(entry)
    return render_template("pubcom/register_entry.html", consultation=consultation, entry=entry,
                           comments=comments, channel_labels=channel_labels(), status_labels=status_labels(),
                           ward_labels=dict(ward_choices())), 200, {"Cache-Control": "no-store"}


def _render_register(consultation, *, reason="", errors=None, status=200):
    return render_template("pubcom/register.html", consultation=consultation, entries=list_entries(consultation),
                           receipts=receipt_numbers(consultation), channel_labels=channel_labels(),
                           reason=reason, errors=errors or {}), status, {"Cache-Control": "no-store"}


@bp.route(STAFF + "/register")
@requires("read_register")
def register():
    """The 受付台帳: every entry with who sent it, how and when, and its 受付番号."""
    return _render_register(_pubcom_or_404())


@bp.route(STAFF + "/register.csv")
@requires("read_register")
def register_export():
    """The register as CSV (UTF-8 with a BOM), only with a reason, which goes into the audit log."""
    consultation = _pubcom_or_404()
    try:
        reason = validate_export_reason(request.args)
    except InvalidInput as exc:
        return _render_register(consultation, reason=request.args.get("reason", ""), errors=exc.errors, status=422)
    # Recorded and committed first: the file is sent as it is made.
    record_register_export(consultation, current_user, reason)
    return download(register_csv(consultation), filename("register", "csv"), "text/csv; charset=utf-8")


# --- the document (条文骨子) --------------------------------------------------------------------

@bp.route(STAFF + "/document", methods=["GET", "POST"])
@requires("edit_consultation")
def document():
    """The document as text: staff paste or edit it and import it. The whole text is checked first
    (numbering, duplicates) and nothing is stored unless all of it is right; a changed provision
    gets a new revision under the same anchor."""
    consultation = _pubcom_or_404()
    topic = document_topic(consultation)
    values = {"title": topic.title if topic else "", "document": document_text(topic), "note": ""}
    if request.method == "GET":
        return render_template("pubcom/document.html", consultation=consultation, topic=topic, values=values,
                               errors={})
    values = {k: request.form.get(k, "") for k in ("title", "document", "note")}
    try:
        counts = import_document(consultation, parse_document(values["document"]), current_user,
                                 title=values["title"], note=values["note"])
    except InvalidInput as exc:
        db.session.rollback()
        return render_template("pubcom/document.html", consultation=consultation, topic=topic, values=values,
                               errors=exc.errors), 422
    flash(_("条文骨子を取り込みました（追加 %(c)d・改訂 %(r)d・変更なし %(u)d・削除 %(d)d）。", c=counts["create"],
            r=counts["revise"], u=counts["unchanged"], d=counts["remove"]), "success")
    return redirect(url_for("pubcom.document"), code=303)
