"""The topics' content: a topic's staff page, its sections (revisions, diffs, the public history)
and its proposals."""

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ...consultation.context import PUBLIC, STAFF
from ...auth.permissions import requires
from ...consultation.models import Proposal, Section
from ...consultation.services import live_sections
from ...core.errors import InvalidInput
from ...core.labels import receipt_status_labels
from ...extensions import db
from .. import bp, revisions, services
from ..services import Conflict
from .common import EDIT, change_on_topic, edit_form, done, get_or_404, topic_or_404


# --- topics, sections ---------------------------------------------------------------------------

def _render_topic(topic, *, proposal_values=None, errors=None, status=200):
    return render_template("editing/topic.html", topic=topic, consultation=topic.consultation,
                           usage=services.proposal_usage(topic.proposals),
                           proposal_values=proposal_values or {"text": "", "key": ""},
                           errors=errors or {}), status


@bp.route(STAFF + "/topics/<slug>")
@requires(EDIT)
def topic(slug: str):
    return _render_topic(topic_or_404(slug))


@bp.route(STAFF + "/topics/<slug>/settings", methods=["GET", "POST"])
@requires(EDIT)
def topic_settings(slug: str):
    topic = topic_or_404(slug)
    return edit_form("editing/topic_form.html", {"topic": topic}, services.topic_values(topic),
                     lambda form, user: services.update_topic(topic, form, user),
                     lambda changed: done(_("審議事項を保存しました。") if changed else _("変更はありませんでした。"),
                                          ".topic", slug=topic.slug))


def _section_form(topic, section, values, errors=None, status=200, message=None, previewed=False):
    return render_template("editing/section_form.html", topic=topic, section=section, values=values,
                           errors=errors or {}, message=message, previewed=previewed,
                           preview=services.safe_markdown(values.get("body", ""))), status


SECTION_FIELDS = ("heading", "body", "note", "anchor", "base_revision")


