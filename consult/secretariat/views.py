"""The secretariat's pages. Views are thin: they parse the request, call the services with plain
values, and render or redirect (303 after every POST). Every staff view carries @requires."""


from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from ..consultation.context import STAFF
from ..auth.permissions import can, requires
from ..auth.views import add_staff_link
from ..consultation.models import Topic
from ..consultation.services import current_consultation, ward_choices
from ..core.codes import CHANNELS_BY_KIND as _BY_KIND
from ..core.errors import InvalidInput
from ..core.labels import (age_band_labels, all_response_category_labels, channel_labels, group_state_labels,
                           hide_reason_labels, relation_labels, response_category_labels, status_labels,
                           verdict_labels, vote_labels)
from ..extensions import db
from ..participation.models import Comment
from ..workshops.models import Workshop
from . import bp, charts, document, figures, flags, groups, moderation, stats
from .filters import ReviewFilter, parse_filter, small_int, status_choices
from .models import OpinionGroup

def kind_channels() -> tuple[str, ...]:
    """The channels the request's consultation takes (and the imported one if it holds imported
    comments), the review's columns; looked up once per request."""
    consultation = g.get("consultation")
    if consultation is None:
        return _BY_KIND["deliberation"]
    if "shown_channels" not in g:
        g.shown_channels = stats.shown_channels(consultation)
    return g.shown_channels

PER_PAGE = 50

add_staff_link("secretariat.dashboard", _l("ご意見の集計（区・審議事項・経路別）"), "review")
add_staff_link("secretariat.moderation_queue", _l("ご意見の確認（公開・非公開）"), "moderate")
add_staff_link("secretariat.group_list", _l("意見グループと市の考え方"), "review")
add_staff_link("secretariat.review_document", _l("検討会資料（市民意見の集計）"), "review", kinds=("deliberation",))
add_staff_link("secretariat.exports_page", _l("データの書き出し（CSV・Excel・JSON）"), "export")


# --- shared helpers ------------------------------------------------------------------------

def consultation_or_404():
    consultation = current_consultation()
    if consultation is None:
        abort(404)
    return consultation


def _page() -> int:
    page = small_int(request.args.get("page", "1"), max_digits=6)
    return page if page else 1


def first_values(source) -> dict[str, str]:
    """The first value of each argument of a MultiDict (request.args / request.form)."""
    return source.to_dict()


def filter_options(consultation_id: int) -> dict:
    """Choices of the filter form, read in a few queries."""
    topics = db.session.scalars(select(Topic).where(Topic.consultation_id == consultation_id)
                                .order_by(Topic.number)).all()
    workshops = db.session.execute(select(Workshop.id, Workshop.title).where(Workshop.consultation_id == consultation_id)
                                   .order_by(Workshop.starts_at_utc, Workshop.id)).all()
    return {"topics": topics, "wards": ward_choices(), "channels": {c: channel_labels()[c] for c in kind_channels()}, "statuses": status_choices(),
            "workshops": workshops, "groups": groups.groups_for_select(consultation_id, topics)}


def template_helpers() -> dict:
    """What every secretariat template may use (also given by the CLI, outside a request)."""
    return {"pct": figures.pct, "ci": figures.ci, "channel_labels": channel_labels(), "status_labels": status_labels(),
            "category_labels": all_response_category_labels(), "group_state_labels": group_state_labels(),
            "can": can, "channels": kind_channels()}


@bp.context_processor
def _helpers():
    helpers = template_helpers()
    consultation = g.get("consultation")
    if consultation is not None:  # a code both kinds use (reflect, other) reads as this kind's
        helpers["category_labels"] = {**helpers["category_labels"], **response_category_labels(consultation.kind)}
    return helpers


def filter_or_errors(default_status: str = "active"):
    consultation = consultation_or_404()
    try:
        return consultation, parse_filter(first_values(request.args), consultation.id, default_status=default_status), {}
    except InvalidInput as exc:
        return consultation, None, exc.errors


FILTER_FIELDS = ("topic", "ward", "channel", "workshop", "status", "group", "from", "to", "q", "campaign")


def filter_values() -> dict[str, str]:
    """The filter form's fields as sent, to show them again beside their errors."""
    return {k: request.args.get(k, "") for k in FILTER_FIELDS}


def filter_error_page(template: str, consultation, errors, **extra):
    return render_template(template, consultation=consultation, f=None, values=filter_values(), errors=errors,
                           options=filter_options(consultation.id), **extra), 422


