"""/staff/users: the staff accounts for admins; /password/<token>: a person sets their password."""

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ..auth.models import ROLES, User
from ..auth.permissions import requires
from ..auth.services import MIN_PASSWORD_LENGTH
from ..auth.views import add_staff_link
from ..consultation.models import Consultation
from ..core.errors import InvalidInput
from ..core.labels import role_labels
from ..extensions import db
from ..i18n import utcnow
from ..ratelimit import address_key, limiter
from . import bp, services

add_staff_link("admin.users", _l("職員のアカウント"), "manage_users")

LINK_KEY = "password_link"  # the session holds a link just made, to show it once


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/staff/users")
@requires("manage_users")
def users():
    return render_template("admin/users.html", accounts=services.accounts(), role_labels=role_labels(),
                           now=utcnow())


def _form(template, *, user=None, values=None, errors=None, status=200):
    consultations = db.session.scalars(select(Consultation).order_by(Consultation.id.desc())).all()
    return render_template(template, user=user, values=values or {}, errors=errors or {}, roles=ROLES,
                           role_labels=role_labels(), consultations=consultations), status


@bp.route("/staff/users/new", methods=["GET", "POST"])
@requires("manage_users")
def user_new():
    if request.method == "GET":
        return _form("admin/user_new.html", values={"role": "facilitator"})
    try:
        user = services.create_account(current_user, request.form)
    except InvalidInput as exc:
        db.session.rollback()
        return _form("admin/user_new.html", values=request.form.to_dict(), errors=exc.errors, status=422)
    return _issue_link(user, _("アカウント %(email)s を作りました。", email=user.email))


@bp.route("/staff/users/<int:user_id>", methods=["GET", "POST"])
@requires("manage_users")
def user_edit(user_id: int):
    user = _user_or_404(user_id)
    if request.method == "GET":
        values = {"name": user.name, "role": user.role, "active": "1" if user.active else "",
                  "consultations": [str(i) for i in services.assigned_ids(user)]}
        return _form("admin/user_edit.html", user=user, values=values)
    try:
        changed = services.update_account(current_user, user, request.form)
    except InvalidInput as exc:
        db.session.rollback()
        values = {**request.form.to_dict(), "consultations": request.form.getlist("consultations")}
        return _form("admin/user_edit.html", user=user, values=values, errors=exc.errors, status=422)
    flash(_("アカウントを保存しました。") if changed else _("変更はありませんでした。"), "success")
    return redirect(url_for(".users"), code=303)


@bp.route("/staff/users/<int:user_id>/password-link", methods=["POST"])
@requires("manage_users")
def password_link(user_id: int):
    user = _user_or_404(user_id)
    if not user.active:
        abort(409)
    return _issue_link(user, _("パスワード設定用のリンクを作りました。"))


def _issue_link(user: User, message: str):
    token = services.password_link_token(current_user, user)
    session[LINK_KEY] = {"user": user.id, "token": token}
    flash(message, "success")
    return redirect(url_for(".password_link_shown", user_id=user.id), code=303)


@bp.route("/staff/users/<int:user_id>/password-link/shown")
@requires("manage_users")
def password_link_shown(user_id: int):
    """The link, shown once: it leaves the session as it is shown (make a new one if it was lost)."""
    user = _user_or_404(user_id)
    kept = session.pop(LINK_KEY, None)
    link = url_for(".set_password", token=kept["token"], _external=True) \
        if kept and kept.get("user") == user.id else None
    base = current_app.config["PUBLIC_BASE_URL"]
    if link and base:
        link = base.rstrip("/") + url_for(".set_password", token=kept["token"])
    response = current_app.make_response(render_template(
        "admin/password_link.html", user=user, link=link, days=services.LINK_LIFETIME.days))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/password/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATE_LIMIT_LOGIN"], methods=["POST"], key_func=address_key)
def set_password(token: str):
    user = services.user_for_token(token)
    if user is None:
        return render_template("admin/link_invalid.html"), 404
    if request.method == "GET":
        return _password_page(user)
    try:
        services.set_password(user, request.form)
    except InvalidInput as exc:
        db.session.rollback()
        return _password_page(user, exc.errors, 422)
    flash(_("パスワードを設定しました。新しいパスワードでログインしてください。"), "success")
    return redirect(url_for("auth.login"), code=303)


def _password_page(user, errors=None, status=200):
    response = current_app.make_response((render_template(
        "admin/set_password.html", user=user, errors=errors or {}, min_length=MIN_PASSWORD_LENGTH), status))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the link is a key: never sent onwards
    return response
