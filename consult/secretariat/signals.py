"""What the secretariat tells other areas, and asks them, so that it need not import them (the
analysis imports the secretariat, never the other way round).

``opinion_group_removed`` is sent by ``delete_group`` and ``merge_group`` inside their transaction,
before the group's row goes, with the group as sender, ``user`` and ``merged_into`` (the group its
comments moved to, or None when they became unassigned). A receiver lets go of its references to
the group in the same session (the analysis: the suggestion accepted into it).

``comment_marks`` is sent by the moderation list with the consultation's id as sender and
``comment_ids`` (the page's comments). A receiver returns ``{comment_id: Mark}`` read in a fixed
number of queries, whatever the page's length (the analysis: 「同じ文面 ×N」).

``comment_set`` is sent by ``parse_filter`` with the consultation's id as sender, ``name`` (a
filter field, "campaign") and ``value`` as typed. A receiver that knows the name returns a
``CommentSet`` (a subquery of comment ids and how to describe it), or None when the value names
nothing of this consultation.
"""

from dataclasses import dataclass, field
from typing import Any

from blinker import Namespace

_signals = Namespace()

opinion_group_removed = _signals.signal("opinion-group-removed")
comment_marks = _signals.signal("comment-marks")
comment_set = _signals.signal("comment-set")


@dataclass(frozen=True)
class Mark:
    """A note beside a comment in a list, with the filter arguments that list its fellows."""

    text: str
    args: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CommentSet:
    ids: Any  # a SELECT of comment ids
    label: Any
    description: str


def marks_for(consultation_id: int, comment_ids: list[int]) -> dict[int, list[Mark]]:
    found: dict[int, list[Mark]] = {}
    if not comment_ids:
        return found
    for _receiver, marks in comment_marks.send(consultation_id, comment_ids=comment_ids):
        for comment_id, mark in (marks or {}).items():
            found.setdefault(comment_id, []).append(mark)
    return found


def comment_set_for(consultation_id: int, name: str, value: str) -> CommentSet | None:
    for _receiver, found in comment_set.send(consultation_id, name=name, value=value):
        if found is not None:
            return found
    return None
