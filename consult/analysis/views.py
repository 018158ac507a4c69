"""The secretariat's analysis pages: the runs of a consultation and a form to start one; a run with
its progress while it works, then its map and suggested groups, each accepted or discarded by staff.

Views are thin: services in runs.py, decisions.py and reading.py; the job in jobs.py."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ..auth.permissions import requires
from ..auth.views import add_staff_link
from ..consultation.context import STAFF, owned_or_404
from ..consultation.models import Topic
from ..consultation.services import current_consultation, ward_choices, wards
from ..secretariat.stats import shown_channels
from ..core.errors import InvalidInput
from ..core.labels import age_band_labels, channel_labels, relation_labels
from ..extensions import db
from ..secretariat.filters import small_int
from . import bp, decisions, jobs, maps, reading, runs
from .models import AnalysisGroup, AnalysisRun

add_staff_link("analysis.runs_page", _l("ご意見の分析（グループの提案・賛否の傾向・同じ文面の意見）"), "review")

STAGES = {"tokenise": _l("形態素解析"), "vectorise": _l("特徴量の計算"), "cluster": _l("グループ分け"),
          "label": _l("見出し語の選定"), "project": _l("分布図の作成"), "matrix": _l("賛否の集計"),
          "pca": _l("主成分分析"), "kmeans": _l("グループ分け"), "groups": _l("グループごとの集計"),
          "campaigns": _l("同じ文面の検出")}
KINDS = {"text": _l("文章からグループを提案"), "votes": _l("賛否からグループを見る")}


def _choices(consultation):
    topics = db.session.scalars(select(Topic).where(Topic.consultation_id == consultation.id)
                                .order_by(Topic.number)).all()
    labels = channel_labels()
    return topics, [(c, labels[c]) for c in shown_channels(consultation)]


def _render_runs(consultation, values, errors=None, status=200):
    topics, channels = _choices(consultation)
    topic_choices = [(str(t.id), _("審議事項%(n)d", n=t.number) + "：" + t.title) for t in topics]
    return render_template("analysis/runs.html", consultation=consultation, runs=reading.runs_of(consultation.id),
                           kinds=KINDS.items(), kind_labels=KINDS, topic_choices=topic_choices, channels=channels,
                           values=values,
                           errors=errors or {}), status


@bp.route(STAFF + "/analysis", methods=["GET", "POST"])
@requires("review")
def runs_page():
    consultation = current_consultation()
    if request.method == "GET":
        return _render_runs(consultation, {"kind": "text"})
    values = {name: request.form.get(name, "") for name in ("kind", "topic", "channel", "from", "to")}
    try:
        selection = runs.asked_selection(consultation, values["kind"], values["topic"], values["channel"],
                                         date_from=values["from"], date_to=values["to"])
    except InvalidInput as exc:
        return _render_runs(consultation, values, exc.errors, 400)
    try:
        run = runs.start(values["kind"], consultation, user=current_user, selection=selection)
    except runs.RunRefused as exc:
        return _render_runs(consultation, values, {"_form": [exc.message]}, 409 if exc.code == "running" else 422)
    jobs.dispatch(run.id)
    return redirect(url_for("analysis.run_page", run_id=run.id), 303)


COUNT_ONCE = "once"  # ?campaigns=once: a copy-paste campaign counts as one voice


def _render_run(run: AnalysisRun, *, errors=None, status=200):
    consultation = current_consultation()
    ward = request.args.get("ward", "")
    if ward and ward not in {w.code for w in wards()}:
        abort(404)
    count = request.args.get("campaigns", "")
    if count not in ("", COUNT_ONCE):
        abort(404)
    context = {}
    if run.state == "done":
        views, whole = reading.group_views(run, one_per_campaign=count == COUNT_ONCE)
        sample = reading.map_sample(run, ward or None)
        context = dict(views=views, whole=whole, map_svg=maps.run_map(run, sample), map_drawn=len(sample.points),
                       map_total=sample.total, blocked={g.id: decisions.blocked_by(g) for g in run.groups},
                       campaign_total=len(run.summary.get("campaigns", [])), **reading.proposals_named(run))
    ward_labels = dict(ward_choices())
    return render_template(
        "analysis/run.html", consultation=consultation, run=run, ward=ward, count=count, wards=wards(), kinds=KINDS,
        stages=STAGES, ward_labels=ward_labels, errors=errors or {}, title_max=decisions.TITLE_MAX,
        together_title=request.form.get("title", "") if request.method == "POST" else "",
        together_ids=set(request.form.getlist("group")) if request.method == "POST" else set(),
        split_titles=[("ward", _("区")), ("channel", _("提出方法")) if run.kind == "text" else ("channel", _("立場")),
                      ("age", _("年代"))],
        split_labels={"ward": ward_labels, "age": age_band_labels(),
                      "channel": channel_labels(consultation.kind) if run.kind == "text" else relation_labels()},
        **context), status


@bp.route(STAFF + "/analysis/<int:run_id>")
@requires("review")
def run_page(run_id: int):
    return _render_run(owned_or_404(AnalysisRun, run_id))


def _group_or_404(run_id: int, group_id: int) -> AnalysisGroup:
    run = owned_or_404(AnalysisRun, run_id)
    group = db.session.get(AnalysisGroup, group_id)
    if group is None or group.run_id != run.id:
        abort(404)
    return group


def _refused(run_id: int, exc: InvalidInput):
    """The run page again with why (409 when the suggestions' state forbids it, else 422)."""
    db.session.rollback()
    status = 409 if "decision" in exc.errors else 422
    return _render_run(owned_or_404(AnalysisRun, run_id), errors=exc.errors, status=status)


def _accepted_message(accepted: decisions.Accepted) -> str:
    return _("提案を採用し、意見グループ案を%(n)d件作りました（ご意見%(assigned)d件を入れ、すでに別のグループにある%(kept)d件はそのままにしました）。",
             n=len(accepted.groups), assigned=accepted.assigned, kept=accepted.already_grouped)


@bp.route(STAFF + "/analysis/<int:run_id>/groups/<int:group_id>/accept", methods=["POST"])
@requires("review")
def accept(run_id: int, group_id: int):
    group = _group_or_404(run_id, group_id)
    key = group.key
    try:
        accepted = decisions.accept(current_user, group)
    except InvalidInput as exc:
        return _refused(run_id, exc)
    flash(_accepted_message(accepted), "success")
    return redirect(url_for("analysis.run_page", run_id=run_id, _anchor=f"g-{key}"), 303)


@bp.route(STAFF + "/analysis/<int:run_id>/accept-together", methods=["POST"])
@requires("review")
def accept_together(run_id: int):
    run = owned_or_404(AnalysisRun, run_id)
    raw = request.form.getlist("group")
    ids = [small_int(value) for value in raw]
    by_id = {g.id: g for g in run.groups}
    if any(i is None or i not in by_id for i in ids):
        abort(404)  # not a suggestion of this run (another run's or consultation's, or no id at all)
    try:
        title = decisions.clean_title(request.form.get("title"))
        if len(set(ids)) < 2:
            raise InvalidInput({"groups": [_l("まとめて採用する提案を2つ以上選んでください（1つなら、その提案の「意見グループ案として採用」を押してください）。")]})
        chosen = [by_id[i] for i in ids]
        key = chosen[0].key
        accepted = decisions.accept_together(current_user, chosen, title)
    except InvalidInput as exc:
        return _refused(run_id, exc)
    flash(_accepted_message(accepted), "success")
    return redirect(url_for("analysis.run_page", run_id=run_id, _anchor=f"g-{key}"), 303)


@bp.route(STAFF + "/analysis/<int:run_id>/groups/<int:group_id>/discard", methods=["POST"])
@requires("review")
def discard(run_id: int, group_id: int):
    group = _group_or_404(run_id, group_id)
    key = group.key
    try:
        decisions.discard(current_user, group)
    except InvalidInput as exc:
        return _refused(run_id, exc)
    flash(_("提案を不採用にしました。"), "success")
    return redirect(url_for("analysis.run_page", run_id=run_id, _anchor=f"g-{key}"), 303)


@bp.route(STAFF + "/analysis/<int:run_id>/groups/<int:group_id>/reopen", methods=["POST"])
@requires("review")
def reopen(run_id: int, group_id: int):
    group = _group_or_404(run_id, group_id)
    key = group.key
    try:
        decisions.reopen(current_user, group)
    except InvalidInput as exc:
        return _refused(run_id, exc)
    flash(_("提案を未決定に戻しました。"), "success")
    return redirect(url_for("analysis.run_page", run_id=run_id, _anchor=f"g-{key}"), 303)