# --- review dashboard ----------------------------------------------------------------------

@bp.route(STAFF + "/review")
@requires("review")
def dashboard():
    consultation, f, errors = filter_or_errors()
    if f is None:
        return filter_error_page("secretariat/dashboard.html", consultation, errors)
    people = stats.profiles(f)  # who took part, counted once for every participant figure
    totals = stats.totals(f, people)
    matrix = stats.topic_ward_matrix(f)
    rep = stats.representativeness(f, people)
    proposals = stats.proposals_by_ward(f)
    days = stats.over_time(f)
    channels = channel_labels()
    votes = vote_labels()
    proposal_charts = {
        p.proposal.id: charts.stacked_chart(
            [(r.label, [r.cells[v].k for v in ("agree", "disagree", "pass")]) for r in p.rows if r.n]
            + [(_("全体"), [p.total.cells[v].k for v in ("agree", "disagree", "pass")])],
            [(document.VOTE_SHORT[v], str(votes[v])) for v in ("agree", "disagree", "pass")], percent=True,
            unit="n=", title=_("提案への賛否（区別）：%(p)s", p=p.proposal.text), chart_id=f"p{p.proposal.id}")
        for p in proposals if p.total.n}
    return render_template(
        "secretariat/dashboard.html", consultation=consultation, f=f, values=f.values(), errors={},
        options=filter_options(consultation.id), totals=totals, matrix=matrix, rep=rep, proposals=proposals,
        days=days, relations=stats.relations(f, people), ages=stats.age_bands(f, people), vote_labels=votes,
        relation_labels=relation_labels(), age_band_labels=age_band_labels(), verdicts=verdict_labels(),
        channel_chart=charts.stacked_chart(
            [(_("ご意見"), [totals.comments[c] for c in kind_channels()]), (_("参加者（延べ）"), [totals.participants[c] for c in kind_channels()]),
             (_("賛否"), [totals.votes[c] for c in kind_channels()])],
            [(document.CHANNEL_SHORT.get(c, str(channels[c])), str(channels[c])) for c in kind_channels()],
            title=_("経路別のご意見・参加者・賛否の数"), chart_id="channels"),
        rep_chart=document.representativeness_chart(rep, chart_id="rep"),
        time_chart=charts.grouped_chart(
            [(f"{d.day.month}/{d.day.day}", [d.comments, d.votes]) for d in days],
            [(_("意見"), _("ご意見")), (_("賛否"), _("賛否"))], title=_("日ごとのご意見と賛否の数（日本時間）"),
            chart_id="days") if days else None,
        proposal_charts=proposal_charts)


@bp.route(STAFF + "/review/comments")
@requires("review")
def review_comments():
    consultation, f, errors = filter_or_errors()
    if f is None:
        return filter_error_page("secretariat/comments.html", consultation, errors, comments=[], total=0)
    page = _page()
    comments, total = moderation.comment_page(f, page=page, per_page=PER_PAGE)
    return render_template("secretariat/comments.html", consultation=consultation, f=f, values=f.values(),
                           errors={}, options=filter_options(consultation.id), comments=comments, total=total,
                           page=page, per_page=PER_PAGE, ward_labels=dict(ward_choices()))


# --- moderation ----------------------------------------------------------------------------

def _render_queue(consultation, f, *, errors=None, bulk_values=None, status=200):
    page = _page()
    comments, total = moderation.comment_page(f, page=page, per_page=PER_PAGE, oldest_first=True)
    found = {c.id: flags.find_flags(c.body) for c in comments}
    return render_template(
        "secretariat/moderation_queue.html", consultation=consultation, f=f, values=f.values(), errors={},
        marks=moderation.marks(consultation.id, comments),
        bulk_errors=errors or {}, bulk_values=bulk_values or {}, options=filter_options(consultation.id),
        comments=comments, total=total, page=page, per_page=PER_PAGE, flags=found,
        highlight=flags.highlight, kind_labels=flags.kind_labels(), reasons=hide_reason_labels(),
        ward_labels=dict(ward_choices()), checked=set((bulk_values or {}).get("ids_list", []))), status


