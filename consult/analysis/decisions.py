"""Staff decide on a suggestion: accept it as (draft) opinion groups, or discard it.

Opinion groups belong to one topic, a suggestion may span several: accepting makes one proposed
group per topic among its members, titled with the suggestion's terms, its draft 意見の概要 made of
the representative comments of that topic, holding those members that no opinion group holds yet
(a comment staff already grouped stays where they put it). Staff then edit and confirm each group
as they do a workshop's themes. The run itself never changes.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit import record
from ..core.errors import InvalidInput
from ..core.transactions import action
from ..extensions import db
from ..i18n import utcnow
from ..participation.models import Comment
from ..secretariat import groups as opinion_groups
from ..secretariat.models import OpinionGroup
from .models import AnalysisGroup, AnalysisPoint

SUMMARY_MAX = 4000


@dataclass
class Accepted:
    groups: list[OpinionGroup]
    assigned: int
    already_grouped: int


def member_ids(group: AnalysisGroup) -> list[int]:
    column = AnalysisPoint.subgroup_key if group.parent_key else AnalysisPoint.group_key
    return list(db.session.scalars(select(AnalysisPoint.item_id).where(
        AnalysisPoint.run_id == group.run_id, column == group.key).order_by(AnalysisPoint.item_id)))


def _undecided(group: AnalysisGroup) -> None:
    if group.decision != "open":
        raise InvalidInput({"decision": [_l("この提案はすでに採用または不採用が決まっています。")]})
    if group.run.kind != "text":
        raise InvalidInput({"decision": [_l("賛否によるグループは参照用です。意見グループにできるのは"
                                            "文章からの提案だけです。")]})


@action
def accept(user, group: AnalysisGroup) -> Accepted:
    _undecided(group)
    ids = member_ids(group)
    comments = db.session.scalars(select(Comment).where(Comment.id.in_(ids)).order_by(Comment.id)).all()
    representatives = set(group.detail.get("representatives", []))
    by_topic: dict[int, list[Comment]] = {}
    for comment in comments:
        by_topic.setdefault(comment.topic_id, []).append(comment)
    made, assigned, already = [], 0, 0
    # The topic with most members first: its group is the one the suggestion points to.
    for topic_id, members in sorted(by_topic.items(), key=lambda item: (-len(item[1]), item[0])):
        summary = "\n".join(f"・{c.body_published or c.body}" for c in members if c.id in representatives)
        opinion = OpinionGroup(topic_id=topic_id, title=(group.label or group.key)[:200], state="proposed",
                               summary=summary[:SUMMARY_MAX])
        db.session.add(opinion)
        db.session.flush()
        record(user, "opinion_group.create", "opinion_group", opinion.id,
               after={"from_analysis_run": group.run_id, "suggestion": group.key, "topic_id": topic_id})
        free = [c.id for c in members if c.opinion_group_id is None]
        already += len(members) - len(free)
        assigned += opinion_groups.assign(user, free, opinion).assigned
        made.append(opinion)
    group.decision, group.decided_by_id, group.decided_at_utc = "accepted", getattr(user, "id", None), utcnow()
    group.opinion_group_id = made[0].id if made else None
    record(user, "analysis.accept", "analysis_group", group.id,
           after={"run_id": group.run_id, "key": group.key, "opinion_group_ids": [g.id for g in made]})
    return Accepted(made, assigned, already)


@action
def discard(user, group: AnalysisGroup) -> None:
    _undecided(group)
    group.decision, group.decided_by_id, group.decided_at_utc = "discarded", getattr(user, "id", None), utcnow()
    record(user, "analysis.discard", "analysis_group", group.id, after={"run_id": group.run_id, "key": group.key})
