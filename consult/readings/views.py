"""/furigana: the visitor's switch; /staff/readings: the reading dictionary; the ruby on public pages."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from ..auth.permissions import requires
from ..auth.views import add_staff_link
from ..core import furigana
from ..core.errors import InvalidInput
from ..extensions import db
from ..i18n import FURIGANA_COOKIE, furigana_chosen, is_english
from ..security import safe_path
from . import bp, services
from .models import ReadingEntry


add_staff_link("readings.index", _l("ふりがなの読み（読みの辞書）"), "edit_consultation")


def wanted() -> bool:
    """Furigana on for this request: the visitor's switch, on a Japanese public page."""
    return (furigana_chosen() and not is_english()
            and not request.path.startswith(("/staff", "/api", "/static")))


@bp.app_context_processor
def _switch():
    return {"furigana_on": furigana_chosen()}


@bp.route("/furigana")
def switch():
    on = request.args.get("on") == "1"
    response = redirect(safe_path(request.args.get("next")) or url_for("participation.index"))
    if on:
        response.set_cookie(FURIGANA_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    else:
        response.delete_cookie(FURIGANA_COOKIE)
    return response


@bp.after_app_request
def _add_ruby(response):
    if (response.status_code != 200 or response.mimetype != "text/html" or response.direct_passthrough
            or response.is_streamed or not wanted()):
        return response
    page = response.get_data(as_text=True)
    page = furigana.ruby_page(page, services.readings()).replace("<html ", '<html class="furigana" ', 1)
    response.set_data(page)
    response.vary.add("Cookie")
    return response


def _page(values=None, errors=None, status=200):
    return render_template("readings/index.html", entries=services.entries(), values=values or {},
                           errors=errors or {}, sample=request.args.get("sample", "")), status


@bp.route("/staff/readings", methods=["GET", "POST"])
@requires("edit_consultation")
def index():
    if request.method == "GET":
        return _page()
    try:
        entry = services.save(current_user, request.form)
    except InvalidInput as exc:
        db.session.rollback()
        return _page(values=request.form.to_dict(), errors=exc.errors, status=422)
    flash(_("「%(word)s」の読みを「%(reading)s」にしました。", word=entry.word, reading=entry.reading), "success")
    return redirect(url_for("readings.index"), code=303)


@bp.route("/staff/readings/<int:entry_id>/delete", methods=["POST"])
@requires("edit_consultation")
def delete(entry_id: int):
    entry = db.session.get(ReadingEntry, entry_id)
    if entry is None:
        abort(404)
    word = entry.word
    services.delete(current_user, entry)
    flash(_("「%(word)s」を読みの辞書から外しました。", word=word), "success")
    return redirect(url_for("readings.index"), code=303)


@bp.app_template_filter("ruby")
def ruby_filter(text: str):
    """A preview on the staff page: the text as the public pages would show it with furigana."""
    return Markup(furigana.ruby_text(text, furigana.entries(services.readings())))
