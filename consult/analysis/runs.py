"""Analysis runs: what goes in (a consultation's comments or votes, optionally one topic or channel),
starting one (refused while another runs, or when the input cannot be analysed), doing the work in
a job, and keeping the result. A run's result is written in one transaction at its end, so a job
killed halfway leaves every earlier result as it was."""

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app, has_request_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..consultation.models import Consultation, Proposal, Topic
from ..secretariat.stats import shown_channels
from ..core.errors import InvalidInput
from ..core.fields import parse_date
from ..core.text import nfkc
from ..extensions import db
from ..i18n import jst_day_start_utc, utcnow
from ..participation.models import Comment, Vote
from . import campaigns, text, tokenizer, votes
from .errors import AnalysisInputError
from .models import ACTIVE_STATES, RUN_KINDS, AnalysisGroup, AnalysisPoint, AnalysisRun, RunState

log = logging.getLogger(__name__)

# A job beats at every stage; one silent this long was killed (the worker died or was stopped).
STALE_AFTER = timedelta(minutes=10)
VOTE_VALUE = {"agree": 1, "disagree": -1, "pass": 0}
# The stages each kind reports, in order (the text run ends by finding copy-paste campaigns).
TEXT_STAGES = ("tokenise", "vectorise", "cluster", "label", "project", "campaigns")
VOTE_STAGES = ("matrix", "pca", "kmeans", "groups")


def as_text(message) -> str:
    """A lazy message as stored text: in the request's language, or (a job, the CLI) Japanese."""
    if has_request_context():
        return str(message)
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return str(message)


class RunRefused(Exception):
    """A run cannot start now; ``message`` says why, in the request's language."""

    def __init__(self, code: str, message):
        super().__init__(code)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Selection:
    """Which part of the consultation is analysed (None: all of it)."""

    topic_id: int | None = None
    channel: str | None = None
    # A period in JST days, both ends included, as ISO dates (kept so in the run's settings).
    date_from: str | None = None
    date_to: str | None = None

    def as_dict(self) -> dict:
        return {"topic_id": self.topic_id, "channel": self.channel, "date_from": self.date_from,
                "date_to": self.date_to}

    def received(self, column):
        """Conditions on a received-at column (UTC) for the period."""
        conditions = []
        if self.date_from:
            conditions.append(column >= jst_day_start_utc(date.fromisoformat(self.date_from)))
        if self.date_to:
            conditions.append(column < jst_day_start_utc(date.fromisoformat(self.date_to) + timedelta(days=1)))
        return conditions


def _day(value, name: str, errors: dict) -> str | None:
    if value in (None, ""):
        return None
    day = parse_date(value) if isinstance(value, str) else None
    if day is None:
        errors[name] = [_l("日付は 2014-10-01 のように年-月-日で入力してください。")]
        return None
    return day.isoformat()


def asked_selection(consultation: Consultation, kind, topic, channel, *, topic_by: str = "id",
                    date_from=None, date_to=None) -> Selection:
    """What the run form and the API ask for, checked: a kind, a topic of this consultation (by its
    id on the form, its slug in the API; empty: all), a channel of its kind (empty: all) and a
    period of received dates (JST, both included; either end may be open).
    Raises InvalidInput with a message per field."""
    errors: dict[str, list] = {}
    if kind not in RUN_KINDS:
        errors["kind"] = [_l("分析の種類を選んでください。")]
    topic_id = None
    if topic not in (None, ""):
        topics = db.session.scalars(select(Topic).where(Topic.consultation_id == consultation.id))
        topic_id = next((t.id for t in topics if isinstance(topic, str) and str(getattr(t, topic_by)) == topic), None)
        if topic_id is None:
            errors["topic"] = [_l("この意見募集の審議事項から選んでください。")]
    if channel not in (None, "") and channel not in shown_channels(consultation):
        errors["channel"] = [_l("この意見募集の提出方法から選んでください。")]
    first, last = _day(date_from, "from", errors), _day(date_to, "to", errors)
    if first and last and first > last:
        errors["to"] = [_l("期間の終わりが始まりより前になっています。")]
    if errors:
        raise InvalidInput(errors)
    return Selection(topic_id=topic_id, channel=channel or None, date_from=first, date_to=last)


