"""The citizen's comment flow, votes and supports. Every form works without JavaScript."""

from flask import abort, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ..consultation.context import PUBLIC, owned_or_404
from ..auth.permissions import can
from ..consultation.services import get_topic_or_404, live_proposals, live_sections, ward_choices
from ..core.errors import InvalidInput, NotAccepting
from ..core.labels import age_band_labels, relation_labels, vote_labels
from ..extensions import db
from ..ratelimit import public_write
from . import bp
from .identity import current_participant, ensure_participant
from .models import Comment
from .pages import render_topic
from .services import (cast_vote, drop_draft, keep_draft, kept_draft, new_submission_key, remember_profile,
                       provision_choice, submit_comment, support_comment, validate_comment, validate_profile)

FORM_FIELDS = ("section", "quote", "proposal", "ward", "relation", "age_band", "body", "consent")
DRAFT_KEY = "comment_draft"  # the session's token of the form waiting on its 確認 page
HONEYPOT = "website"  # hidden from people; bots that fill every field fill it too


def _honeypot_filled(form) -> bool:
    return bool(form.get(HONEYPOT, "").strip())


def _form_values(topic, source) -> dict:
    """What the form shows: what was typed, else the participant's remembered profile."""
    values = {name: source.get(name, "") for name in FORM_FIELDS}
    if source.get("drop_quote"):  # 「選んだ部分を付けない」: the form works without JavaScript too
        values["quote"] = ""
    participant = current_participant()
    if participant is not None and not any(source.get(n) for n in ("ward", "relation", "age_band")):
        values.update(ward=participant.ward_code or "", relation=participant.relation or "",
                      age_band=participant.age_band or "")
    return values


def _section_choices(topic) -> list[tuple[str, str]]:
    """(anchor, what the chooser shows): a provision's number and heading or first words, else the
    section's heading."""
    if topic.consultation.is_pubcom:
        return [(s.anchor, provision_choice(s)) for s in live_sections(topic)]
    return [(s.anchor, s.current.heading) for s in live_sections(topic)]


def _checked(form) -> dict:
    """The form as validated: without the quote when the citizen asked to drop it."""
    return {**form.to_dict(), "quote": ""} if form.get("drop_quote") else form


def _render_form(topic, values, errors=None, status=200):
    sections = live_sections(topic)
    chosen = next((s for s in sections if s.anchor == values.get("section")), None)
    return render_template(
        "participation/comment_form.html", topic=topic, consultation=topic.consultation,
        sections=sections, section_choices=_section_choices(topic), chosen_section=chosen,
        proposals=live_proposals(topic), values=values,
        errors=errors or {}, ward_choices=ward_choices(), relation_labels=relation_labels(),
        age_band_labels=age_band_labels()), status


def _not_accepting(topic):
    return render_template("participation/not_accepting.html", topic=topic,
                           consultation=topic.consultation), 403


@bp.route(PUBLIC + "/topics/<slug>/comment", methods=["GET", "POST"])
@public_write("RATE_LIMIT_CONFIRMS")
def comment_form(slug: str):
    """入力 (GET, or POST action=edit from 確認) and the step to 確認 (POST action=confirm)."""
    topic = get_topic_or_404(slug)
    if not can("participate", topic.consultation):
        return _not_accepting(topic)
    if request.method == "GET" or request.form.get("action") == "edit":
        return _render_form(topic, _form_values(topic, request.values))
    if _honeypot_filled(request.form):
        return _render_form(topic, _form_values(topic, request.form), _spam_errors(), 422)
    try:
        validate_comment(topic, _checked(request.form))
    except InvalidInput as exc:
        return _render_form(topic, _form_values(topic, request.form), exc.errors, 422)
    # 確認 is a page of its own (POST → 303 → GET), so that Back from 完了 shows a page of ours
    # rather than the browser's "confirm form resubmission" error.
    values = {**_form_values(topic, request.form), "submission_key": new_submission_key()}
    drop_draft(session.get(DRAFT_KEY))
    session[DRAFT_KEY] = keep_draft(topic, values)
    return redirect(url_for(".comment_confirm", slug=topic.slug), code=303)