@bp.route(STAFF + "/moderation")
@requires("moderate")
def moderation_queue():
    consultation = consultation_or_404()
    try:
        f = parse_filter(first_values(request.args), consultation.id, default_status="pending")
    except InvalidInput as exc:
        return filter_error_page("secretariat/moderation_queue.html", consultation, exc.errors, comments=[],
                                  total=0, bulk_errors={}, bulk_values={}, flags={}, marks={}, reasons=hide_reason_labels(),
                                  checked=set())
    return _render_queue(consultation, f)


@bp.route(STAFF + "/moderation/bulk", methods=["POST"])
@requires("moderate")
def moderation_bulk():
    consultation = consultation_or_404()
    try:
        f = parse_filter(first_values(request.form), consultation.id, default_status="pending")
    except InvalidInput:
        f = ReviewFilter(consultation_id=consultation.id, status="pending", default_status="pending")
    try:
        ids = moderation.parse_ids(request.form.getlist("ids"))
        result = moderation.bulk(current_user, ids, request.form.get("action", ""),
                                 reason=request.form.get("reason", ""), note=request.form.get("note", ""))
    except InvalidInput as exc:
        db.session.rollback()
        return _render_queue(consultation, f, errors=exc.errors, status=422,
                             bulk_values={**request.form.to_dict(), "ids_list": request.form.getlist("ids")})
    if request.form.get("action") == "publish":
        flash(_("%(n)d件を公開しました。", n=result.changed), "success")
        if result.masked:
            flash(_("うち%(n)d件は個人情報らしき記載を＊＊＊に置き換えて公開しました（原文はそのまま保存しています）。",
                    n=result.masked), "success")
    else:
        flash(_("%(n)d件を非公開にしました。", n=result.changed), "success")
    if result.skipped:
        flash(_("%(n)d件は、ほかの職員がすでに確認済みのため変更していません。", n=result.skipped), "warning")
    return redirect(url_for("secretariat.moderation_queue", **f.as_args()), code=303)


def _get_comment(comment_id: int, consultation) -> Comment:
    comment = db.session.scalar(moderation.comment_query().join(Topic, Topic.id == Comment.topic_id)
                                .where(Comment.id == comment_id, Topic.consultation_id == consultation.id))
    if comment is None:
        abort(404)
    return comment


def _render_comment(comment, *, errors=None, values=None, status=200):
    found = flags.find_flags(comment.body)
    proposed = comment.body_published if comment.body_published is not None else flags.mask(comment.body, found)
    return render_template(
        "secretariat/moderation_comment.html", comment=comment, flags=found, highlighted=flags.highlight(comment.body, found),
        kind_labels=flags.kind_labels(), reasons=hide_reason_labels(), errors=errors or {},
        personal=any(flag.personal for flag in found),
        values={"body_published": proposed, "reason": "", "note": "", "reason_original": "", **(values or {})},
        version=moderation.version(comment), ward_labels=dict(ward_choices()),
        relation_labels=relation_labels(), age_band_labels=age_band_labels()), status


@bp.route(STAFF + "/moderation/<int:comment_id>", methods=["GET", "POST"])
@requires("moderate")
def moderation_comment(comment_id: int):
    consultation = consultation_or_404()
    comment = _get_comment(comment_id, consultation)
    if request.method == "GET":
        return _render_comment(comment)
    action = request.form.get("action", "")
    seen = request.form.get("version")  # absent: no check (the pages always send it)
    try:
        if action == "publish":
            if moderation.personal_data_in(comment) and request.form.get("confirm_original") != "1":
                raise InvalidInput({"confirm_original": [_l(
                    "個人情報らしき記載があります。原文のまま公開するときは、確認の欄に印を付けてください。")]})
            moderation.publish(current_user, comment, seen=seen, reason=request.form.get("reason_original"))
            message = _("受付番号 %(r)s を原文のまま公開しました。", r=comment.receipt_no)
        elif action == "publish_edited":
            moderation.publish_edited(current_user, comment, request.form.get("body_published", ""), seen=seen)
            message = _("受付番号 %(r)s を編集した文で公開しました（原文はそのまま保存しています）。", r=comment.receipt_no)
        elif action == "hide":
            moderation.hide(current_user, comment, request.form.get("reason", ""), request.form.get("note", ""), seen=seen)
            message = _("受付番号 %(r)s を非公開にしました。", r=comment.receipt_no)
        else:
            raise InvalidInput({"action": [_l("操作を選んでください。")]})
    except InvalidInput as exc:
        db.session.rollback()
        return _render_comment(_get_comment(comment_id, consultation), errors=exc.errors,
                               values=request.form.to_dict(), status=422)
    except moderation.Conflict:
        db.session.rollback()
        return _render_comment(_get_comment(comment_id, consultation), errors={"_form": [
            _l("このご意見は、この画面を開いた後にほかの職員が操作しました。最新の状態を確認してから、もう一度操作してください。")]},
            status=409)
    flash(message, "success")
    return redirect(url_for("secretariat.moderation_comment", comment_id=comment.id), code=303)


