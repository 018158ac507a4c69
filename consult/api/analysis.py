"""The analysis runs as JSON, for the secretariat's scripts: list, read, export and start runs.

Staff routes: the same signed-in session as the staff pages and the same check (``requires("review")``
and the consultation from the URL; a run of another consultation is a 404). Under /api/ a visitor who
is not signed in gets a JSON 401, not the login page. The one write (starting a run) is a
cookie-authenticated POST, so it needs the session's CSRF token in an ``X-CSRFToken`` header (the
token every staff page carries in its forms) — the public API's writes need none, this one does.

The figures come from the services the pages use (runs.py, reading.py, exports.py); nothing here
counts anything itself."""

from flask import Response, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..analysis import exports, jobs, reading, runs
from ..analysis.models import AnalysisRun
from ..auth.permissions import requires
from ..consultation.context import API, owned_or_404
from ..consultation.models import Proposal, Topic
from ..consultation.services import current_consultation
from ..core.errors import InvalidInput
from ..extensions import csrf, db
from ..security import refuse_cross_site
from . import bp
from .views import _invalid, _iso

RUNS = API + "/analysis/runs"
MAX_SEED = 2**31 - 1


def _topic_slugs(consultation) -> dict[int, str]:
    return dict(db.session.execute(select(Topic.id, Topic.slug).where(Topic.consultation_id == consultation.id)).all())


def _run_json(run: AnalysisRun, slugs: dict[int, str]) -> dict:
    settings = run.settings
    selection = settings.get("selection", {})
    return {
        "id": run.id, "kind": run.kind, "state": run.state, "stage": run.stage or "", "progress": run.progress,
        "input_count": run.input_count,
        "created_at": _iso(run.created_at_utc), "started_at": _iso(run.started_at_utc),
        "finished_at": _iso(run.finished_at_utc),
        "selection": {"topic": slugs.get(selection.get("topic_id")), "channel": selection.get("channel"),
                      "from": selection.get("date_from"), "to": selection.get("date_to")},
        "settings": settings, "summary": run.summary, "versions": run.package_versions,
        "error": {"code": run.error_code, "message": run.error_message} if run.state == "failed" else None,
        "url": url_for("api.analysis_run", run_id=run.id, _external=True),
        "page": url_for("analysis.run_page", run_id=run.id, _external=True),
        "export": url_for("api.analysis_export", run_id=run.id, _external=True) if run.state == "done" else None,
    }


def _split_json(split: reading.Split) -> list[dict]:
    return [{"value": value, "count": n} for value, n in split.counts.most_common()]


def _flat(views: list[reading.GroupView]):
    for view in views:
        yield view
        yield from _flat(view.children)


def _group_json(view: reading.GroupView, whole: dict, slugs: dict[int, str], proposal_keys: dict[int, str]) -> dict:
    g = view.group
    detail = g.detail
    return {
        "id": g.id, "key": g.key, "parent": g.parent_key, "label": g.label, "size": g.size,
        "decision": g.decision, "opinion_group": g.opinion_group_id, "terms": detail.get("terms", []),
        # By 受付番号 and our own id; the text is the moderator's masked copy where there is one.
        "representatives": [{"id": c.id, "receipt_no": c.receipt_no, "text": c.public_text}
                            for c in view.representatives],
        "splits": {name: _split_json(split) for name, split in view.splits.items()},
        "over": {name: split.over(whole[name]) for name, split in view.splits.items()},
        "topics": [{"topic": slugs.get(tid), "count": n} for tid, n in view.topics.most_common()],
        "campaign_members": view.campaign_members,
        "proposals": [{"proposal": proposal_keys.get(int(pid)), **tally}
                      for pid, tally in sorted(detail.get("proposals", {}).items(), key=lambda kv: int(kv[0]))],
    }


@bp.get(RUNS)
@requires("review")
def analysis_runs():
    consultation = current_consultation()
    slugs = _topic_slugs(consultation)
    return jsonify(consultation=consultation.slug, runs=[_run_json(r, slugs) for r in reading.runs_of(consultation.id)])


