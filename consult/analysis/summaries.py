"""What other areas print of the analysis, read from the stored runs so that every figure can be
traced to the run that made it (its id, time, input count, settings and package versions):

- the review document's 「賛否によるグループ（参考）」: the latest finished votes run of the
  consultation, with each group's size and ward split and its agree share on the consensus and the
  divisive proposals (``vote_groups_part``);
- for the opinion groups made by accepting a text suggestion, the run they came from
  (``group_traces``, from the audit record each accepted group got);
- the public results' summary of the same run (``public_vote_groups``), without the groups too
  small to show.

The review document is filled through ``secretariat.document.document_built`` (the secretariat
does not import the analysis); the results page calls ``public_vote_groups`` itself.
"""

from dataclasses import fields

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..audit.models import AuditEvent
from ..consultation.models import Consultation, Proposal, Topic
from ..consultation.services import ward_choices
from ..extensions import db
from ..participation.models import Participant
from ..secretariat.document import (Document, GroupTrace, VoteGroupColumn, VoteGroupsPart, VoteProposalLine,
                                    document_built)
from .models import AnalysisGroup, AnalysisPoint, AnalysisRun, RunState
from .votes import VoteSettings

# The public page shows no group of fewer than PUBLIC_MIN_GROUP participants, and no agree share
# counted from fewer than PUBLIC_MIN_VOTERS voters: with three people in a group, "67 % agree" says
# how two of them voted, and anyone who knows one member learns more. Such groups are counted
# together (their number and participants only). The staff's review document shows every group:
# the meeting reads it with the run at hand. Five is a common small-cell threshold of published
# statistics, chosen here as a safe default rather than taken from a rule of the city. No ward split
# and no map are published: both would place single participants.
PUBLIC_MIN_GROUP = 5
PUBLIC_MIN_VOTERS = 5


def latest_votes_run(consultation_id: int) -> AnalysisRun | None:
    return db.session.scalar(
        select(AnalysisRun).where(AnalysisRun.consultation_id == consultation_id, AnalysisRun.kind == "votes",
                                  AnalysisRun.state == RunState.DONE.value)
        .order_by(AnalysisRun.finished_at_utc.desc(), AnalysisRun.id.desc()).limit(1))


def settings_text(run: AnalysisRun) -> str:
    """The run's selection and engine settings in a few words (defaults filled in)."""
    asked = run.settings
    known = {f.name for f in fields(VoteSettings)}
    engine = VoteSettings(**{k: v for k, v in asked.get("engine", {}).items() if k in known})
    topic_id = asked.get("selection", {}).get("topic_id")
    topic = db.session.get(Topic, topic_id) if topic_id else None
    scope = _l("審議事項%(n)dの提案", n=topic.number) if topic is not None else _l("すべての提案")
    chosen = asked.get("selection", {})
    if chosen.get("date_from") or chosen.get("date_to"):
        scope = _l("%(scope)s（%(start)s〜%(end)sの賛否）", scope=scope, start=chosen.get("date_from") or "",
                   end=chosen.get("date_to") or "")
    summary = run.summary
    return str(_l("%(scope)s、賛否%(v)d件以上（提案がそれより少なければすべて）の参加者、グループ数%(a)d〜%(b)dから"
                  "%(k)dを選択（シルエット係数 %(s).2f、乱数の種 %(seed)d）",
                  scope=scope, v=engine.min_votes, a=engine.k_min, b=engine.k_max, k=summary.get("k", len(run.groups)),
                  s=summary.get("silhouette") or 0.0, seed=engine.seed))


def _ward_counts(run: AnalysisRun) -> dict[str, dict[str | None, int]]:
    rows = db.session.execute(
        select(AnalysisPoint.group_key, Participant.ward_code, func.count())
        .join(Participant, Participant.id == AnalysisPoint.item_id)
        .where(AnalysisPoint.run_id == run.id, AnalysisPoint.group_key.is_not(None))
        .group_by(AnalysisPoint.group_key, Participant.ward_code)).all()
    counts: dict[str, dict[str | None, int]] = {}
    for key, ward, n in rows:
        counts.setdefault(key, {})[ward] = n
    return counts


def _numbering(proposal_ids: list[int]) -> dict[int, tuple[Proposal, int, int | None]]:
    """Proposal id → (proposal, topic number, 提案n as the document numbers the topic's live proposals)."""
    if not proposal_ids:
        return {}
    topic_ids = select(Proposal.topic_id).where(Proposal.id.in_(proposal_ids))
    rows = db.session.execute(
        select(Proposal, Topic.number).join(Topic, Topic.id == Proposal.topic_id)
        .where(Proposal.topic_id.in_(topic_ids))
        .order_by(Topic.number, Proposal.position, Proposal.id)).all()
    found, seen = {}, {}
    for proposal, topic_number in rows:
        number = None
        if proposal.withdrawn_at_utc is None:
            seen[topic_number] = seen.get(topic_number, 0) + 1
            number = seen[topic_number]
        found[proposal.id] = (proposal, topic_number, number)
    return found