# --- opinion groups ------------------------------------------------------------------------

@bp.route(STAFF + "/groups")
@requires("review")
def group_list():
    consultation = consultation_or_404()
    return render_template("secretariat/groups.html", overview=groups.overview(consultation.id))


def _group_or_404(group_id: int, consultation) -> OpinionGroup:
    group = groups.get_group(group_id, consultation.id)
    if group is None:
        abort(404)
    return group


def _group_form(consultation, group=None, *, values=None, errors=None, status=200):
    topics = db.session.scalars(select(Topic).where(Topic.consultation_id == consultation.id)
                                .order_by(Topic.number)).all()
    if values is None:
        values = ({"title": group.title, "summary": group.summary, "answer": group.answer,
                   "response_category": group.response_category or "", "position": str(group.position),
                   "section": groups.form_section_value(group)}
                  if group else {"topic": request.args.get("topic", ""), "position": "0"})
    return render_template("secretariat/group_form.html", group=group, topics=topics, values=values,
                           errors=errors or {}, **groups.form_choices(consultation)), status


@bp.route(STAFF + "/groups/new", methods=["GET", "POST"])
@requires("review")
def group_new():
    consultation = consultation_or_404()
    if request.method == "GET":
        return _group_form(consultation)
    try:
        values = groups.validate_group(request.form, consultation.id, with_topic=True)
    except InvalidInput as exc:
        return _group_form(consultation, values=request.form.to_dict(), errors=exc.errors, status=422)
    group = groups.create_group(current_user, values)
    flash(_("意見グループ「%(t)s」を作りました。", t=group.title), "success")
    return redirect(url_for("secretariat.group_detail", group_id=group.id), code=303)


def _render_group(group: OpinionGroup, *, errors=None, status=200):
    page = _page()
    per_page = 200
    in_group = Comment.opinion_group_id == group.id
    statuses = dict(db.session.execute(select(Comment.status, func.count()).where(in_group)
                                       .group_by(Comment.status)).all())
    comments = db.session.scalars(select(Comment).where(in_group).order_by(Comment.receipt_no)
                                  .limit(per_page).offset((page - 1) * per_page)).all()
    siblings = db.session.scalars(select(OpinionGroup).where(OpinionGroup.topic_id == group.topic_id,
                                                             OpinionGroup.id != group.id)
                                  .order_by(OpinionGroup.position, OpinionGroup.id)).all()
    return render_template("secretariat/group_detail.html", group=group, comments=comments,
                           total=sum(statuses.values()), statuses=statuses, page=page, per_page=per_page,
                           siblings=siblings, ward_labels=dict(ward_choices()), errors=errors or {}), status


@bp.route(STAFF + "/groups/<int:group_id>")
@requires("review")
def group_detail(group_id: int):
    return _render_group(_group_or_404(group_id, consultation_or_404()))


@bp.route(STAFF + "/groups/<int:group_id>/edit", methods=["GET", "POST"])
@requires("review")
def group_edit(group_id: int):
    consultation = consultation_or_404()
    group = _group_or_404(group_id, consultation)
    if request.method == "GET":
        return _group_form(consultation, group)
    try:
        values = groups.validate_group(request.form, consultation.id, with_topic=False)
    except InvalidInput as exc:
        return _group_form(consultation, group, values=request.form.to_dict(), errors=exc.errors, status=422)
    groups.update_group(current_user, group, values, confirm=request.form.get("confirm") == "1")
    flash(_("意見グループ「%(t)s」を保存しました。", t=group.title), "success")
    return redirect(url_for("secretariat.group_detail", group_id=group.id), code=303)


@bp.route(STAFF + "/groups/<int:group_id>/confirm", methods=["POST"])
@requires("review")
def group_confirm(group_id: int):
    group = _group_or_404(group_id, consultation_or_404())
    groups.confirm_group(current_user, group)
    flash(_("意見グループ「%(t)s」を確定しました。", t=group.title), "success")
    return redirect(url_for("secretariat.group_list"), code=303)


