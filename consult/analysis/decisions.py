"""Staff decide on suggestions: accept one or several as (draft) opinion groups, or discard one.

Opinion groups belong to one topic, a suggestion may span several: accepting makes one proposed
group per topic among the members, titled with the (first) suggestion's terms or the title staff
typed, its draft 意見の概要 made of the representative comments of that topic, holding those
members that no opinion group holds yet (a comment staff already grouped stays where they put
it; a topic whose members are all grouped gets no empty group). Staff then edit and confirm each
group as they do a workshop's themes. The run itself never changes.

- **Merge**: ``accept_together`` makes one opinion group (per topic) of several suggestions,
  broad or finer; each is marked accepted and points to it. ``accept`` is the same with one.
- **Split**: accepting finer groups one by one. A broad group and its finer groups hold the same
  comments, so once one of them is accepted the other level is closed: a broad group with an
  accepted finer group can be neither accepted nor discarded (its other finer groups still can),
  and the finer groups of an accepted broad group are decided with it.
- **Undo**: a discarded suggestion can be reopened. An accepted one cannot: the opinion group is
  staff's now; deleting it on its page reopens the suggestion (merging it into another group moves
  the suggestion's link there).
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..audit import record
from ..core.errors import InvalidInput
from ..core.text import has_forbidden_characters, normalise_newlines, visible_length
from ..core.transactions import action
from ..extensions import db
from ..i18n import utcnow
from ..participation.models import Comment
from ..secretariat import groups as opinion_groups
from ..secretariat.models import OpinionGroup
from ..secretariat.signals import opinion_group_removed
from .models import AnalysisGroup, AnalysisPoint

SUMMARY_MAX = 4000
TITLE_MAX = opinion_groups.TITLE_MAX
TOGETHER_MAX = 50  # suggestions accepted together at once (a run has a few dozen)


@dataclass
class Accepted:
    groups: list[OpinionGroup]
    assigned: int
    already_grouped: int


def member_ids(group: AnalysisGroup) -> list[int]:
    column = AnalysisPoint.subgroup_key if group.parent_key else AnalysisPoint.group_key
    return list(db.session.scalars(select(AnalysisPoint.item_id).where(
        AnalysisPoint.run_id == group.run_id, column == group.key).order_by(AnalysisPoint.item_id)))


def blocked_by(group: AnalysisGroup) -> AnalysisGroup | None:
    """The group of the other level whose acceptance closes this one: an accepted broad group
    for a finer one, an accepted finer group for a broad one; None when it can be decided."""
    for other in group.run.groups:
        if other.decision != "accepted":
            continue
        if group.parent_key and other.key == group.parent_key:
            return other
        if not group.parent_key and other.parent_key == group.key:
            return other
    return None


def _check_open(group: AnalysisGroup) -> None:
    if group.run.kind != "text":
        raise InvalidInput({"decision": [_l("賛否によるグループは参照用です。意見グループにできるのは"
                                            "文章からの提案だけです。")]})
    if group.decision != "open":
        raise InvalidInput({"decision": [_l("この提案はすでに採用または不採用が決まっています。")]})
    other = blocked_by(group)
    if other is not None and group.parent_key:
        raise InvalidInput({"decision": [_l("グループ%(key)sは、上のグループ%(parent)sごと採用済みです。",
                                            key=group.key, parent=other.key)]})
    if other is not None:
        raise InvalidInput({"decision": [_l("グループ%(key)sは、細かいグループ%(child)sを採用済み（分割済み）のため、"
                                            "全体としては決められません。残りの細かいグループを採用するか、採用しないにしてください。",
                                            key=group.key, child=other.key)]})


def clean_title(raw) -> str | None:
    """The title staff typed for groups accepted together ("" or None: the first suggestion's)."""
    title = normalise_newlines(raw).strip() if isinstance(raw, str) else ""
    if not title:
        return None
    if visible_length(title) > TITLE_MAX or "\n" in title:
        raise InvalidInput({"title": [_l("グループ名は改行なしの%(max)d文字以内で入力してください。",
                                         max=TITLE_MAX)]})
    if has_forbidden_characters(title):
        raise InvalidInput({"title": [_l("グループ名に使えない制御文字が含まれています。")]})
    return title


@action
def accept(user, group: AnalysisGroup) -> Accepted:
    return accept_together(user, [group])


@action
def accept_together(user, groups: list[AnalysisGroup], title: str | None = None) -> Accepted:
    """Accept the suggestions (of one run) as one opinion group per topic among all their members."""
    chosen = list({g.id: g for g in groups}.values())
    if not chosen:
        raise InvalidInput({"groups": [_l("まとめて採用する提案を1つ以上選んでください。")]})
    if len(chosen) > TOGETHER_MAX:
        raise InvalidInput({"groups": [_l("一度にまとめられる提案は%(max)d件までです。", max=TOGETHER_MAX)]})
    if len({g.run_id for g in chosen}) > 1:
        raise InvalidInput({"groups": [_l("まとめて採用できるのは、同じ分析の提案だけです。")]})
    # Read the decisions again under a row lock: two staff accepting at once make one set of groups.
    db.session.scalars(select(AnalysisGroup).where(AnalysisGroup.id.in_([g.id for g in chosen]))
                       .with_for_update().execution_options(populate_existing=True)).all()
    for group in chosen:
        _check_open(group)
    first, keys = chosen[0], [g.key for g in chosen]
    ids = sorted({i for g in chosen for i in member_ids(g)})
    comments = db.session.scalars(select(Comment).where(Comment.id.in_(ids)).order_by(Comment.id)).all()
    representatives = {i for g in chosen for i in g.detail.get("representatives", [])}
    by_topic: dict[int, list[Comment]] = {}
    for comment in comments:
        by_topic.setdefault(comment.topic_id, []).append(comment)
    title = (title or first.label or first.key)[:TITLE_MAX]
    made, assigned, already = [], 0, 0
    # The topic with most members first: its group is the one the suggestions point to.
    for topic_id, members in sorted(by_topic.items(), key=lambda item: (-len(item[1]), item[0])):
        free = [c for c in members if c.opinion_group_id is None]
        already += len(members) - len(free)
        if not free:
            continue
        summary = "\n".join(f"・{c.body_published or c.body}" for c in free if c.id in representatives)
        opinion = OpinionGroup(topic_id=topic_id, title=title, state="proposed", summary=summary[:SUMMARY_MAX])
        db.session.add(opinion)
        db.session.flush()
        record(user, "opinion_group.create", "opinion_group", opinion.id,
               after={"from_analysis_run": first.run_id, "suggestions": keys, "topic_id": topic_id})
        assigned += opinion_groups.assign(user, [c.id for c in free], opinion).assigned
        made.append(opinion)
    if not made:
        raise InvalidInput({"decision": [_l("この提案のご意見はすべて、すでに意見グループに入っています。"
                                            "意見グループにせず「採用しない」にしてください。")]})
    now = utcnow()
    for group in chosen:
        group.decision, group.decided_by_id, group.decided_at_utc = "accepted", getattr(user, "id", None), now
        group.opinion_group_id = made[0].id
        record(user, "analysis.accept", "analysis_group", group.id,
               after={"run_id": group.run_id, "key": group.key, "opinion_group_ids": [g.id for g in made],
                      "together_with": [k for k in keys if k != group.key]})
    return Accepted(made, assigned, already)


@action
def discard(user, group: AnalysisGroup) -> None:
    _check_open(group)
    group.decision, group.decided_by_id, group.decided_at_utc = "discarded", getattr(user, "id", None), utcnow()
    record(user, "analysis.discard", "analysis_group", group.id, after={"run_id": group.run_id, "key": group.key})


@action
def reopen(user, group: AnalysisGroup) -> None:
    """A discarded suggestion back to open (an accepted one: delete its opinion group instead)."""
    if group.decision == "accepted":
        raise InvalidInput({"decision": [_l("採用した提案は元に戻せません。意見グループのページで、グループを削除してください"
                                            "（削除すると提案は未決定に戻ります）。")]})
    if group.decision != "discarded":
        raise InvalidInput({"decision": [_l("この提案はまだ決まっていません。")]})
    group.decision, group.decided_by_id, group.decided_at_utc = "open", None, None
    record(user, "analysis.reopen", "analysis_group", group.id, before={"decision": "discarded"},
           after={"run_id": group.run_id, "key": group.key, "decision": "open"})


@opinion_group_removed.connect
def _follow_the_opinion_group(opinion: OpinionGroup, *, user, merged_into: OpinionGroup | None, **_kw) -> None:
    """The suggestions accepted into a group staff delete are open again; into a group they merge
    into another, follow its comments there."""
    linked = db.session.scalars(select(AnalysisGroup).where(AnalysisGroup.opinion_group_id == opinion.id)
                                .order_by(AnalysisGroup.id)).all()
    for group in linked:
        if merged_into is not None:
            record(user, "analysis.relink", "analysis_group", group.id, before={"opinion_group_id": opinion.id},
                   after={"opinion_group_id": merged_into.id})
        else:
            record(user, "analysis.reopen", "analysis_group", group.id,
                   before={"decision": group.decision, "opinion_group_id": opinion.id},
                   after={"decision": "open", "opinion_group_id": None, "reason": "opinion_group.delete"})
    if merged_into is not None:
        db.session.execute(update(AnalysisGroup).where(AnalysisGroup.opinion_group_id == opinion.id)
                           .values(opinion_group_id=merged_into.id))
    else:
        db.session.execute(update(AnalysisGroup).where(AnalysisGroup.opinion_group_id == opinion.id)
                           .values(opinion_group_id=None, decision="open", decided_by_id=None, decided_at_utc=None))