def text_input(consultation: Consultation, selection: Selection) -> list[tuple[int, str]]:
    """The comments as received (hidden ones left out: spam and abuse are not opinions)."""
    q = (select(Comment.id, Comment.body).join(Topic, Comment.topic_id == Topic.id)
         .where(Topic.consultation_id == consultation.id, Comment.status != "hidden"))
    if selection.topic_id:
        q = q.where(Comment.topic_id == selection.topic_id)
    if selection.channel:
        q = q.where(Comment.channel == selection.channel)
    q = q.where(*selection.received(Comment.created_at_utc))
    return [(cid, body) for cid, body in db.session.execute(q.order_by(Comment.id))]


def vote_input(consultation: Consultation, selection: Selection) -> tuple[list[tuple[int, int, int]], list[int]]:
    q = (select(Proposal.id).join(Topic, Proposal.topic_id == Topic.id)
         .where(Topic.consultation_id == consultation.id))
    if selection.topic_id:
        q = q.where(Proposal.topic_id == selection.topic_id)
    proposal_ids = list(db.session.scalars(q.order_by(Proposal.id)))
    votes = [(pid, prop, VOTE_VALUE[value]) for pid, prop, value in db.session.execute(
        select(Vote.participant_id, Vote.proposal_id, Vote.value)
        .where(Vote.proposal_id.in_(proposal_ids), *selection.received(Vote.created_at_utc)).order_by(Vote.participant_id, Vote.proposal_id))]
    return votes, proposal_ids


def active_run(consultation_id: int) -> AnalysisRun | None:
    return db.session.scalar(select(AnalysisRun).where(AnalysisRun.consultation_id == consultation_id,
                                                       AnalysisRun.state.in_(ACTIVE_STATES)))


def _fail_stale(consultation_id: int) -> None:
    """A run whose job stopped beating was killed: mark it failed so that a new one may start."""
    limit = utcnow() - STALE_AFTER
    db.session.execute(update(AnalysisRun).where(
        AnalysisRun.consultation_id == consultation_id, AnalysisRun.state.in_(ACTIVE_STATES),
        AnalysisRun.created_at_utc < limit,
        (AnalysisRun.heartbeat_at_utc.is_(None)) | (AnalysisRun.heartbeat_at_utc < limit),
    ).values(state=RunState.FAILED.value, error_code="stopped", finished_at_utc=utcnow(),
             error_message=as_text(_l("処理が途中で止まりました（実行していたプロセスが停止しました）。"))))


# Small inputs are tokenised before any job, so that "nothing to analyse" is said on the form;
# a larger one is checked for size and sameness here and for words by the job.
PRECHECK_TOKENISE_MAX = 3000


def precheck(kind: str, consultation: Consultation, selection: Selection, settings: dict) -> int:
    """Refuse what cannot be analysed before any job exists; return the input's size."""
    if kind == "text":
        docs = text_input(consultation, selection)
        texts = [nfkc(body or "").strip() for _id, body in docs]
        minimum = text.TextSettings(**settings).min_docs
        if len(docs) < minimum:  # the count first: "no words" said of no comments would mislead
            raise AnalysisInputError("too_few", _l(
                "分析には%(minimum)d件以上のご意見が必要です。この範囲のご意見は%(count)d件です。",
                minimum=minimum, count=len(docs)))
        if len(docs) <= PRECHECK_TOKENISE_MAX:
            kept = [i for i, t in enumerate(texts) if tokenizer.tokenize(t)]
            text._check(kept, {texts[i] for i in kept}, text.TextSettings(**settings))
        else:
            text._check(list(range(len(texts))), set(texts), text.TextSettings(**settings))
        return len(docs)
    rows, proposal_ids = vote_input(consultation, selection)
    vote_settings = votes.VoteSettings(**settings)
    if not proposal_ids or not rows:
        raise AnalysisInputError("no_votes", _l("この意見募集の提案にはまだ賛否がありません。"))
    per_person: dict[int, int] = {}
    for participant_id, _proposal, _value in rows:
        per_person[participant_id] = per_person.get(participant_id, 0) + 1
    needed = min(vote_settings.min_votes, len(proposal_ids))
    enough = sum(1 for n in per_person.values() if n >= needed)
    if enough < vote_settings.min_participants:
        raise AnalysisInputError("too_few_participants", _l(
            "提案%(votes)d件以上に賛否を示した参加者が%(found)d人です。グループに分けるには%(needed)d人以上が必要です。",
            votes=needed, found=enough, needed=vote_settings.min_participants))
    return enough


