"""The facilitator console under /staff/workshops/…: prepare, open and close, join sheets, the
projector, paper capture and the KJ board. The phones' views are in phone.py.

Views are thin: they read the request, call the services and render. Every view here carries
``@requires`` and, once the workshop is loaded, ``ensure("edit_workshop", workshop)``: a
facilitator runs their own workshops; the secretariat and admins run any.

Status codes: invalid forms 422 (what was typed is kept); a staff action that does not fit the
workshop's state 409; JSON writes without ``Content-Type: application/json`` 415.
"""

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape

from ...consultation.context import STAFF, owned_or_404
from ...auth.permissions import can, ensure, requires
from ...auth.views import add_staff_link
from ...consultation.models import Consultation
from ...consultation.services import current_consultation, wards
from ...core.errors import InvalidInput, NotAccepting
from ...core.labels import channel_labels, workshop_state_labels
from ...extensions import db
from ...i18n import is_english, to_jst
from ...security import refuse_cross_site
from .. import bp
from ..models import Workshop
from ..qr import qr_svg
from ..services.board import create_theme, delete_theme, move_notes, theme_of, update_theme
from ..services.common import WrongState, values_of
from ..services.lifecycle import (close_workshop, create_workshop, facilitator_choices, local_input_value,
                                  open_workshop, update_workshop, validate_workshop)
from ..services.paper import add_paper_notes, delete_paper_note, paper_note_of, update_paper_note
from ..services.projector import live_state, live_version
from ..services.queries import list_workshops, note_dot_totals, workshop_counts, workshop_notes

add_staff_link("workshops.index", _l("ワークショップ"), "run_workshops", kinds=("deliberation",))


# --- helpers ----------------------------------------------------------------------------------

@bp.app_template_filter("ws_time")
def ws_time(dt) -> str:
    """'10:00' in JST."""
    return to_jst(dt).strftime("%H:%M") if dt is not None else ""


def _load(workshop_id: int) -> Workshop:
    workshop = owned_or_404(Workshop, workshop_id)
    ensure("edit_workshop", workshop)
    return workshop


def join_url(workshop: Workshop, table=None) -> str:
    """The absolute URL a phone opens: CONSULT_PUBLIC_BASE_URL when set (behind a proxy), else this host."""
    params = {"code": workshop.join_code}
    if table is not None:
        params["table"] = table.id
    base = current_app.config["PUBLIC_BASE_URL"]
    if base:
        return base.rstrip("/") + url_for("workshops.phone", **params)
    return url_for("workshops.phone", _external=True, **params)


def _marked(message: str, **japanese) -> Markup:
    """A translated message whose values (a title, a theme's name) are marked lang="ja", so that a
    screen reader reads them in Japanese on the English pages (WCAG 3.1.2); flash keeps Markup."""
    return escape(message) % {k: Markup('<span lang="ja">%s</span>') % v for k, v in japanese.items()}


def _wrong_state(workshop: Workshop, exc: WrongState):
    return render_template("workshops/wrong_state.html", workshop=workshop, message=exc.message), 409


def _may_assign() -> bool:
    """Who may choose a workshop's facilitator: those who manage the consultation (secretariat, admin).
    A facilitator's own new workshop is theirs."""
    return can("edit_consultation")


def _choices(workshop: Workshop) -> dict:
    return {"table_choices": [(str(t.id), t.name) for t in workshop.tables],
            "topic_choices": [(str(t.id), _("審議事項%(n)d", n=t.number) + "：" + t.title) for t in workshop.topics]}


def _labels() -> dict:
    return {"state_labels": workshop_state_labels(), "channel_labels": channel_labels()}


# --- the console ------------------------------------------------------------------------------

@bp.route(STAFF + "/workshops/")
@requires("run_workshops")
def index():
    consultation = current_consultation()
    workshops = list_workshops(consultation) if consultation else []
    return render_template("workshops/index.html", workshops=workshops,
                           counts=workshop_counts(w.id for w in workshops),
                           may_edit={w.id: can("edit_workshop", w) for w in workshops}, **_labels())


