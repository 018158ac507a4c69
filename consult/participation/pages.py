"""The public pages citizens read: the home page with its timeline, one page per topic (its
sections, proposals with their votes, published comments) and the privacy notice."""

from flask import abort, current_app, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from sqlalchemy import func, select

from ..consultation.context import PUBLIC
from ..consultation.listing import consultation_listing
from ..consultation.services import (current_consultation, get_topic_or_404, live_proposals, live_sections,
                                     topic_page_loads, ward_choices)
from ..core.labels import age_band_labels, kind_labels, relation_labels, vote_labels
from ..edge import MAX_PAGE, query_int
from ..extensions import db
from ..pagecache import cached_page
from . import bp, identity
from .models import Comment
from .reading import published_page
from .services import (find_passage, participant_votes, participants_of, provision_path, provision_text,
                       provision_title, vote_counts, votes_total)
from .versions import home_version, topic_version


@bp.route("/")
def index():
    """Every consultation by its state; straight to the only one open when there is one."""
    listing = consultation_listing()
    if len(listing.open) == 1 and not request.args:
        return redirect(url_for("participation.home", consultation_slug=listing.open[0].slug))
    return render_template("participation/index.html", listing=listing, kind_labels=kind_labels())


@bp.route(PUBLIC + "/")
@cached_page(home_version)
def home():
    consultation = current_consultation()
    # One count per topic, each answered from the (topic_id, status, …) index alone.
    comment_counts = {t.id: db.session.scalar(select(func.count()).select_from(Comment).where(
        Comment.topic_id == t.id, Comment.status == "published")) for t in consultation.topics}
    participants = participants_of(consultation)
    votes = votes_total(consultation)  # from the tally, not a count of the vote rows
    return render_template("participation/home.html", consultation=consultation,
                           comment_counts=comment_counts, participants=participants, votes=votes)


@bp.route(PUBLIC + "/topics/<slug>")
@cached_page(topic_version)
def topic(slug: str):
    return render_topic(get_topic_or_404(slug, *topic_page_loads()))


def render_topic(topic, status: int = 200, **extra):
    """The topic page; the vote form re-renders it with its errors (status 422)."""
    choices = dict(ward_choices())
    ward = request.args.get("ward") or None
    if ward is not None and ward not in choices:
        ward = None  # an unknown filter shows everything rather than an empty page
    page = query_int(request.args, "page", 1, high=MAX_PAGE)
    if page is None:
        abort(404)  # ?page=abc or a page far beyond any consultation's comments
    per_page = current_app.config["COMMENTS_PER_PAGE"]
    comments, total = published_page(topic=topic, ward_code=ward, page=page, per_page=per_page)
    participant = identity.current_participant()
    return render_template(
        "participation/topic.html", topic=topic, consultation=topic.consultation,
        sections=live_sections(topic), proposals=live_proposals(topic),
        counts=vote_counts(topic), my_votes=participant_votes(participant, topic),
        participant=participant, comments=comments, total=total, page=page, per_page=per_page,
        ward=ward, ward_labels=choices, vote_labels=vote_labels(),
        relation_labels=relation_labels(), age_band_labels=age_band_labels(), **extra), status


@bp.route("/privacy")
def privacy():
    return render_template("participation/privacy.html", consultation=current_consultation())


@bp.route("/favicon.ico")
def favicon():
    # Browsers ask for /favicon.ico before (or without) reading the page's <link rel="icon">.
    return redirect(url_for("static", filename="img/favicon.svg"), code=301)


# --- a public comment's provisions in templates (the document page, 確認, the moderation detail) ----

@bp.app_template_global()
def marked_passage(text: str, quote: str | None) -> Markup:
    """``text`` escaped, with the passage ``quote`` (found as ``validate_comment`` finds it) in <mark>."""
    span = find_passage(text, quote) if quote else None
    if span is None:
        return escape(text)
    start, end = span
    return escape(text[:start]) + Markup("<mark>") + escape(text[start:end]) + Markup("</mark>") + escape(text[end:])


bp.add_app_template_global(provision_title, "provision_title")
bp.add_app_template_global(provision_text, "provision_text")
bp.add_app_template_global(provision_path, "provision_path")