@bp.route(STAFF + "/topics/<slug>/sections/new", methods=["GET", "POST"])
@requires(EDIT)
def section_new(slug: str):
    topic = topic_or_404(slug)
    if request.method == "GET":
        return _section_form(topic, None, dict.fromkeys(SECTION_FIELDS, ""))
    values = {name: request.form.get(name, "") for name in SECTION_FIELDS}
    if request.form.get("action") == "preview":
        return _section_form(topic, None, values, previewed=True)
    try:
        section = services.add_section(topic, request.form, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        return _section_form(topic, None, values, exc.errors, 422)
    return done(_("節「%(heading)s」を追加しました（アンカー #%(anchor)s）。", heading=section.current.heading,
                   anchor=section.anchor), ".topic", slug=topic.slug, _anchor=f"section-{section.id}")


@bp.route(STAFF + "/sections/<int:section_id>", methods=["GET", "POST"])
@requires(EDIT)
def section_edit(section_id: int):
    section = get_or_404(Section, section_id)
    topic = section.topic
    if request.method == "GET":
        current = section.current
        return _section_form(topic, section, {"heading": current.heading, "body": current.body, "note": "",
                                              "anchor": section.anchor, "base_revision": str(current.number)})
    values = {name: request.form.get(name, "") for name in SECTION_FIELDS}
    if request.form.get("action") == "preview":
        return _section_form(topic, section, values, previewed=True)
    try:
        revision = services.revise_section(section, request.form, current_user,
                                           base_number=request.form.get("base_revision"))
    except InvalidInput as exc:
        db.session.rollback()
        return _section_form(topic, section, values, exc.errors, 422)
    except Conflict as exc:
        db.session.rollback()
        return _section_form(topic, section, values, status=409, message=exc.message)
    if revision is None:
        return done(_("本文と見出しに変更がなかったため、新しい版は作りませんでした。"), ".topic", slug=topic.slug,
                     _anchor=f"section-{section.id}")
    return done(_("「%(heading)s」を第%(n)d版として保存しました。", heading=revision.heading, n=revision.number),
                 ".topic", slug=topic.slug, _anchor=f"section-{section.id}")


@bp.route(STAFF + "/sections/<int:section_id>/move", methods=["POST"])
@requires(EDIT)
def section_move(section_id: int):
    section = get_or_404(Section, section_id)
    direction = request.form.get("direction", "")
    return change_on_topic(lambda s, user: services.move_section(s, direction, user), section, section.topic,
                           f"section-{section.id}",
                           lambda moved: _("節の順番を変えました。") if moved else _("これ以上は移動できません。"))


@bp.route(STAFF + "/sections/<int:section_id>/retire", methods=["POST"])
@requires(EDIT)
def section_retire(section_id: int):
    return _retire_or_restore(section_id, services.retire_section,
                              _l("節「%(heading)s」を廃止しました。公開ページには表示されません。寄せられたご意見はそのまま残ります。"))


@bp.route(STAFF + "/sections/<int:section_id>/restore", methods=["POST"])
@requires(EDIT)
def section_restore(section_id: int):
    return _retire_or_restore(section_id, services.restore_section, _l("節「%(heading)s」を復活させました。"))


def _retire_or_restore(section_id: int, change, message):
    section = get_or_404(Section, section_id)
    return change_on_topic(change, section, section.topic, f"section-{section.id}",
                           lambda _result: message % {"heading": section.current.heading})


@bp.route(STAFF + "/sections/<int:section_id>/history")
@requires(EDIT)
def section_history(section_id: int):
    section = get_or_404(Section, section_id)
    return render_template("editing/history.html", section=section, topic=section.topic,
                           per_revision=services.comments_by_revision(section),
                           comments=services.section_comments(section), status_labels=receipt_status_labels())


def _diff_pair(section):
    """The two revisions asked for (?a=&b=), by default the one before the current and the current."""
    current = section.current.number
    a = request.args.get("a", str(max(current - 1, 1)))
    b = request.args.get("b", str(current))
    old, new = revisions.revision_of(section, a), revisions.revision_of(section, b)
    if old is None or new is None:
        abort(404)
    if old.number > new.number:
        old, new = new, old
    return old, new


@bp.route(STAFF + "/sections/<int:section_id>/diff")
@requires(EDIT)
def section_diff(section_id: int):
    section = get_or_404(Section, section_id)
    old, new = _diff_pair(section)
    return render_template("editing/diff.html", section=section, topic=section.topic,
                           diff=revisions.compare(old, new), staff=True)


@bp.route(STAFF + "/sections/<int:section_id>/revisions/<int:number>")
@requires(EDIT)
def section_revision(section_id: int, number: int):
    section = get_or_404(Section, section_id)
    revision = revisions.revision_of(section, number)
    if revision is None:
        abort(404)
    return render_template("editing/revision.html", section=section, topic=section.topic, revision=revision,
                           rendered=services.safe_markdown(revision.body))


@bp.route(PUBLIC + "/topics/<slug>/sections/<anchor>/history")
def public_history(slug: str, anchor: str):
    """Public: every revision of one section, with what changed between two of them."""
    topic = topic_or_404(slug)
    section = next((s for s in topic.sections if s.anchor == anchor), None)
    if section is None:
        abort(404)
    old, new = _diff_pair(section)
    return render_template("editing/public_history.html", section=section, topic=topic,
                           consultation=topic.consultation, diff=revisions.compare(old, new),
                           live=section in live_sections(topic))


# --- proposals ----------------------------------------------------------------------------------

@bp.route(STAFF + "/topics/<slug>/proposals", methods=["POST"])
@requires(EDIT)
def proposal_add(slug: str):
    topic = topic_or_404(slug)
    try:
        proposal = services.add_proposal(topic, request.form, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        return _render_topic(topic, proposal_values=request.form.to_dict(), errors=exc.errors, status=422)
    return done(_("提案を追加しました（キー %(key)s）。", key=proposal.key), ".topic", slug=topic.slug,
                 _anchor=f"proposal-{proposal.id}")


@bp.route(STAFF + "/proposals/<int:proposal_id>", methods=["GET", "POST"])
@requires(EDIT)
def proposal_edit(proposal_id: int):
    proposal = get_or_404(Proposal, proposal_id)
    usage = services.proposal_usage([proposal])[proposal.id]
    context = {"proposal": proposal, "topic": proposal.topic, "usage": usage}
    return edit_form("editing/proposal_form.html", context, {"text": proposal.text},
                     lambda form, user: services.update_proposal(proposal, form, user),
                     lambda changed: _proposal_saved(proposal, changed),
                     submitted=lambda form: {"text": form.get("text", "")})


def _proposal_saved(proposal, changed):
    return done(_("提案文を保存しました。") if changed else _("変更はありませんでした。"), ".topic",
                 slug=proposal.topic.slug, _anchor=f"proposal-{proposal.id}")


@bp.route(STAFF + "/proposals/<int:proposal_id>/move", methods=["POST"])
@requires(EDIT)
def proposal_move(proposal_id: int):
    proposal = get_or_404(Proposal, proposal_id)
    direction = request.form.get("direction", "")
    return change_on_topic(lambda p, user: services.move_proposal(p, direction, user), proposal, proposal.topic,
                           f"proposal-{proposal.id}",
                           lambda moved: _("提案の順番を変えました。") if moved else _("これ以上は移動できません。"))


@bp.route(STAFF + "/proposals/<int:proposal_id>/withdraw", methods=["POST"])
@requires(EDIT)
def proposal_withdraw(proposal_id: int):
    proposal = get_or_404(Proposal, proposal_id)
    return change_on_topic(services.withdraw_proposal, proposal, proposal.topic, f"proposal-{proposal.id}",
                           _("提案を取り下げました。公開ページには表示されず、賛否も受け付けません。これまでの賛否の記録は残ります。"))


@bp.route(STAFF + "/proposals/<int:proposal_id>/restore", methods=["POST"])
@requires(EDIT)
def proposal_restore(proposal_id: int):
    proposal = get_or_404(Proposal, proposal_id)
    return change_on_topic(services.restore_proposal, proposal, proposal.topic, f"proposal-{proposal.id}",
                           _("提案を戻しました。"))


@bp.route(STAFF + "/proposals/<int:proposal_id>/delete", methods=["POST"])
@requires(EDIT)
def proposal_delete(proposal_id: int):
    proposal = get_or_404(Proposal, proposal_id)
    return change_on_topic(services.delete_proposal, proposal, proposal.topic, "proposals", _("提案を削除しました。"))