def _form_values(source, workshop: Workshop | None = None) -> dict:
    if source is not None:
        values = {k: source.get(k, "") for k in ("ward", "title", "venue", "starts_at", "ends_at",
                                                  "table_names", "table_count", "dots_per_participant",
                                                  "facilitator")}
        values["topics"] = [str(v) for v in values_of(source, "topics")]
        return values
    if workshop is None:
        consultation = current_consultation()
        return {"ward": "", "title": "", "venue": "", "starts_at": "", "ends_at": "", "table_names": "",
                "table_count": "8", "dots_per_participant": "3", "facilitator": "",
                "topics": [str(t.id) for t in consultation.topics]}
    return {"ward": workshop.ward.code, "title": workshop.title, "venue": workshop.venue,
            "starts_at": local_input_value(workshop.starts_at_utc), "ends_at": local_input_value(workshop.ends_at_utc),
            "table_names": "\n".join(t.name for t in workshop.tables), "table_count": "",
            "dots_per_participant": str(workshop.dots_per_participant),
            "facilitator": str(workshop.facilitator_id or ""), "topics": [str(t.id) for t in workshop.topics]}


def _render_form(workshop, values, errors=None, status=200):
    consultation = current_consultation()
    return render_template("workshops/form.html", workshop=workshop, values=values, errors=errors or {},
                           ward_options=[(w.code, w.name_en if is_english() else w.name) for w in wards()], topics=consultation.topics,
                           may_assign=_may_assign(),
                           facilitator_options=[(str(i), label) for i, label in facilitator_choices()]), status


@bp.route(STAFF + "/workshops/new", methods=["GET", "POST"])
@requires("run_workshops")
def create():
    consultation = current_consultation()
    if consultation is None:
        abort(404)
    if request.method == "GET":
        return _render_form(None, _form_values(None))
    try:
        draft = validate_workshop(request.form, consultation, assign_facilitator=_may_assign())
    except InvalidInput as exc:
        return _render_form(None, _form_values(request.form), exc.errors, 422)
    workshop = create_workshop(draft, consultation, current_user)
    flash(_marked(_("ワークショップ「%(title)s」を作りました。"), title=workshop.title), "success")
    return redirect(url_for(".console", workshop_id=workshop.id), code=303)


@bp.route(STAFF + "/workshops/<int:workshop_id>/edit", methods=["GET", "POST"])
@requires("edit_workshop")
def edit(workshop_id: int):
    workshop = _load(workshop_id)
    if workshop.is_closed:
        return _wrong_state(workshop, WrongState(_l("終了したワークショップは変更できません。")))
    if request.method == "GET":
        return _render_form(workshop, _form_values(None, workshop))
    try:
        draft = validate_workshop(request.form, db.session.get(Consultation, workshop.consultation_id),
                                     workshop=workshop, assign_facilitator=_may_assign())
    except InvalidInput as exc:
        db.session.rollback()
        return _render_form(workshop, _form_values(request.form), exc.errors, 422)
    update_workshop(workshop, draft, current_user)
    flash(_("変更を保存しました。"), "success")
    return redirect(url_for(".console", workshop_id=workshop.id), code=303)


@bp.route(STAFF + "/workshops/<int:workshop_id>")
@requires("edit_workshop")
def console(workshop_id: int):
    workshop = _load(workshop_id)
    live = live_state(workshop, recent=0, top=5)
    return render_template("workshops/console.html", workshop=workshop, live=live,
                           counts=workshop_counts([workshop.id])[workshop.id],
                           url=join_url(workshop) if workshop.join_code else None,
                           qr=qr_svg(join_url(workshop), _("参加用QRコード")) if workshop.join_code else None,
                           **_labels())


