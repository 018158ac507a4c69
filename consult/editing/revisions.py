"""A section's revisions compared: line by line (difflib), and character by character inside a
changed line — Japanese has no spaces between words, so a word diff would mark whole sentences.

The result is plain data; the template shows it as a table whose rows say in words what happened
(追加 / 削除 / 変更前 / 変更後) and mark the changed characters with <ins> and <del>, so that
nothing depends on colour.
"""

from dataclasses import dataclass, field
from difflib import SequenceMatcher

from ..consultation.models import Section, SectionRevision

CONTEXT = 3  # unchanged lines kept around each change; longer runs fold into one row
PAIR_RATIO = 0.3  # below this similarity a changed line is shown as removed + added, whole


@dataclass
class Segment:
    kind: str  # equal | insert | delete
    text: str


@dataclass
class DiffLine:
    kind: str  # equal | insert | delete | old | new | skip
    old_no: int | None = None
    new_no: int | None = None
    segments: list[Segment] = field(default_factory=list)
    skipped: int = 0  # for kind "skip": how many unchanged lines are folded


@dataclass
class Diff:
    old: SectionRevision
    new: SectionRevision
    heading_old: list[Segment]
    heading_new: list[Segment]
    lines: list[DiffLine]

    @property
    def heading_changed(self) -> bool:
        return self.old.heading != self.new.heading

    @property
    def added(self) -> int:
        return sum(1 for x in self.lines if x.kind in ("insert", "new"))

    @property
    def removed(self) -> int:
        return sum(1 for x in self.lines if x.kind in ("delete", "old"))

    @property
    def identical(self) -> bool:
        return not self.heading_changed and self.old.body == self.new.body


def char_diff(a: str, b: str) -> tuple[list[Segment], list[Segment]]:
    """The old line's segments (equal/delete) and the new line's (equal/insert)."""
    old: list[Segment] = []
    new: list[Segment] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            old.append(Segment("equal", a[i1:i2]))
            new.append(Segment("equal", b[j1:j2]))
        else:
            if i2 > i1:
                old.append(Segment("delete", a[i1:i2]))
            if j2 > j1:
                new.append(Segment("insert", b[j1:j2]))
    return old, new


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").split("\n")


def line_diff(a_text: str, b_text: str, context: int = CONTEXT) -> list[DiffLine]:
    a, b = _lines(a_text), _lines(b_text)
    rows: list[DiffLine] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            for k in range(i2 - i1):
                rows.append(DiffLine("equal", i1 + k + 1, j1 + k + 1, [Segment("equal", a[i1 + k])]))
        elif op == "delete":
            rows += [DiffLine("delete", i + 1, None, [Segment("delete", a[i])]) for i in range(i1, i2)]
        elif op == "insert":
            rows += [DiffLine("insert", None, j + 1, [Segment("insert", b[j])]) for j in range(j1, j2)]
        else:  # replace: pair the lines in order; what is left over was removed or added
            pairs = min(i2 - i1, j2 - j1)
            for k in range(pairs):
                old_line, new_line = a[i1 + k], b[j1 + k]
                if SequenceMatcher(None, old_line, new_line, autojunk=False).ratio() >= PAIR_RATIO:
                    old_segments, new_segments = char_diff(old_line, new_line)
                    rows.append(DiffLine("old", i1 + k + 1, None, old_segments))
                    rows.append(DiffLine("new", None, j1 + k + 1, new_segments))
                else:
                    rows.append(DiffLine("delete", i1 + k + 1, None, [Segment("delete", old_line)]))
                    rows.append(DiffLine("insert", None, j1 + k + 1, [Segment("insert", new_line)]))
            rows += [DiffLine("delete", i + 1, None, [Segment("delete", a[i])]) for i in range(i1 + pairs, i2)]
            rows += [DiffLine("insert", None, j + 1, [Segment("insert", b[j])]) for j in range(j1 + pairs, j2)]
    return _fold(rows, context)


def _fold(rows: list[DiffLine], context: int) -> list[DiffLine]:
    """Keep ``context`` unchanged lines around each change; fold longer unchanged runs into one row."""
    changed = [i for i, r in enumerate(rows) if r.kind != "equal"]
    if not changed:
        return rows
    keep = set()
    for i in changed:
        keep.update(range(max(0, i - context), min(len(rows), i + context + 1)))
    out: list[DiffLine] = []
    run = 0
    for i, r in enumerate(rows):
        if i in keep:
            if run:
                out.append(DiffLine("skip", skipped=run))
                run = 0
            out.append(r)
        else:
            run += 1
    if run:
        out.append(DiffLine("skip", skipped=run))
    return out


def compare(old: SectionRevision, new: SectionRevision) -> Diff:
    heading_old, heading_new = char_diff(old.heading, new.heading)
    return Diff(old, new, heading_old, heading_new, line_diff(old.body, new.body))


def revision_of(section: Section, number) -> SectionRevision | None:
    try:
        number = int(number)
    except (TypeError, ValueError):
        return None
    return next((r for r in section.revisions if r.number == number), None)
