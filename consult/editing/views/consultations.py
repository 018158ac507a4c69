"""Consultations themselves, in the browser: a new one (from scratch or a copy of another's
structure), and archiving one (kept, with everything it received, off the public lists)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ...auth.permissions import requires
from ...consultation.context import STAFF
from ...consultation.models import Consultation
from ...core.errors import InvalidInput
from ...core.labels import kind_labels
from ...extensions import db
from .. import bp, consultations
from .common import EDIT, consultation_or_404, done


def _form(values: dict, errors: dict, status: int = 200):
    sources = db.session.scalars(select(Consultation).order_by(Consultation.id.desc())).all()
    return render_template("editing/new_consultation.html", values=values, errors=errors, sources=sources,
                           kind_labels=kind_labels()), status


@bp.route("/staff/consultations/new", methods=["GET", "POST"])
@requires(EDIT)
def new_consultation():
    if request.method == "GET":
        return _form({"kind": "deliberation", "copy_from": request.args.get("from", "")}, {})
    try:
        consultation = consultations.create_consultation(request.form, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        return _form(request.form.to_dict(), exc.errors, 422)
    flash(_("意見募集「%(title)s」を作りました（準備中）。受付期間と内容を設定してから受付を始めてください。",
            title=consultation.title), "success")
    return redirect(url_for("auth.consultation_home", consultation_slug=consultation.slug), code=303)


@bp.route(STAFF + "/archive", methods=["POST"])
@requires(EDIT)
def archive():
    consultation = consultation_or_404()
    if request.form.get("action") == "restore":
        consultations.restore_consultation(consultation, current_user)
        return done(_("意見募集を一覧に戻しました。"), "editing.index")
    consultations.archive_consultation(consultation, current_user)
    return done(_("意見募集を保管しました。届いたご意見などはすべて残っています。"), "editing.index")
