"""The phones under /w/…: enter the code, sit at a table, send notes, spend and take back dots.

No login: a participant is known by their cookie (participation.identity); writes are rate
limited. Status codes: invalid forms 422 (what was typed is kept); an unknown join code 404; the
code of a closed workshop 410; a note or dot sent after the close 410 (the note's text is shown
back, so that nothing typed is lost).
"""

import secrets

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...consultation.services import live_proposals, ward_choices
from ...core.errors import InvalidInput, NotAccepting
from ...core.labels import age_band_labels, relation_labels
from ...database import reads_only
from ...edge import parse_int
from ...extensions import db
from ...participation.identity import current_participant, current_public_id, ensure_participant, remember
from ...participation.services import new_submission_key
from ...ratelimit import public_write
from .. import bp
from ..models import Workshop
from ..services.common import NOTE_MAX, find_by_code, normalise_code, table_of, topic_of
from ..services.phone import BudgetExhausted, dot_state, join_workshop, post_note, remove_dot, seat_of, spend_dot
from ..services.phone_writes import Fallback, dot_by_code, join_by_code, note_by_code
from ..services.queries import workshop_notes

PHONE_NOTE_FIELDS = ("topic", "body")


def _int_arg(name: str) -> int | None:
    return parse_int(request.values.get(name, ""))


def _unknown_code(code: str):
    return render_template("workshops/phone_code.html", code=code, unknown=bool(code)), 404


def _closed(workshop: Workshop, kept: str = ""):
    return render_template("workshops/phone_closed.html", workshop=workshop, kept=kept), 410


def _phone_workshop(code: str):
    """(workshop, None) or (None, the page to show instead)."""
    workshop = find_by_code(code)
    if workshop is None:
        return None, _unknown_code(code)
    if not workshop.is_open:
        return None, _closed(workshop, request.form.get("body", "") if request.method == "POST" else "")
    return workshop, None


def _seated_phone(code: str):
    """(workshop, participant, seat, None) for a phone seated at an open workshop, or
    (…, the page to show instead): the workshop's closed page, or back to choosing a table."""
    workshop, page = _phone_workshop(code)
    if page:
        return None, None, None, page
    participant = current_participant()
    seat = seat_of(workshop, participant)
    if seat is None:
        return workshop, participant, None, redirect(url_for(".phone", code=workshop.join_code), code=303)
    return workshop, participant, seat, None


@bp.route("/w/", methods=["GET"])
@bp.route("/w", methods=["GET"])
def enter_code():
    """Where a person types the code from the projector (or the QR code leads straight on)."""
    code = normalise_code(request.args.get("code", ""))
    if code:
        if find_by_code(code) is None:
            return render_template("workshops/phone_code.html", code=request.args.get("code", ""), unknown=True), 404
        return redirect(url_for(".phone", code=code), code=303)
    return render_template("workshops/phone_code.html", code="", unknown=False)


def _render_join(workshop, values, errors=None, status=200):
    return render_template("workshops/phone_join.html", workshop=workshop, values=values, errors=errors or {},
                           ward_choices=ward_choices(), relation_labels=relation_labels(),
                           age_band_labels=age_band_labels()), status


def _render_phone(workshop, participant, seat, values=None, errors=None, status=200):
    return render_template("workshops/phone.html", workshop=workshop, seat=seat,
                           values=values or {"topic": "", "body": ""}, errors=errors or {},
                           dots=dot_state(workshop, participant),
                           my_notes=workshop_notes(workshop, participant_id=participant.id, include_hidden=True),
                           submission_key=new_submission_key(), note_max=NOTE_MAX), status


@bp.route("/w/<code>")
def phone(code: str):
    workshop, page = _phone_workshop(code)
    if page:
        return page
    if code != workshop.join_code:
        return redirect(url_for(".phone", code=workshop.join_code, **request.args), code=302)
    participant = current_participant()
    seat = seat_of(workshop, participant)
    if seat is None or request.args.get("change") == "table":
        table = table_of(workshop, request.args.get("table")) or (seat.table if seat else None)
        values = {"table": str(table.id) if table else "",
                  "ward": (participant.ward_code if participant and participant.ward_code else workshop.ward.code),
                  "relation": (participant.relation or "") if participant else "",
                  "age_band": (participant.age_band or "") if participant else ""}
        return _render_join(workshop, values)
    return _render_phone(workshop, participant, seat)


@bp.route("/w/<code>/join", methods=["POST"])
@public_write("RATE_LIMIT_NOTES")
def phone_join(code: str):
    # The plain case in Core statements (services/phone_writes.py); anything else the ORM way below.
    try:
        made = join_by_code(code, current_public_id(), request.form, secrets.token_hex(16))
    except Fallback:
        db.session.rollback()
    else:
        if made:
            remember(made)
        return redirect(url_for(".phone", code=code), code=303)
    workshop, page = _phone_workshop(code)
    if page:
        return page
    code = workshop.join_code
    try:
        join_workshop(workshop, ensure_participant(), request.form)
    except InvalidInput as exc:
        db.session.rollback()
        reads_only()
        values = {k: request.form.get(k, "") for k in ("table", "ward", "relation", "age_band")}
        return _render_join(workshop, values, exc.errors, 422)
    except NotAccepting:
        return _closed(workshop)
    return redirect(url_for(".phone", code=code), code=303)