@bp.route(PUBLIC + "/topics/<slug>/comment/confirm")
def comment_confirm(slug: str):
    """確認: the confirmed form, read back from its draft; after 送信 the completion page instead."""
    topic = get_topic_or_404(slug)
    if not can("participate", topic.consultation):
        return _not_accepting(topic)
    values = kept_draft(session.get(DRAFT_KEY), topic)
    if values is None:
        if _last_comment(topic) is not None:
            return redirect(url_for(".comment_done", slug=topic.slug))  # Back from 完了
        return redirect(url_for(".comment_form", slug=topic.slug))
    try:
        draft = validate_comment(topic, values)
    except InvalidInput as exc:  # the topic changed since (a section retired): say so on the form
        return _render_form(topic, values, exc.errors, 422)
    response = make_response(render_template(
        "participation/comment_confirm.html", topic=topic, consultation=topic.consultation,
        draft=draft, values=values, submission_key=values["submission_key"],
        ward_labels=dict(ward_choices()), relation_labels=relation_labels(),
        age_band_labels=age_band_labels()))
    response.headers["Cache-Control"] = "no-store"  # what a person typed: not kept by the browser's cache
    return response


def _spam_errors() -> dict:
    return {"_form": [_("送信できませんでした。入力欄以外に文字が入っていないか確認してください。")]}


@bp.route(PUBLIC + "/topics/<slug>/comment/submit", methods=["POST"])
@public_write("RATE_LIMIT_COMMENTS")
def comment_submit(slug: str):
    """完了: store once (the submission key makes a re-sent form harmless), then redirect."""
    topic = get_topic_or_404(slug)
    if _honeypot_filled(request.form):
        return _render_form(topic, _form_values(topic, request.form), _spam_errors(), 422)
    try:
        draft = validate_comment(topic, _checked(request.form))
    except InvalidInput as exc:
        return _render_form(topic, _form_values(topic, request.form), exc.errors, 422)
    key = request.form.get("submission_key", "")
    if not (16 <= len(key) <= 64):
        key = None
    try:
        comment, _created = submit_comment(draft, ensure_participant(), submission_key=key)
    except NotAccepting:
        return _not_accepting(topic)
    session["last_receipt"] = comment.receipt_no
    drop_draft(session.pop(DRAFT_KEY, None))
    return redirect(url_for(".comment_done", slug=topic.slug), code=303)


def _last_comment(topic):
    receipt_no = session.get("last_receipt")
    comment = db.session.query(Comment).filter_by(receipt_no=receipt_no).one_or_none() if receipt_no else None
    return comment if comment is not None and comment.topic_id == topic.id else None


@bp.route(PUBLIC + "/topics/<slug>/comment/done")
def comment_done(slug: str):
    topic = get_topic_or_404(slug)
    comment = _last_comment(topic)
    if comment is None:
        return redirect(url_for("participation.topic", slug=topic.slug))
    return render_template("participation/comment_done.html", topic=topic, consultation=topic.consultation,
                           comment=comment)


@bp.route(PUBLIC + "/topics/<slug>/proposals/<key>/vote", methods=["POST"])
@public_write("RATE_LIMIT_VOTES")
def vote(slug: str, key: str):

    topic = get_topic_or_404(slug)
    proposal = next((p for p in topic.proposals if p.key == key and p.withdrawn_at_utc is None), None)
    if proposal is None:  # unknown, or withdrawn since the page was loaded
        abort(404)
    participant = current_participant()
    errors: dict = {}
    if participant is None or not participant.has_profile:
        ward, relation, age_band = validate_profile(request.form, errors)
    try:
        if errors:
            raise InvalidInput(errors)
        participant = participant or ensure_participant()
        if not participant.has_profile:
            remember_profile(participant, ward, relation, age_band)
        cast_vote(participant, proposal, request.form.get("value", ""))
    except InvalidInput as exc:
        db.session.rollback()
        return render_topic(topic, 422, vote_errors={proposal.id: exc.errors}, vote_form=request.form)
    except NotAccepting:
        return _not_accepting(topic)
    flash(_("「%(choice)s」で受け付けました。いつでも変更できます。",
            choice=vote_labels()[request.form["value"]]), "success")
    return redirect(url_for("participation.topic", slug=topic.slug, _anchor=f"proposal-{proposal.key}"), code=303)


@bp.route(PUBLIC + "/comments/<int:comment_id>/support", methods=["POST"])
@public_write("RATE_LIMIT_VOTES")
def support(comment_id: int):
    comment = owned_or_404(Comment, comment_id)
    if comment.status != "published":
        abort(404)
    try:
        added = support_comment(ensure_participant(), comment)
    except NotAccepting:
        return _not_accepting(comment.topic)
    flash(_("賛同しました。") if added else _("このご意見にはすでに賛同しています。"), "success")
    return redirect(url_for("participation.topic", slug=comment.topic.slug, _anchor=f"comment-{comment.id}"),
                    code=303)
