"""The consultation as a whole: overview, description and settings, meetings, phase and comment
period, ward populations, the Markdown preview and bulk imports."""

from flask import abort, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ...consultation.context import STAFF
from ...auth.permissions import can, requires
from ...auth.views import add_staff_link
from ...consultation.models import Meeting
from ...consultation.services import wards
from ...core.errors import InvalidInput
from ...core.labels import audit_action_labels, phase_labels
from ...extensions import db
from .. import bp, importer, phases, services
from ..services import Conflict
from .common import EDIT, consultation_or_404, done, edit_form, get_or_404

add_staff_link("editing.index", _l("意見募集の内容・段階の編集"), "edit_consultation")
add_staff_link("editing.import_form", _l("提案・節の一括取り込み（CSV・Excel）"), "edit_consultation", kinds=("deliberation",))


# --- overview -----------------------------------------------------------------------------------

@bp.route(STAFF + "/content")
@requires(EDIT)
def index():
    consultation = consultation_or_404()
    events = services.recent_events(15) if can("read_audit_log") else []
    return render_template("editing/index.html", consultation=consultation, events=events,
                           action_labels=audit_action_labels(), due=phases.due_change(consultation))


# --- the consultation ---------------------------------------------------------------------------

@bp.route(STAFF + "/settings", methods=["GET", "POST"])
@requires(EDIT)
def settings():
    consultation = consultation_or_404()
    if request.method == "GET":
        values = services.consultation_values(consultation)
        return render_template("editing/settings.html", consultation=consultation, values=values, errors={},
                               preview=services.safe_markdown(values["body"]))
    values = {"title": request.form.get("title", ""), "body": request.form.get("body", ""),
              "premoderation": "1" if request.form.get("premoderation") else ""}
    preview = services.safe_markdown(values["body"])
    if request.form.get("action") == "preview":
        return render_template("editing/settings.html", consultation=consultation, values=values, errors={},
                               preview=preview, previewed=True)
    try:
        changed = services.update_consultation(consultation, request.form, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        return render_template("editing/settings.html", consultation=consultation, values=values,
                               errors=exc.errors, preview=preview), 422
    return done(_("意見募集の説明と設定を保存しました。") if changed else _("変更はありませんでした。"), ".index")


# --- meetings -----------------------------------------------------------------------------------

def _render_meetings(consultation, values=None, errors=None, status=200):
    return render_template("editing/meetings.html", consultation=consultation,
                           values=values or services.meeting_values(), errors=errors or {},
                           kind_labels=services.meeting_kind_labels(),
                           month_parts=services.month_part_labels()), status


@bp.route(STAFF + "/meetings", methods=["GET", "POST"])
@requires(EDIT)
def meetings():
    consultation = consultation_or_404()
    if request.method == "GET":
        return _render_meetings(consultation)
    try:
        meeting = services.add_meeting(consultation, request.form, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        return _render_meetings(consultation, request.form.to_dict(), exc.errors, 422)
    return done(_("日程「%(title)s」を追加しました。", title=meeting.title), ".meetings")


@bp.route(STAFF + "/meetings/<int:meeting_id>", methods=["GET", "POST"])
@requires(EDIT)
def meeting_edit(meeting_id: int):
    meeting = get_or_404(Meeting, meeting_id)
    context = dict(meeting=meeting, kind_labels=services.meeting_kind_labels(),
                   month_parts=services.month_part_labels())
    return edit_form("editing/meeting_form.html", context, services.meeting_values(meeting),
                     lambda form, user: services.update_meeting(meeting, form, user),
                     lambda changed: done(_("日程を保存しました。") if changed else _("変更はありませんでした。"),
                                          ".meetings"))


@bp.route(STAFF + "/meetings/<int:meeting_id>/delete", methods=["POST"])
@requires(EDIT)
def meeting_delete(meeting_id: int):
    meeting = get_or_404(Meeting, meeting_id)
    title = meeting.title
    services.delete_meeting(meeting, current_user)
    return done(_("日程「%(title)s」を削除しました。", title=title), ".meetings")


# --- phase and period ---------------------------------------------------------------------------

def _render_phase(consultation, *, errors=None, values=None, message=None, target=None, status=200):
    return render_template("editing/phase.html", consultation=consultation, errors=errors or {},
                           values=values or phases.period_values(consultation), message=message,
                           failed_target=target, transitions=phases.TRANSITIONS,
                           targets=phases.allowed_targets(consultation.phase),
                           due=phases.due_change(consultation)), status


@bp.route(STAFF + "/phase", methods=["GET", "POST"])
@requires(EDIT)
def phase():
    consultation = consultation_or_404()
    if request.method == "GET":
        return _render_phase(consultation)
    target = request.form.get("target", "")
    try:
        phases.change_phase(consultation, target, request.form, current_user,
                            expected=request.form.get("expected") or None)
    except InvalidInput as exc:
        db.session.rollback()
        values = {**phases.period_values(consultation), "target_close_at": request.form.get("close_at", "")}
        return _render_phase(consultation, errors={f"{target}-close_at": exc.errors.get("close_at", [])},
                             values=values, target=target, status=422)
    except Conflict as exc:
        db.session.rollback()
        return _render_phase(consultation, message=exc.message, status=409)
    return done(_("段階を「%(phase)s」にしました。", phase=phase_labels()[consultation.phase]), ".phase")


@bp.route(STAFF + "/period", methods=["POST"])
@requires(EDIT)
def period():
    consultation = consultation_or_404()
    try:
        changed = phases.set_period(consultation, request.form, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        values = {"open_at": request.form.get("open_at", ""), "close_at": request.form.get("close_at", "")}
        return _render_phase(consultation, errors=exc.errors, values=values, status=422)
    return done(_("受付期間を保存しました。") if changed else _("変更はありませんでした。"), ".phase")


# --- wards --------------------------------------------------------------------------------------

@bp.route(STAFF + "/wards", methods=["GET", "POST"])
@requires(EDIT)
def ward_populations():
    all_wards = wards()
    return edit_form("editing/wards.html", {"wards": all_wards}, services.ward_values(all_wards),
                     lambda form, user: services.update_wards(all_wards, form, user), _wards_saved)


def _wards_saved(changed):
    if not changed:
        return done(_("変更はありませんでした。"), ".ward_populations")
    return done(_("%(wards)sの人口を保存しました。", wards="、".join(w.name for w in changed)), ".ward_populations")


# --- Markdown preview (JSON, for editing-preview.js) ----------------------------------------------

@bp.route(STAFF + "/preview", methods=["POST"])
@requires(EDIT)
def preview():
    data = request.get_json(silent=True) if request.is_json else request.form
    text = data.get("text") if isinstance(data, dict) or hasattr(data, "get") else ""
    if not isinstance(text, str):
        text = ""
    return jsonify(html=str(services.safe_markdown(text[:services.BODY_MAX * 2])))


# --- bulk import --------------------------------------------------------------------------------

def _import_page(*, plan=None, token=None, values=None, errors=None, status=200):
    return render_template("editing/import.html", plan=plan, token=token, values=values or {"kind": "sections"},
                           errors=errors or {}, columns=importer.COLUMNS, kind_labels=importer.kind_labels(),
                           action_labels=importer.action_labels(), max_rows=importer.MAX_ROWS), status


@bp.route(STAFF + "/import", methods=["GET", "POST"])
@requires(EDIT)
def import_form():
    if request.method == "GET":
        return _import_page(values={"kind": request.args.get("kind", "sections")})
    consultation = consultation_or_404()
    kind = request.form.get("kind", "")
    upload = request.files.get("file")
    errors: dict = {}
    if kind not in importer.KINDS:
        errors["kind"] = [_("取り込む内容の種類を選んでください。")]
    if upload is None or not upload.filename:
        errors["file"] = [_("取り込むファイルを選んでください（CSV または Excel の .xlsx）。")]
    if errors:
        return _import_page(values={"kind": kind}, errors=errors, status=422)
    plan = importer.plan_import(kind, upload.filename, upload.read(), consultation)
    if not plan.ok:
        return _import_page(plan=plan, values={"kind": kind}, status=422)
    token = importer.store_plan(current_app.instance_path, plan, current_user.id)
    return _import_page(plan=plan, token=token, values={"kind": kind})


@bp.route(STAFF + "/import/template/<kind>.csv")
@requires(EDIT)
def import_template(kind: str):
    if kind not in importer.KINDS:
        abort(404)
    return current_app.response_class(
        importer.template_csv(kind), mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="consult-{kind}-template.csv"'})


@bp.route(STAFF + "/import/<token>/confirm", methods=["POST"])
@requires(EDIT)
def import_confirm(token: str):
    stored = importer.load_plan(current_app.instance_path, token, current_user.id)
    if stored is None:
        abort(404)
    plan = importer.plan_rows(stored["kind"], stored["rows"], consultation_or_404(), filename=stored["filename"],
                              encoding=stored["encoding"])
    if not plan.ok:  # the database changed since the preview
        importer.discard_plan(current_app.instance_path, token)
        return _import_page(plan=plan, values={"kind": plan.kind}, status=409,
                            errors={"_form": [_("確認画面を表示した後に内容が変わったため、取り込めませんでした。下のエラーを確かめて、ファイルをもう一度アップロードしてください。")]})
    counts = importer.apply_plan(plan, current_user)
    importer.discard_plan(current_app.instance_path, token)
    return done(_("%(file)s を取り込みました：追加%(create)d件、改訂・変更%(changed)d件、変更なし%(same)d件。",
                   file=plan.filename, create=counts["create"], changed=counts["revise"] + counts["update"],
                   same=counts["unchanged"]), ".index")


@bp.route(STAFF + "/import/<token>/cancel", methods=["POST"])
@requires(EDIT)
def import_cancel(token: str):
    importer.discard_plan(current_app.instance_path, token)
    return done(_("取り込みを取りやめました。何も保存していません。"), ".import_form")
