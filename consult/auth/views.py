from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from sqlalchemy import select

from ..consultation.context import SLUG_ARG, STAFF
from ..consultation.models import Consultation
from ..core import fields
from ..core.labels import kind_labels, phase_labels, role_labels
from ..extensions import db, login_manager
from ..ratelimit import limiter
from ..security import safe_path
from . import bp
from .models import User
from .permissions import can, requires, works_on
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
LINK_KINDS: dict[str, tuple[str, ...]] = {}


def add_staff_link(endpoint: str, label, permission: str, kinds: tuple[str, ...] | None = None) -> None:
    """A staff page on the staff home; ``kinds``: only on consultations of these kinds."""
    STAFF_LINKS.append((endpoint, label, permission))
    if kinds:
        LINK_KINDS[endpoint] = kinds


def _links(per_consultation: bool) -> list:
    """The staff links of one consultation's pages, or of the site-wide ones (accounts, the log)."""
    expecting = current_app.url_map.is_endpoint_expecting
    kind = g.consultation.kind if per_consultation else None
    return [link for link in STAFF_LINKS if expecting(link[0], SLUG_ARG) == per_consultation
            and (kind is None or kind in LINK_KINDS.get(link[0], (kind,)))]


@bp.route("/staff")
@requires("staff")
def staff_home():
    """Every consultation this staff member works on, then the site-wide pages."""
    consultations = [c for c in db.session.scalars(select(Consultation).order_by(Consultation.id.desc()))
                     if works_on(current_user, c)]
    return render_template("auth/staff_home.html", user=current_user, can=can, staff_links=_links(False),
                           consultations=consultations, role_labels=role_labels(), kind_labels=kind_labels(),
                           phase_labels=phase_labels())


@bp.route(STAFF + "/")
@requires("staff")
def consultation_home():
    """One consultation's staff pages."""
    return render_template("auth/consultation_home.html", consultation=g.consultation, can=can,
                           staff_links=_links(True), kind_labels=kind_labels(), phase_labels=phase_labels())