def start(kind: str, consultation: Consultation, *, selection: Selection = Selection(),
          settings: dict | None = None, user=None) -> AnalysisRun:
    """Queue a run after checking its input; refused (RunRefused) while another run is active."""
    settings = settings or {}
    _fail_stale(consultation.id)
    running = active_run(consultation.id)
    if running is not None:
        raise RunRefused("running", _l("分析（実行番号 %(id)d）を実行中です。終わってからもう一度実行してください。",
                                       id=running.id))
    try:
        count = precheck(kind, consultation, selection, settings)
    except AnalysisInputError as exc:
        raise RunRefused(exc.code, exc.message) from None
    run = AnalysisRun(consultation_id=consultation.id, kind=kind, input_count=count,
                      created_by_id=getattr(user, "id", None),
                      settings_json=json.dumps({"selection": selection.as_dict(), "engine": settings},
                                               ensure_ascii=False, sort_keys=True))
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:  # another worker queued one between the check and the insert
        db.session.rollback()
        raise RunRefused("running", _l("この意見募集の分析を別に実行中です。終わってからもう一度実行してください。")) from None
    return run


def _beat(run_id: int, stage: str, fraction: float) -> None:
    """Progress on its own short transaction, so the page shows it while the job works."""
    db.session.execute(update(AnalysisRun).where(AnalysisRun.id == run_id).values(
        stage=stage, progress=round(fraction, 3), heartbeat_at_utc=utcnow()))
    db.session.commit()


def perform(run_id: int, progress: Callable[[str, float], None] | None = None) -> AnalysisRun:
    """Do a queued run's work (in a job or the CLI) and store its result in one transaction."""
    run = db.session.get(AnalysisRun, run_id)
    if run is None or run.state != RunState.QUEUED.value:
        raise LookupError(f"analysis run {run_id} is not queued")
    run.state, run.started_at_utc, run.heartbeat_at_utc = RunState.RUNNING.value, utcnow(), utcnow()
    db.session.commit()
    consultation = db.session.get(Consultation, run.consultation_id)
    asked = run.settings
    selection = Selection(**asked["selection"])

    stages = TEXT_STAGES if run.kind == "text" else VOTE_STAGES

    def report(stage: str, fraction: float = 1.0) -> None:
        """The engines report a fraction of each stage; the page shows the whole run's."""
        index = stages.index(stage) if stage in stages else len(stages) - 1
        overall = min(1.0, (index + fraction) / len(stages))
        _beat(run_id, stage, overall)
        if progress:
            progress(stage, overall)

    try:
        if run.kind == "text":
            stored = _run_text(run, consultation, selection, asked["engine"], report)
        else:
            stored = _run_votes(run, consultation, selection, asked["engine"], report)
    except AnalysisInputError as exc:
        db.session.rollback()
        return _finish_failed(run_id, exc.code, as_text(exc.message))
    except Exception:
        db.session.rollback()
        log.exception("analysis run %s failed", run_id)  # the traceback holds no comment text
        _finish_failed(run_id, "error", as_text(_l("分析が内部エラーで止まりました。サーバーのログを確認してください。")))
        raise
    return stored


