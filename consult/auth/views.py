from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from ..core import fields
from ..core.labels import role_labels
from ..extensions import db, login_manager
from ..ratelimit import limiter
from ..security import safe_path
from . import bp
from .models import User
from .permissions import can, requires
from .services import authenticate


@login_manager.user_loader
def load_user(user_id: str):
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATE_LIMIT_LOGIN"], methods=["POST"])
def login():
    target = request.args.get("next")
    errors: dict = {}
    email = ""
    if request.method == "POST":
        email = fields.text(request.form, "email", errors, label=_l("メールアドレス"), max_len=254, required=True,
                            single_line=True)
        password = fields.raw(request.form, "password")  # as typed: never trimmed or normalised
        if not password:
            fields.add(errors, "password", _l("パスワードを入力してください。"))
        elif len(password) > 200:
            fields.add(errors, "password", _l("パスワードは200文字以内です。"))
        if not errors:
            user = authenticate(email, password)
            if user is not None:
                login_user(user)
                return redirect(safe_path(target) or url_for("auth.staff_home"), code=303)
            fields.add(errors, "password", _l(
                "メールアドレスかパスワードが正しくありません。続けて失敗すると、しばらくログインできなくなります。"))
            return render_template("auth/login.html", email=email, errors=errors), 401
    status = 422 if errors else 200
    return render_template("auth/login.html", email=email, errors=errors), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("ログアウトしました。"), "success")
    return redirect(url_for("participation.index"), code=303)


# Each staff area adds its entry page here when it registers (see add_staff_link).
STAFF_LINKS: list[tuple[str, object, str]] = []


def add_staff_link(endpoint: str, label, permission: str) -> None:
    STAFF_LINKS.append((endpoint, label, permission))


@bp.route("/staff")
@requires("staff")
def staff_home():
    return render_template("auth/staff_home.html", user=current_user, can=can, staff_links=STAFF_LINKS,
                           role_labels=role_labels())
