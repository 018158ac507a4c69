"""What every editing view shares: the thin-view skeleton (load or 404, change, commit, flash and
redirect 303, or the 409 page when the change no longer fits the record)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...consultation.context import owned_or_404
from ...consultation.services import current_consultation, get_topic_or_404
from ...core.errors import InvalidInput
from ...extensions import db
from ..services import Conflict

EDIT = "edit_consultation"


def consultation_or_404():
    consultation = current_consultation()
    if consultation is None:
        abort(404)
    return consultation


def topic_or_404(slug: str):
    """get_topic_or_404, refusing a NUL first: PostgreSQL rejects NUL in a query (a 500 otherwise)."""
    if "\x00" in slug:
        abort(404)
    return get_topic_or_404(slug)


def get_or_404(model, ident):
    return owned_or_404(model, ident)


def done(message, endpoint: str, **values):
    flash(message, "success")
    return redirect(url_for(endpoint, **values), code=303)


def conflict(message, back_url: str):
    db.session.rollback()
    return render_template("editing/conflict.html", message=message, back_url=back_url), 409


def change_on_topic(change, obj, topic, anchor: str, message):
    """Apply ``change(obj, user)`` from a button on the staff topic page and go back to ``anchor``
    there; ``message`` is the flash text, or a function of what ``change`` returned."""
    try:
        result = change(obj, current_user)
    except Conflict as exc:
        return conflict(exc.message, url_for(".topic", slug=topic.slug))
    return done(message(result) if callable(message) else message, ".topic", slug=topic.slug, _anchor=anchor)


def edit_form(template: str, context: dict, initial: dict, save, saved, submitted=None):
    """The edit screen: GET shows ``initial``; POST calls ``save(form, user)`` and commits, then
    ``saved(result)`` redirects; refused input re-renders (422) with what was typed
    (``submitted(form)``, by default the whole form) beside the messages."""
    if request.method == "GET":
        return render_template(template, values=initial, errors={}, **context)
    try:
        result = save(request.form, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        values = submitted(request.form) if submitted else request.form.to_dict()
        return render_template(template, values=values, errors=exc.errors, **context), 422
    return saved(result)