@bp.get(RUNS + "/<int:run_id>")
@requires("review")
def analysis_run(run_id: int):
    run = owned_or_404(AnalysisRun, run_id)
    slugs = _topic_slugs(current_consultation())
    body = _run_json(run, slugs)
    body.update(groups=[], whole=None, consensus=[], divisive=[])
    if run.state == "done":
        views, whole = reading.group_views(run)
        named = reading.proposals_named(run)
        wanted = {int(pid) for g in run.groups for pid in g.detail.get("proposals", {})}
        keys = dict(db.session.execute(select(Proposal.id, Proposal.key).where(Proposal.id.in_(wanted))).all()) \
            if wanted else {}
        body.update(groups=[_group_json(v, whole, slugs, keys) for v in _flat(views)],
                    whole={name: _split_json(split) for name, split in whole.items()},
                    consensus=[p.key for p in named["proposals_consensus"]],
                    divisive=[p.key for p in named["proposals_divisive"]])
    return jsonify(body)


def _not_finished():
    return jsonify(error="not_finished", message=_("この分析はまだ終わっていません。終わってから書き出してください。")), 409


@bp.get(RUNS + "/<int:run_id>/export.json")
@requires("review")
def analysis_export(run_id: int):
    """The document `flask analysis export RUN_ID --format json` writes, byte for byte (audit-logged)."""
    run = owned_or_404(AnalysisRun, run_id)
    if run.state != "done":
        return _not_finished()
    return Response(exports.export(run, "json", user=current_user), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="analysis-run-{run.id}.json"'})


@bp.get(RUNS + "/<int:run_id>/export.csv")
@requires("review")
def analysis_export_csv(run_id: int):
    """A text run in kouchou-ai's result CSV layout, as the CLI writes it (audit-logged)."""
    run = owned_or_404(AnalysisRun, run_id)
    if run.state != "done":
        return _not_finished()
    try:
        data = exports.export(run, "csv", user=current_user)
    except InvalidInput as exc:
        return _invalid(exc)
    return Response(data, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="analysis-run-{run.id}.csv"'})


def _staff_write() -> None:
    """A cookie-authenticated write: from our own site, with the session's CSRF token (400 without)."""
    refuse_cross_site()
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()


def _seed(data: dict, errors: dict) -> dict:
    if "seed" not in data or data["seed"] is None:
        return {}
    seed = data["seed"]
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        errors["seed"] = [_("乱数の種（seed）は0以上%(max)d以下の整数で指定してください。", max=MAX_SEED)]
        return {}
    return {"seed": seed}


@bp.post(RUNS)
@requires("review")
def analysis_start():
    """Start a run as the form does; 202 with the run, which a job then does (poll its URL)."""
    _staff_write()
    if not request.is_json:
        return jsonify(error="unsupported_media_type", message=_("JSON（application/json）で送信してください。")), 415
    data = request.get_json()  # malformed JSON: a 400 from the loader
    consultation = current_consultation()
    try:
        if not isinstance(data, dict):
            raise InvalidInput({"_body": [_("JSONオブジェクトを送信してください。")]})
        errors: dict = {}
        settings = _seed(data, errors)
        kind = data.get("kind", "text")
        try:
            selection = runs.asked_selection(consultation, kind, data.get("topic"), data.get("channel"),
                                             topic_by="slug", date_from=data.get("from"), date_to=data.get("to"))
        except InvalidInput as exc:
            errors = {**exc.errors, **errors}
        if errors:
            raise InvalidInput(errors)
    except InvalidInput as exc:
        return _invalid(exc)
    try:
        run = runs.start(kind, consultation, selection=selection, settings=settings, user=current_user)
    except runs.RunRefused as exc:
        status = 409 if exc.code == "running" else 422
        return jsonify(error=exc.code, message=str(exc.message)), status
    jobs.dispatch(run.id)
    url = url_for("api.analysis_run", run_id=run.id, _external=True)
    return jsonify(_run_json(run, _topic_slugs(consultation))), 202, {"Location": url}