@bp.route(STAFF + "/workshops/<int:workshop_id>/open", methods=["POST"])
@requires("edit_workshop")
def open_(workshop_id: int):
    workshop = _load(workshop_id)
    try:
        open_workshop(workshop, current_user)
    except WrongState as exc:
        return _wrong_state(workshop, exc)
    flash(_("ワークショップを開始しました。参加コードは %(code)s です。", code=workshop.join_code), "success")
    return redirect(url_for(".console", workshop_id=workshop.id), code=303)


@bp.route(STAFF + "/workshops/<int:workshop_id>/close", methods=["GET", "POST"])
@requires("edit_workshop")
def close(workshop_id: int):
    """GET asks to confirm, with what will be handed to the secretariat; POST closes."""
    workshop = _load(workshop_id)
    if request.method == "GET":
        if not workshop.is_open:
            return _wrong_state(workshop, WrongState(_l("開催中のワークショップだけを終了できます。")))
        notes = workshop_notes(workshop)
        return render_template("workshops/close.html", workshop=workshop,
                               counts=workshop_counts([workshop.id])[workshop.id],
                               unthemed=sum(1 for c in notes if c.theme_id is None), themes=workshop.themes)
    try:
        themes = close_workshop(workshop, current_user)
    except WrongState as exc:
        return _wrong_state(workshop, exc)
    flash(_("ワークショップを終了しました。%(n)d件のテーマを、意見のまとまりの案として事務局に渡しました。",
            n=len(themes)), "success")
    return redirect(url_for(".console", workshop_id=workshop.id), code=303)


@bp.route(STAFF + "/workshops/<int:workshop_id>/sheets")
@requires("edit_workshop")
def sheets(workshop_id: int):
    """One A4 page per table: the join code, the table's QR code and how to join."""
    workshop = _load(workshop_id)
    if workshop.join_code is None:
        return _wrong_state(workshop, WrongState(_l("参加コードは、ワークショップを開始すると決まります。")))
    pages = [{"table": t, "url": join_url(workshop, t),
              "qr": qr_svg(join_url(workshop, t), _("%(table)s の参加用QRコード", table=t.name))}
             for t in workshop.tables]
    return render_template("workshops/sheets.html", workshop=workshop, pages=pages, url=join_url(workshop))


# --- the projector ----------------------------------------------------------------------------

@bp.route(STAFF + "/workshops/<int:workshop_id>/projector")
@requires("edit_workshop")
def projector(workshop_id: int):
    workshop = _load(workshop_id)
    live = live_state(workshop)
    return render_template("workshops/projector.html", workshop=workshop, live=live,
                           version=live_version(workshop),
                           url=join_url(workshop) if workshop.join_code else None,
                           qr=qr_svg(join_url(workshop), _("参加用QRコード")) if workshop.join_code else None,
                           **_labels())


@bp.route(STAFF + "/workshops/<int:workshop_id>/projector.json")
@requires("edit_workshop")
def projector_json(workshop_id: int):
    """The projector's data. The ETag comes from a few aggregates; an unchanged poll is a 304."""
    workshop = _load(workshop_id)
    version = live_version(workshop)
    if request.if_none_match.contains_weak(version):
        response = current_app.response_class(status=304)
    else:
        response = jsonify(live_state(workshop))
    response.set_etag(version)
    response.headers["Cache-Control"] = "no-cache, private"
    return response


# --- paper capture ----------------------------------------------------------------------------

def _render_paper(workshop, values, errors=None, status=200):
    notes = workshop_notes(workshop, channel="paper", include_hidden=True)
    return render_template("workshops/paper.html", workshop=workshop, values=values, errors=errors or {},
                           notes=notes, tables={t.id: t for t in workshop.tables},
                           topics={t.id: t for t in workshop.topics}, **_choices(workshop)), status


