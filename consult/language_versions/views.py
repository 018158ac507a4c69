"""The staff page for a topic's other versions; the やさしい日本語 switch; what the public pages show."""

from dataclasses import dataclass

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.permissions import requires
from ..consultation.context import STAFF
from ..consultation.services import current_consultation, get_topic_or_404
from ..core.errors import InvalidInput
from ..extensions import db
from ..i18n import EASY_COOKIE, easy_chosen, is_english
from ..security import safe_path
from . import bp, services
from .models import LANGUAGES


@bp.route("/easy")
def switch():
    """The やさしい日本語 switch, kept in a cookie like the language."""
    response = redirect(safe_path(request.args.get("next")) or url_for("participation.index"))
    if request.args.get("on") == "1":
        response.set_cookie(EASY_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    else:
        response.delete_cookie(EASY_COOKIE)
    return response


@dataclass(frozen=True)
class Shown:
    text: str
    lang: str  # the lang attribute of what is shown
    version: str  # "easy", "en" or "original"


def _versions() -> dict:
    if "language_versions" not in g:
        consultation = current_consultation()
        g.language_versions = services.for_consultation(consultation.id) if consultation else {}
    return g.language_versions


def shown(target, field: str) -> Shown:
    """What a public page shows of a staff text: `field` is "title" or "body" of a topic, section
    (heading and text) or proposal (its text is its body). English pages take the English version,
    the やさしい日本語 switch its version, and the original otherwise."""
    target_type = type(target).__name__.lower()
    original = {("topic", "title"): lambda: target.title, ("topic", "body"): lambda: target.lead,
                ("section", "title"): lambda: target.current.heading,
                ("section", "body"): lambda: target.current.body,
                ("proposal", "body"): lambda: target.text}[(target_type, field)]
    language = "en" if is_english() else "easy" if easy_chosen() else None
    if language is not None:
        version = _versions().get((target_type, target.id, language))
        text = getattr(version, field, "") if version is not None else ""
        if text:
            return Shown(text, "en" if language == "en" else "ja", language)
    return Shown(original(), "ja", "original")


@bp.app_context_processor
def _helpers():
    return {"shown": shown, "easy_on": easy_chosen()}


def _page(topic, values=None, errors=None, status=200):
    kept = services.for_consultation(topic.consultation_id)
    if values is None:
        values = {}
        for part in services.parts(topic):
            for language in LANGUAGES:
                version = kept.get((part.target_type, part.target.id, language))
                if version is not None:
                    values[f"{part.key}-{language}-title"] = version.title
                    values[f"{part.key}-{language}-body"] = version.body
    return render_template("language_versions/edit.html", topic=topic, parts=services.parts(topic), kept=kept,
                           values=values, errors=errors or {}, language_labels=language_labels()), status


def language_labels() -> dict:
    return {"easy": _l("やさしい日本語"), "en": _l("英語（English）")}


@bp.route(STAFF + "/topics/<slug>/versions", methods=["GET", "POST"])
@requires("edit_consultation")
def edit(slug: str):
    if "\x00" in slug:  # PostgreSQL refuses NUL in a query
        abort(404)
    topic = get_topic_or_404(slug)
    if request.method == "GET":
        return _page(topic)
    try:
        changed = services.save(current_user, topic, request.form)
    except InvalidInput as exc:
        db.session.rollback()
        return _page(topic, values=request.form.to_dict(), errors=exc.errors, status=422)
    message = _("%(n)d件の文を保存しました。", n=changed) if changed else _("変更はありませんでした。")
    flash(message, "success")
    return redirect(url_for("language_versions.edit", slug=topic.slug), code=303)