def _share(tally: dict | None, min_voters: int) -> float | None:
    if not tally:
        return None
    voters = tally.get("agree", 0) + tally.get("disagree", 0) + tally.get("pass", 0)
    return tally.get("agree", 0) / voters if voters and voters >= min_voters else None


def vote_groups_part(run: AnalysisRun, *, public: bool = False) -> VoteGroupsPart:
    """The run as the document (or, with ``public``, the results page) prints it."""
    groups = sorted((g for g in run.groups if g.parent_key is None), key=lambda g: g.position)
    shown = [g for g in groups if not public or g.size >= PUBLIC_MIN_GROUP]
    hidden = [g for g in groups if g not in shown]
    wards = {} if public else _ward_counts(run)  # the public page has no ward split
    summary = run.summary
    consensus, divisive = summary.get("consensus", []), summary.get("divisive", [])
    named = _numbering(consensus + divisive)
    min_voters = PUBLIC_MIN_VOTERS if public else 1

    def lines(ids, with_spread):
        out = []
        for pid in ids:
            if pid not in named:
                continue
            proposal, topic_number, number = named[pid]
            shares = [_share(g.detail.get("proposals", {}).get(str(pid)), min_voters) for g in shown]
            spread = summary.get("divisiveness", {}).get(str(pid)) if with_spread else None
            out.append(VoteProposalLine(proposal, topic_number, number, shares, spread))
        return out

    labels = dict(ward_choices()) if wards else {}  # (the labels need the request's language)
    present = {code for counts in wards.values() for code, n in counts.items() if n}
    columns = [(code, label) for code, label in labels.items() if code in present]
    columns += [(code, code or str(_l("回答なし"))) for code in sorted(present - set(labels), key=str)]
    versions = run.package_versions
    return VoteGroupsPart(
        run_id=run.id, finished_at_utc=run.finished_at_utc, participants=run.input_count or 0,
        settings_text=settings_text(run), versions_text=", ".join(f"{k} {v}" for k, v in sorted(versions.items())),
        groups=[VoteGroupColumn(g.key, g.size, wards.get(g.key, {})) for g in shown],
        consensus=sorted(lines(consensus, False), key=lambda line: (line.topic_number, line.number or 0)),
        divisive=lines(divisive, True), ward_columns=columns,  # divisive: most divided first
        hidden_groups=len(hidden), hidden_participants=sum(g.size for g in hidden))


def public_vote_groups(consultation: Consultation) -> VoteGroupsPart | None:
    """The results page's summary of the latest votes run; None without one, or when every group is
    too small to show."""
    run = latest_votes_run(consultation.id)
    if run is None:
        return None
    part = vote_groups_part(run, public=True)
    return part if part.groups else None


def group_traces(opinion_group_ids: list[int]) -> dict[int, GroupTrace]:
    """Opinion group id → the run it was accepted from. Accepting writes one audit event per group it
    makes, naming the run (decisions.accept); the suggestion's own link names the first group."""
    if not opinion_group_ids:
        return {}
    run_of: dict[int, int] = {}
    events = db.session.execute(
        select(AuditEvent.target_id, AuditEvent.after).where(
            AuditEvent.action == "opinion_group.create", AuditEvent.target_type == "opinion_group",
            AuditEvent.target_id.in_([str(i) for i in opinion_group_ids]))).all()
    for target, after in events:
        if isinstance(after, dict) and isinstance(after.get("from_analysis_run"), int) and target.isdigit():
            run_of[int(target)] = after["from_analysis_run"]
    for group_id, run_id in db.session.execute(
            select(AnalysisGroup.opinion_group_id, AnalysisGroup.run_id)
            .where(AnalysisGroup.opinion_group_id.in_(opinion_group_ids))):
        run_of.setdefault(group_id, run_id)
    if not run_of:
        return {}
    runs = {r.id: r for r in db.session.scalars(select(AnalysisRun).where(AnalysisRun.id.in_(set(run_of.values()))))}
    return {gid: GroupTrace(rid, runs[rid].finished_at_utc, runs[rid].input_count or 0)
            for gid, rid in run_of.items() if rid in runs and runs[rid].finished_at_utc is not None}


@document_built.connect
def add_to_document(document: Document, **_extra) -> None:
    """The review document's vote-group section (nothing without a finished votes run) and the trace
    of every opinion group it prints that came from an analysis suggestion."""
    run = latest_votes_run(document.consultation.id)
    if run is not None:
        document.vote_groups = vote_groups_part(run)
    document.group_traces = group_traces([line.group.id for part in document.topics for line in part.groups])