@bp.route("/w/<code>/notes", methods=["POST"])
@public_write("RATE_LIMIT_NOTES")
def phone_note(code: str):
    key = request.form.get("submission_key", "")
    key = key if 16 <= len(key) <= 64 else None
    try:
        receipt = note_by_code(code, current_public_id(), request.form, key)
    except Fallback:
        db.session.rollback()
    else:
        flash(_("付箋を送りました（受付番号 %(no)s）。", no=receipt.receipt_no), "success")
        return redirect(url_for(".phone", code=code, _anchor="note-form"), code=303)
    workshop, participant, seat, page = _seated_phone(code)
    if page:
        return page
    code = workshop.join_code  # read before the commit: nothing to reload afterwards
    try:
        receipt = post_note(workshop, participant, request.form, submission_key=key, seat=seat)
    except InvalidInput as exc:
        db.session.rollback()
        reads_only()
        values = {k: request.form.get(k, "") for k in PHONE_NOTE_FIELDS}
        return _render_phone(workshop, participant, seat, values, exc.errors, 422)
    except NotAccepting:
        return _closed(workshop, request.form.get("body", ""))
    flash(_("付箋を送りました（受付番号 %(no)s）。", no=receipt.receipt_no), "success")
    return redirect(url_for(".phone", code=code, _anchor="note-form"), code=303)


def _dots_args(source) -> dict:
    args = {}
    for name in ("topic", "table"):
        value = parse_int(source.get(name, ""))
        if value is not None:
            args[name] = value
    return args


def _render_dots(workshop, participant, seat, errors=None, status=200, args=None):
    args = args if args is not None else _dots_args(request.args)
    topic = topic_of(workshop, args.get("topic")) or (workshop.topics[0] if workshop.topics else None)
    table = table_of(workshop, args.get("table"))
    notes = workshop_notes(workshop, topic_id=topic.id if topic else -1, table_id=table.id if table else None)
    return render_template("workshops/phone_dots.html", workshop=workshop, seat=seat, topic=topic, table=table,
                           notes=notes, proposals=live_proposals(topic) if topic else [],
                           dots=dot_state(workshop, participant), errors=errors or {},
                           tables={t.id: t for t in workshop.tables}), status


@bp.route("/w/<code>/dots")
def phone_dots(code: str):
    workshop, participant, seat, page = _seated_phone(code)
    if page:
        return page
    return _render_dots(workshop, participant, seat)


@bp.route("/w/<code>/dots", methods=["POST"])
@public_write("RATE_LIMIT_NOTES")
def phone_dot(code: str):
    args = _dots_args(request.form)
    target = request.form.get("target", "")
    try:
        created, left = dot_by_code(code, current_public_id(), target, _int_arg("slot"))
    except (Fallback, BudgetExhausted) as exc:
        db.session.rollback()
        refused = exc if isinstance(exc, BudgetExhausted) else None
    else:
        return _dot_placed(code, created, left, target, args)
    if refused is not None:  # every dot spent: the dots page again, with the number left
        reads_only()
        workshop, participant, seat, page = _seated_phone(code)
        return page or _render_dots(workshop, participant, seat, refused.errors, 422, args)
    workshop, participant, seat, page = _seated_phone(code)
    if page:
        return page
    code = workshop.join_code
    try:
        _dot, created, left = spend_dot(workshop, participant, target, _int_arg("slot"), seat=seat)
    except InvalidInput as exc:
        db.session.rollback()
        reads_only()
        return _render_dots(workshop, participant, seat, exc.errors, 422, args)
    except NotAccepting:
        return _closed(workshop)
    return _dot_placed(code, created, left, target, args)


def _dot_placed(code: str, created: bool, left: int, target: str, args: dict):
    flash(_("ドットを貼りました。残りは%(left)d個です。", left=left) if created
          else _("このドットはすでに貼ってあります。残りは%(left)d個です。", left=left), "success")
    return redirect(url_for(".phone_dots", code=code, _anchor=f"target-{target}", **args), code=303)


@bp.route("/w/<code>/dots/<int:dot_id>/remove", methods=["POST"])
@public_write("RATE_LIMIT_NOTES")
def phone_dot_remove(code: str, dot_id: int):
    workshop, page = _phone_workshop(code)
    if page:
        return page
    participant = current_participant()
    if participant is None:
        return redirect(url_for(".phone", code=workshop.join_code), code=303)
    args = _dots_args(request.form)
    code = workshop.join_code
    try:
        removed, left = remove_dot(workshop, participant, dot_id)
    except NotAccepting:
        return _closed(workshop)
    flash(_("ドットを1つ外しました。残りは%(left)d個です。", left=left) if removed
          else _("このドットはすでに外してあります。残りは%(left)d個です。", left=left), "success")
    target = request.form.get("target", "")
    return redirect(url_for(".phone_dots", code=code, _anchor=f"target-{target}" if target else None, **args),
                    code=303)