def _finish_failed(run_id: int, code: str, message: str) -> AnalysisRun:
    db.session.execute(update(AnalysisRun).where(AnalysisRun.id == run_id).values(
        state=RunState.FAILED.value, error_code=code, error_message=message, finished_at_utc=utcnow()))
    db.session.commit()
    return db.session.get(AnalysisRun, run_id)


def _finish(run: AnalysisRun, groups: list[AnalysisGroup], points: list[dict], summary: dict,
            versions: dict, input_count: int) -> AnalysisRun:
    run = db.session.merge(run)
    run.groups = groups
    if points:
        db.session.execute(AnalysisPoint.__table__.insert(), [{"run_id": run.id, **p} for p in points])
    run.summary_json = json.dumps(summary, ensure_ascii=False, sort_keys=True)
    run.package_versions_json = json.dumps(versions, sort_keys=True)
    run.input_count = input_count
    run.state, run.stage, run.progress, run.finished_at_utc = RunState.DONE.value, "done", 1.0, utcnow()
    db.session.commit()
    return run


def _run_text(run, consultation, selection, settings, report) -> AnalysisRun:
    docs = text_input(consultation, selection)
    result = text.analyse_text(docs, text.TextSettings(**settings), progress=report)
    report("campaigns", 0.0)
    started = time.perf_counter()
    copies = campaigns.find_near_duplicates(docs)
    seconds = {**result.stage_seconds, "campaigns": round(time.perf_counter() - started, 4)}
    campaign_of = {}
    for n, campaign in enumerate(copies, start=1):
        for member in campaign.members:
            campaign_of[member] = f"C{n}"
    groups, broad_of, fine_of = [], {}, {}
    for position, g in enumerate(result.groups):
        groups.append(AnalysisGroup(key=g.key, parent_key=g.parent, position=position,
                                    label="・".join(g.terms), size=g.size,
                                    detail_json=json.dumps({"representatives": list(g.representatives),
                                                            "terms": list(g.terms)}, ensure_ascii=False)))
        for member in g.doc_ids:
            (fine_of if g.parent else broad_of)[member] = g.key
    points = []
    for doc_id, _body in docs:
        x, y = result.coordinates.get(doc_id, (None, None))
        points.append({"item_id": doc_id, "group_key": broad_of.get(doc_id), "subgroup_key": fine_of.get(doc_id),
                       "campaign_key": campaign_of.get(doc_id), "x": x, "y": y})
    summary = {"stage_seconds": seconds, "excluded": len(result.excluded), "silhouette": result.silhouette,
               "dims": result.dims, "vocabulary": result.vocabulary_size,
               "campaigns": [{"key": f"C{n}", "size": len(c.members), "representative": c.representative}
                             for n, c in enumerate(copies, start=1)]}
    return _finish(run, groups, points, summary, result.versions, len(docs))


def _run_votes(run, consultation, selection, settings, report) -> AnalysisRun:
    rows, proposal_ids = vote_input(consultation, selection)
    result = votes.analyse_votes(rows, proposal_ids, votes.VoteSettings(**settings), progress=report)
    groups = []
    for position, g in enumerate(result.groups):
        tallies = {str(pid): {"agree": t.agree, "disagree": t.disagree, "pass": t.passed, "share": t.agree_share}
                   for pid, t in g.proposals.items()}
        groups.append(AnalysisGroup(key=g.key, position=position, size=len(g.members),
                                    detail_json=json.dumps({"proposals": tallies}, ensure_ascii=False)))
    group_of = {m: g.key for g in result.groups for m in g.members}
    points = [{"item_id": pid, "group_key": group_of.get(pid), "x": x, "y": y}
              for pid, (x, y) in sorted(result.coordinates.items())]
    summary = {"stage_seconds": result.stage_seconds, "k": result.k, "silhouette": result.silhouette,
               "consensus": list(result.consensus), "divisive": list(result.divisive),
               "participants_used": result.participants_used,
               "divisiveness": {str(k): v for k, v in result.divisiveness.items()}}
    return _finish(run, groups, points, summary, tokenizer.package_versions(), result.participants_used)