@bp.route(STAFF + "/workshops/<int:workshop_id>/paper", methods=["GET", "POST"])
@requires("edit_workshop")
def paper(workshop_id: int):
    """Type in paper sticky notes: one per line, for one table and topic, each with an optional
    dot tally in brackets at the end of the line ("意見の文 [3]")."""
    workshop = _load(workshop_id)
    if request.method == "GET":
        return _render_paper(workshop, {"table": request.args.get("table", ""), "topic": request.args.get("topic", ""),
                                        "lines": ""})
    values = {k: request.form.get(k, "") for k in ("table", "topic", "lines")}
    if workshop.is_closed:
        return _render_paper(workshop, values, {"_form": [_("終了したワークショップには付箋を追加できません。")]}, 409)
    try:
        comments = add_paper_notes(workshop, request.form, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        return _render_paper(workshop, values, exc.errors, 422)
    except NotAccepting:
        return _render_paper(workshop, values, {"_form": [_("終了したワークショップには付箋を追加できません。")]}, 409)
    flash(_("紙の付箋を%(n)d枚登録しました。", n=len(comments)), "success")
    # Stay on the same table and topic: the next pile of notes is usually the next topic.
    return redirect(url_for(".paper", workshop_id=workshop.id, table=values["table"], topic=values["topic"]), code=303)


@bp.route(STAFF + "/workshops/<int:workshop_id>/paper/<int:comment_id>", methods=["GET", "POST"])
@requires("edit_workshop")
def paper_edit(workshop_id: int, comment_id: int):
    workshop = _load(workshop_id)
    comment = paper_note_of(workshop, comment_id)
    if comment is None:
        abort(404)
    if request.method == "GET":
        values = {"table": str(comment.table_id or ""), "topic": str(comment.topic_id), "body": comment.body,
                  "paper_dots": str(comment.paper_dots)}
        return _render_paper_edit(workshop, comment, values)
    values = {k: request.form.get(k, "") for k in ("table", "topic", "body", "paper_dots")}
    try:
        update_paper_note(workshop, comment, request.form, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        return _render_paper_edit(workshop, comment, values, exc.errors, 422)
    except NotAccepting:
        return _render_paper_edit(workshop, comment, values,
                                  {"_form": [_("終了したワークショップの付箋は変更できません。")]}, 409)
    flash(_("付箋を修正しました。"), "success")
    return redirect(url_for(".paper", workshop_id=workshop.id, _anchor=f"note-{comment.id}"), code=303)


def _render_paper_edit(workshop, comment, values, errors=None, status=200):
    return render_template("workshops/paper_edit.html", workshop=workshop, comment=comment, values=values,
                           errors=errors or {}, **_choices(workshop)), status


@bp.route(STAFF + "/workshops/<int:workshop_id>/paper/<int:comment_id>/delete", methods=["POST"])
@requires("edit_workshop")
def paper_delete(workshop_id: int, comment_id: int):
    workshop = _load(workshop_id)
    comment = paper_note_of(workshop, comment_id)
    if comment is None:
        abort(404)
    values = {"table": str(comment.table_id or ""), "topic": str(comment.topic_id), "body": comment.body,
              "paper_dots": str(comment.paper_dots)}
    try:
        delete_paper_note(workshop, comment, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        return _render_paper_edit(workshop, comment, values, exc.errors, 409)
    except NotAccepting:
        return _render_paper_edit(workshop, comment, values,
                                  {"_form": [_("終了したワークショップの付箋は削除できません。")]}, 409)
    flash(_("付箋を削除しました。"), "success")
    return redirect(url_for(".paper", workshop_id=workshop.id), code=303)


# --- KJ board ---------------------------------------------------------------------------------

def _render_board(workshop, *, errors=None, theme_values=None, theme_errors=None, edit_errors=None,
                  edit_values=None, status=200):
    notes = workshop_notes(workshop)
    return render_template("workshops/board.html", workshop=workshop, notes=notes, themes=workshop.themes,
                           tables={t.id: t for t in workshop.tables}, dots=note_dot_totals(workshop),
                           errors=errors or {}, theme_values=theme_values or {"name": "", "topic": ""},
                           theme_errors=theme_errors or {}, edit_errors=edit_errors or {}, edit_values=edit_values or {},
                           **_choices(workshop),
                           **_labels()), status


@bp.route(STAFF + "/workshops/<int:workshop_id>/board", methods=["GET", "POST"])
@requires("edit_workshop")
def board(workshop_id: int):
    """The KJ board. POST is the no-JavaScript way: one select per note, saved together."""
    workshop = _load(workshop_id)
    if request.method == "GET":
        return _render_board(workshop)
    moves = {key[len("theme-"):]: value for key, value in request.form.items() if key.startswith("theme-")}
    try:
        moved = move_notes(workshop, moves, current_user)
    except InvalidInput as exc:
        return _render_board(workshop, errors=exc.errors, status=422)
    except NotAccepting:
        return _render_board(workshop, errors={"_form": [_("終了したワークショップの付箋は動かせません。")]}, status=409)
    flash(_("%(n)d枚の付箋をテーマに振り分けました。", n=moved), "success")
    return redirect(url_for(".board", workshop_id=workshop.id), code=303)


@bp.route(STAFF + "/workshops/<int:workshop_id>/board/move", methods=["POST"])
@requires("edit_workshop")
def board_move(workshop_id: int):
    """Drag and drop: {"comment": id, "theme": id or null} as JSON (CSRF token in X-CSRFToken)."""
    if not request.is_json:
        abort(415)
    refuse_cross_site()
    workshop = _load(workshop_id)
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or "comment" not in data:
        return jsonify(error="invalid", message=_("付箋かテーマの指定が正しくありません。")), 422
    try:
        moved = move_notes(workshop, {data["comment"]: data.get("theme")}, current_user)
    except InvalidInput as exc:
        return jsonify(error="invalid", errors=exc.as_text(),
                       message=" ".join(m for ms in exc.as_text().values() for m in ms)), 422
    except NotAccepting:
        return jsonify(error="closed", message=_("終了したワークショップの付箋は動かせません。")), 409
    return jsonify(moved=moved, comment=data["comment"], theme=data.get("theme"))


@bp.route(STAFF + "/workshops/<int:workshop_id>/themes", methods=["POST"])
@requires("edit_workshop")
def theme_create(workshop_id: int):
    workshop = _load(workshop_id)
    values = {"name": request.form.get("name", ""), "topic": request.form.get("topic", "")}
    try:
        theme = create_theme(workshop, request.form, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        return _render_board(workshop, theme_values=values, theme_errors=exc.errors, status=422)
    except NotAccepting:
        return _render_board(workshop, errors={"_form": [_("終了したワークショップにはテーマを追加できません。")]},
                             status=409)
    flash(_marked(_("テーマ「%(name)s」を作りました。"), name=theme.name), "success")
    return redirect(url_for(".board", workshop_id=workshop.id, _anchor=f"theme-{theme.id}"), code=303)


@bp.route(STAFF + "/workshops/<int:workshop_id>/themes/<int:theme_id>", methods=["POST"])
@requires("edit_workshop")
def theme_update(workshop_id: int, theme_id: int):
    """action=rename (name, topic) or action=delete (its notes go back to 未分類)."""
    workshop = _load(workshop_id)
    theme = theme_of(workshop, theme_id)
    if theme is None:
        abort(404)
    try:
        if request.form.get("action") == "delete":
            delete_theme(workshop, theme, current_user)
            flash(_("テーマを削除しました。付箋は未分類に戻りました。"), "success")
        else:
            update_theme(workshop, theme, request.form, current_user)
            flash(_("テーマを変更しました。"), "success")
    except InvalidInput as exc:
        db.session.rollback()
        errors = {f"theme-{theme.id}-{k}": v for k, v in exc.errors.items()}
        values = {"name": request.form.get("name", ""), "topic": request.form.get("topic", "")}
        return _render_board(workshop, errors=errors, edit_errors={theme.id: exc.errors},
                             edit_values={theme.id: values}, status=422)
    except NotAccepting:
        return _render_board(workshop, errors={"_form": [_("終了したワークショップのテーマは変更できません。")]},
                             status=409)
    return redirect(url_for(".board", workshop_id=workshop.id), code=303)
