"""Staff editing screens under /staff/consultation/…, and the public history of a section.

Views are thin: read the form, call ``services`` / ``phases`` / ``importer``, commit, redirect
(303) or re-render. Invalid forms 422 with what was typed; a change that no longer fits the
record 409; unknown ids 404. Every staff view carries ``@requires("edit_consultation")``.
"""

from flask import (abort, current_app, flash, jsonify, redirect, render_template, request, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.permissions import can, requires
from ..auth.views import add_staff_link
from ..consultation.models import Meeting, Proposal, Section
from ..consultation.services import current_consultation, get_topic_or_404, live_sections, wards
from ..core.errors import InvalidInput
from ..core.labels import phase_labels, receipt_status_labels
from ..extensions import db
from . import bp, importer, phases, revisions, services
from .services import Conflict

add_staff_link("editing.index", _l("意見募集の内容・段階の編集"), "edit_consultation")
add_staff_link("editing.import_form", _l("提案・節の一括取り込み（CSV・Excel）"), "edit_consultation")

EDIT = "edit_consultation"


# --- helpers ------------------------------------------------------------------------------------

def _consultation():
    consultation = current_consultation()
    if consultation is None:
        abort(404)
    return consultation


def _topic(slug: str):
    """get_topic_or_404, refusing a NUL first: PostgreSQL rejects NUL in a query (a 500 otherwise)."""
    if "\x00" in slug:
        abort(404)
    return get_topic_or_404(slug)


def _get(model, ident):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def _done(message, endpoint: str, **values):
    flash(message, "success")
    return redirect(url_for(endpoint, **values), code=303)


def _conflict(message, back_url: str):
    db.session.rollback()
    return render_template("editing/conflict.html", message=message, back_url=back_url), 409


def _action_labels() -> dict:
    return {
        "consultation.update": _l("意見募集の説明・設定を変更"), "consultation.period": _l("受付期間を変更"),
        "consultation.phase": _l("段階を変更"), "meeting.create": _l("日程を追加"),
        "meeting.update": _l("日程を変更"), "meeting.delete": _l("日程を削除"),
        "topic.update": _l("審議事項を変更"), "section.create": _l("節を追加"),
        "section.revise": _l("節を改訂"), "section.move": _l("節の順番を変更"),
        "section.retire": _l("節を廃止"), "section.restore": _l("節を復活"),
        "proposal.create": _l("提案を追加"), "proposal.update": _l("提案文を変更"),
        "proposal.move": _l("提案の順番を変更"), "proposal.withdraw": _l("提案を取り下げ"),
        "proposal.restore": _l("提案を戻す"), "proposal.delete": _l("提案を削除"),
        "ward.population": _l("区の人口を変更"), "import.apply": _l("一括取り込み"),
    }


# --- overview -----------------------------------------------------------------------------------

@bp.route("/staff/consultation")
@requires(EDIT)
def index():
    consultation = _consultation()
    events = services.recent_events(15) if can("read_audit_log") else []
    return render_template("editing/index.html", consultation=consultation, events=events,
                           action_labels=_action_labels(), due=phases.due_change(consultation))


# --- the consultation ---------------------------------------------------------------------------

@bp.route("/staff/consultation/settings", methods=["GET", "POST"])
@requires(EDIT)
def settings():
    consultation = _consultation()
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
    db.session.commit()
    return _done(_("意見募集の説明と設定を保存しました。") if changed else _("変更はありませんでした。"), ".index")


# --- meetings -----------------------------------------------------------------------------------

def _render_meetings(consultation, values=None, errors=None, status=200):
    return render_template("editing/meetings.html", consultation=consultation,
                           values=values or services.meeting_values(), errors=errors or {},
                           kind_labels=services.meeting_kind_labels(),
                           month_parts=services.month_part_labels()), status


@bp.route("/staff/consultation/meetings", methods=["GET", "POST"])
@requires(EDIT)
def meetings():
    consultation = _consultation()
    if request.method == "GET":
        return _render_meetings(consultation)
    try:
        meeting = services.add_meeting(consultation, request.form, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        return _render_meetings(consultation, request.form.to_dict(), exc.errors, 422)
    db.session.commit()
    return _done(_("日程「%(title)s」を追加しました。", title=meeting.title), ".meetings")


@bp.route("/staff/consultation/meetings/<int:meeting_id>", methods=["GET", "POST"])
@requires(EDIT)
def meeting_edit(meeting_id: int):
    meeting = _get(Meeting, meeting_id)
    context = dict(meeting=meeting, kind_labels=services.meeting_kind_labels(),
                   month_parts=services.month_part_labels())
    if request.method == "GET":
        return render_template("editing/meeting_form.html", values=services.meeting_values(meeting), errors={},
                               **context)
    try:
        changed = services.update_meeting(meeting, request.form, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        return render_template("editing/meeting_form.html", values=request.form.to_dict(), errors=exc.errors,
                               **context), 422
    db.session.commit()
    return _done(_("日程を保存しました。") if changed else _("変更はありませんでした。"), ".meetings")


@bp.route("/staff/consultation/meetings/<int:meeting_id>/delete", methods=["POST"])
@requires(EDIT)
def meeting_delete(meeting_id: int):
    meeting = _get(Meeting, meeting_id)
    title = meeting.title
    services.delete_meeting(meeting, current_user)
    db.session.commit()
    return _done(_("日程「%(title)s」を削除しました。", title=title), ".meetings")


# --- phase and period ---------------------------------------------------------------------------

def _render_phase(consultation, *, errors=None, values=None, message=None, target=None, status=200):
    return render_template("editing/phase.html", consultation=consultation, errors=errors or {},
                           values=values or phases.period_values(consultation), message=message,
                           failed_target=target, transitions=phases.TRANSITIONS,
                           targets=phases.allowed_targets(consultation.phase),
                           due=phases.due_change(consultation)), status


@bp.route("/staff/consultation/phase", methods=["GET", "POST"])
@requires(EDIT)
def phase():
    consultation = _consultation()
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
    db.session.commit()
    return _done(_("段階を「%(phase)s」にしました。", phase=phase_labels()[consultation.phase]), ".phase")


@bp.route("/staff/consultation/period", methods=["POST"])
@requires(EDIT)
def period():
    consultation = _consultation()
    try:
        changed = phases.set_period(consultation, request.form, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        values = {"open_at": request.form.get("open_at", ""), "close_at": request.form.get("close_at", "")}
        return _render_phase(consultation, errors=exc.errors, values=values, status=422)
    db.session.commit()
    return _done(_("受付期間を保存しました。") if changed else _("変更はありませんでした。"), ".phase")


# --- topics, sections ---------------------------------------------------------------------------

def _render_topic(topic, *, proposal_values=None, errors=None, status=200):
    return render_template("editing/topic.html", topic=topic, consultation=topic.consultation,
                           usage=services.proposal_usage(topic.proposals),
                           proposal_values=proposal_values or {"text": "", "key": ""},
                           errors=errors or {}), status


@bp.route("/staff/consultation/topics/<slug>")
@requires(EDIT)
def topic(slug: str):
    return _render_topic(_topic(slug))


@bp.route("/staff/consultation/topics/<slug>/settings", methods=["GET", "POST"])
@requires(EDIT)
def topic_settings(slug: str):
    topic = _topic(slug)
    if request.method == "GET":
        return render_template("editing/topic_form.html", topic=topic, values=services.topic_values(topic), errors={})
    try:
        changed = services.update_topic(topic, request.form, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        return render_template("editing/topic_form.html", topic=topic, values=request.form.to_dict(),
                               errors=exc.errors), 422
    db.session.commit()
    return _done(_("審議事項を保存しました。") if changed else _("変更はありませんでした。"), ".topic", slug=topic.slug)


def _section_form(topic, section, values, errors=None, status=200, message=None, previewed=False):
    return render_template("editing/section_form.html", topic=topic, section=section, values=values,
                           errors=errors or {}, message=message, previewed=previewed,
                           preview=services.safe_markdown(values.get("body", ""))), status


SECTION_FIELDS = ("heading", "body", "note", "anchor", "base_revision")


@bp.route("/staff/consultation/topics/<slug>/sections/new", methods=["GET", "POST"])
@requires(EDIT)
def section_new(slug: str):
    topic = _topic(slug)
    if request.method == "GET":
        return _section_form(topic, None, dict.fromkeys(SECTION_FIELDS, ""))
    values = {name: request.form.get(name, "") for name in SECTION_FIELDS}
    if request.form.get("action") == "preview":
        return _section_form(topic, None, values, previewed=True)
    try:
        section = services.add_section(topic, request.form, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        return _section_form(topic, None, values, exc.errors, 422)
    db.session.commit()
    return _done(_("節「%(heading)s」を追加しました（アンカー #%(anchor)s）。", heading=section.current.heading,
                   anchor=section.anchor), ".topic", slug=topic.slug, _anchor=f"section-{section.id}")


@bp.route("/staff/consultation/sections/<int:section_id>", methods=["GET", "POST"])
@requires(EDIT)
def section_edit(section_id: int):
    section = _get(Section, section_id)
    topic = section.topic
    if request.method == "GET":
        current = section.current
        return _section_form(topic, section, {"heading": current.heading, "body": current.body, "note": "",
                                              "anchor": section.anchor, "base_revision": str(current.number)})
    values = {name: request.form.get(name, "") for name in SECTION_FIELDS}
    if request.form.get("action") == "preview":
        return _section_form(topic, section, values, previewed=True)
    try:
        revision = services.revise_section(section, request.form, current_user,
                                           base_number=request.form.get("base_revision"))
    except InvalidInput as exc:
        db.session.rollback()
        return _section_form(topic, section, values, exc.errors, 422)
    except Conflict as exc:
        db.session.rollback()
        return _section_form(topic, section, values, status=409, message=exc.message)
    db.session.commit()
    if revision is None:
        return _done(_("本文と見出しに変更がなかったため、新しい版は作りませんでした。"), ".topic", slug=topic.slug,
                     _anchor=f"section-{section.id}")
    return _done(_("「%(heading)s」を第%(n)d版として保存しました。", heading=revision.heading, n=revision.number),
                 ".topic", slug=topic.slug, _anchor=f"section-{section.id}")


@bp.route("/staff/consultation/sections/<int:section_id>/move", methods=["POST"])
@requires(EDIT)
def section_move(section_id: int):
    section = _get(Section, section_id)
    moved = services.move_section(section, request.form.get("direction", ""), current_user)
    db.session.commit()
    message = _("節の順番を変えました。") if moved else _("これ以上は移動できません。")
    return _done(message, ".topic", slug=section.topic.slug, _anchor=f"section-{section.id}")


@bp.route("/staff/consultation/sections/<int:section_id>/retire", methods=["POST"])
@requires(EDIT)
def section_retire(section_id: int):
    return _retire_or_restore(section_id, services.retire_section,
                              _l("節「%(heading)s」を廃止しました。公開ページには表示されません。寄せられたご意見はそのまま残ります。"))


@bp.route("/staff/consultation/sections/<int:section_id>/restore", methods=["POST"])
@requires(EDIT)
def section_restore(section_id: int):
    return _retire_or_restore(section_id, services.restore_section, _l("節「%(heading)s」を復活させました。"))


def _retire_or_restore(section_id: int, change, message):
    section = _get(Section, section_id)
    try:
        change(section, current_user)
    except Conflict as exc:
        return _conflict(exc.message, url_for(".topic", slug=section.topic.slug))
    db.session.commit()
    return _done(message % {"heading": section.current.heading}, ".topic", slug=section.topic.slug,
                 _anchor=f"section-{section.id}")


@bp.route("/staff/consultation/sections/<int:section_id>/history")
@requires(EDIT)
def section_history(section_id: int):
    section = _get(Section, section_id)
    return render_template("editing/history.html", section=section, topic=section.topic,
                           per_revision=services.comments_by_revision(section),
                           comments=services.section_comments(section), status_labels=receipt_status_labels())


def _diff_pair(section):
    """The two revisions asked for (?a=&b=), by default the one before the current and the current."""
    current = section.current.number
    a = request.args.get("a", str(max(current - 1, 1)))
    b = request.args.get("b", str(current))
    old, new = revisions.revision_of(section, a), revisions.revision_of(section, b)
    if old is None or new is None:
        abort(404)
    if old.number > new.number:
        old, new = new, old
    return old, new


@bp.route("/staff/consultation/sections/<int:section_id>/diff")
@requires(EDIT)
def section_diff(section_id: int):
    section = _get(Section, section_id)
    old, new = _diff_pair(section)
    return render_template("editing/diff.html", section=section, topic=section.topic,
                           diff=revisions.compare(old, new), staff=True)


@bp.route("/staff/consultation/sections/<int:section_id>/revisions/<int:number>")
@requires(EDIT)
def section_revision(section_id: int, number: int):
    section = _get(Section, section_id)
    revision = revisions.revision_of(section, number)
    if revision is None:
        abort(404)
    return render_template("editing/revision.html", section=section, topic=section.topic, revision=revision,
                           rendered=services.safe_markdown(revision.body))


@bp.route("/topics/<slug>/sections/<anchor>/history")
def public_history(slug: str, anchor: str):
    """Public: every revision of one section, with what changed between two of them."""
    topic = _topic(slug)
    section = next((s for s in topic.sections if s.anchor == anchor), None)
    if section is None:
        abort(404)
    old, new = _diff_pair(section)
    return render_template("editing/public_history.html", section=section, topic=topic,
                           consultation=topic.consultation, diff=revisions.compare(old, new),
                           live=section in live_sections(topic))


# --- proposals ----------------------------------------------------------------------------------

@bp.route("/staff/consultation/topics/<slug>/proposals", methods=["POST"])
@requires(EDIT)
def proposal_add(slug: str):
    topic = _topic(slug)
    try:
        proposal = services.add_proposal(topic, request.form, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        return _render_topic(topic, proposal_values=request.form.to_dict(), errors=exc.errors, status=422)
    db.session.commit()
    return _done(_("提案を追加しました（キー %(key)s）。", key=proposal.key), ".topic", slug=topic.slug,
                 _anchor=f"proposal-{proposal.id}")


@bp.route("/staff/consultation/proposals/<int:proposal_id>", methods=["GET", "POST"])
@requires(EDIT)
def proposal_edit(proposal_id: int):
    proposal = _get(Proposal, proposal_id)
    usage = services.proposal_usage([proposal])[proposal.id]
    if request.method == "GET":
        return render_template("editing/proposal_form.html", proposal=proposal, topic=proposal.topic, usage=usage,
                               values={"text": proposal.text}, errors={})
    try:
        changed = services.update_proposal(proposal, request.form, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        return render_template("editing/proposal_form.html", proposal=proposal, topic=proposal.topic, usage=usage,
                               values={"text": request.form.get("text", "")}, errors=exc.errors), 422
    db.session.commit()
    return _done(_("提案文を保存しました。") if changed else _("変更はありませんでした。"), ".topic",
                 slug=proposal.topic.slug, _anchor=f"proposal-{proposal.id}")


@bp.route("/staff/consultation/proposals/<int:proposal_id>/move", methods=["POST"])
@requires(EDIT)
def proposal_move(proposal_id: int):
    proposal = _get(Proposal, proposal_id)
    moved = services.move_proposal(proposal, request.form.get("direction", ""), current_user)
    db.session.commit()
    return _done(_("提案の順番を変えました。") if moved else _("これ以上は移動できません。"), ".topic",
                 slug=proposal.topic.slug, _anchor=f"proposal-{proposal.id}")


@bp.route("/staff/consultation/proposals/<int:proposal_id>/withdraw", methods=["POST"])
@requires(EDIT)
def proposal_withdraw(proposal_id: int):
    proposal = _get(Proposal, proposal_id)
    try:
        services.withdraw_proposal(proposal, current_user)
    except Conflict as exc:
        return _conflict(exc.message, url_for(".topic", slug=proposal.topic.slug))
    db.session.commit()
    return _done(_("提案を取り下げました。公開ページには表示されず、賛否も受け付けません。これまでの賛否の記録は残ります。"),
                 ".topic", slug=proposal.topic.slug, _anchor=f"proposal-{proposal.id}")


@bp.route("/staff/consultation/proposals/<int:proposal_id>/restore", methods=["POST"])
@requires(EDIT)
def proposal_restore(proposal_id: int):
    proposal = _get(Proposal, proposal_id)
    try:
        services.restore_proposal(proposal, current_user)
    except Conflict as exc:
        return _conflict(exc.message, url_for(".topic", slug=proposal.topic.slug))
    db.session.commit()
    return _done(_("提案を戻しました。"), ".topic", slug=proposal.topic.slug, _anchor=f"proposal-{proposal.id}")


@bp.route("/staff/consultation/proposals/<int:proposal_id>/delete", methods=["POST"])
@requires(EDIT)
def proposal_delete(proposal_id: int):
    proposal = _get(Proposal, proposal_id)
    slug = proposal.topic.slug
    try:
        services.delete_proposal(proposal, current_user)
    except Conflict as exc:
        return _conflict(exc.message, url_for(".topic", slug=slug))
    db.session.commit()
    return _done(_("提案を削除しました。"), ".topic", slug=slug, _anchor="proposals")


# --- wards --------------------------------------------------------------------------------------

@bp.route("/staff/consultation/wards", methods=["GET", "POST"])
@requires(EDIT)
def ward_populations():
    all_wards = wards()
    if request.method == "GET":
        return render_template("editing/wards.html", wards=all_wards, values=services.ward_values(all_wards), errors={})
    try:
        changed = services.update_wards(all_wards, request.form, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        return render_template("editing/wards.html", wards=all_wards, values=request.form.to_dict(),
                               errors=exc.errors), 422
    db.session.commit()
    if not changed:
        return _done(_("変更はありませんでした。"), ".ward_populations")
    return _done(_("%(wards)sの人口を保存しました。", wards="、".join(w.name for w in changed)), ".ward_populations")


# --- Markdown preview (JSON, for editing-preview.js) ----------------------------------------------

@bp.route("/staff/consultation/preview", methods=["POST"])
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


@bp.route("/staff/consultation/import", methods=["GET", "POST"])
@requires(EDIT)
def import_form():
    if request.method == "GET":
        return _import_page(values={"kind": request.args.get("kind", "sections")})
    consultation = _consultation()
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


@bp.route("/staff/consultation/import/template/<kind>.csv")
@requires(EDIT)
def import_template(kind: str):
    if kind not in importer.KINDS:
        abort(404)
    return current_app.response_class(
        importer.template_csv(kind), mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="consult-{kind}-template.csv"'})


@bp.route("/staff/consultation/import/<token>/confirm", methods=["POST"])
@requires(EDIT)
def import_confirm(token: str):
    stored = importer.load_plan(current_app.instance_path, token, current_user.id)
    if stored is None:
        abort(404)
    plan = importer.plan_rows(stored["kind"], stored["rows"], _consultation(), filename=stored["filename"],
                              encoding=stored["encoding"])
    if not plan.ok:  # the database changed since the preview
        importer.discard_plan(current_app.instance_path, token)
        return _import_page(plan=plan, values={"kind": plan.kind}, status=409,
                            errors={"_form": [_("確認画面を表示した後に内容が変わったため、取り込めませんでした。下のエラーを確かめて、ファイルをもう一度アップロードしてください。")]})
    counts = importer.apply_plan(plan, current_user)
    db.session.commit()
    importer.discard_plan(current_app.instance_path, token)
    return _done(_("%(file)s を取り込みました：追加%(create)d件、改訂・変更%(changed)d件、変更なし%(same)d件。",
                   file=plan.filename, create=counts["create"], changed=counts["revise"] + counts["update"],
                   same=counts["unchanged"]), ".index")


@bp.route("/staff/consultation/import/<token>/cancel", methods=["POST"])
@requires(EDIT)
def import_cancel(token: str):
    importer.discard_plan(current_app.instance_path, token)
    return _done(_("取り込みを取りやめました。何も保存していません。"), ".import_form")