@bp.route(STAFF + "/groups/<int:group_id>/merge", methods=["POST"])
@requires("review")
def group_merge(group_id: int):
    consultation = consultation_or_404()
    source = _group_or_404(group_id, consultation)
    raw = request.form.get("target", "")
    target = groups.get_group(small_int(raw), consultation.id) if small_int(raw) is not None else None
    try:
        if target is None:
            raise InvalidInput({"target": [_l("統合先のグループを選んでください。")]})
        title, target_title = source.title, target.title
        moved = groups.merge_group(current_user, source, target)
    except InvalidInput as exc:
        db.session.rollback()
        return _render_group(_group_or_404(group_id, consultation), errors=exc.errors, status=422)
    flash(_("「%(s)s」を「%(t)s」に統合しました（%(n)d件のご意見を移しました）。", s=title, t=target_title, n=moved), "success")
    return redirect(url_for("secretariat.group_detail", group_id=target.id), code=303)


@bp.route(STAFF + "/groups/<int:group_id>/delete", methods=["POST"])
@requires("review")
def group_delete(group_id: int):
    group = _group_or_404(group_id, consultation_or_404())
    title = group.title
    freed = groups.delete_group(current_user, group)
    flash(_("意見グループ「%(t)s」を削除しました（%(n)d件のご意見は未分類に戻りました）。", t=title, n=freed), "success")
    return redirect(url_for("secretariat.group_list"), code=303)


@bp.route(STAFF + "/groups/assign", methods=["POST"])
@requires("review")
def group_assign():
    consultation = consultation_or_404()
    try:
        f = parse_filter(first_values(request.form), consultation.id)
    except InvalidInput:
        f = ReviewFilter(consultation_id=consultation.id)
    back = url_for("secretariat.review_comments", **f.as_args())
    return_group = request.form.get("return_group", "")
    if small_int(return_group) is not None:
        back = url_for("secretariat.group_detail", group_id=small_int(return_group))
    raw = request.form.get("target_group", "")
    if request.form.get("move") == "1":  # the group page's 「選んだご意見を移す」: to the group chosen there
        raw = request.form.get("move_to", "")
    try:
        ids = moderation.parse_ids(request.form.getlist("ids"))
        if raw == "none":
            group = None
        else:
            group = groups.get_group(small_int(raw), consultation.id) if small_int(raw) is not None else None
            if group is None:
                raise InvalidInput({"target_group": [_l("振り分け先の意見グループを選んでください。")]})
        result = groups.assign(current_user, ids, group)
    except InvalidInput as exc:
        db.session.rollback()
        back_group = groups.get_group(small_int(return_group), consultation.id) if small_int(return_group) else None
        if back_group is not None:
            return _render_group(back_group, errors=exc.errors, status=422)
        page = _page()
        comments, total = moderation.comment_page(f, page=page, per_page=PER_PAGE)
        return render_template("secretariat/comments.html", consultation=consultation, f=f, values=f.values(),
                               errors={}, assign_errors=exc.errors, options=filter_options(consultation.id),
                               comments=comments, total=total, page=page, per_page=PER_PAGE,
                               ward_labels=dict(ward_choices())), 422
    if group is None:
        flash(_("%(n)d件をグループから外しました。", n=result.assigned), "success")
    else:
        flash(_("%(n)d件を「%(t)s」に振り分けました。", n=result.assigned, t=group.title), "success")
    if result.other_topic:
        flash(_("%(n)d件は別の審議事項のご意見のため、振り分けていません。", n=result.other_topic), "warning")
    return redirect(back, code=303)


# --- the review document -------------------------------------------------------------------

@bp.route(STAFF + "/review/document")
@requires("review")
def review_document():
    consultation, f, errors = filter_or_errors()
    if f is None:
        return filter_error_page("secretariat/document.html", consultation, errors, doc=None)
    try:
        heading = document.read_heading(request.args)
    except InvalidInput as exc:
        return render_template("secretariat/document.html", consultation=consultation, f=f, values=f.values(),
                               errors=exc.errors, options=filter_options(consultation.id), doc=None), 422
    return render_template("secretariat/document.html", consultation=consultation, f=f, values=f.values(),
                           errors={}, options=filter_options(consultation.id), doc=document.build(f, heading=heading),
                           heading=heading,
                           vote_labels=vote_labels(), verdicts=verdict_labels(),
                           ward_labels=dict(ward_choices()))
