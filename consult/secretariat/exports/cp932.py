"""Text made encodable in CP932 (Shift_JIS as Windows writes it), and the report of what was replaced:
a CP932 export says which characters it replaced and never drops a row."""

from collections import Counter
from dataclasses import dataclass, field

REPLACEMENTS = ("〓", "?")

# Characters CP932 writes under another code point (Python's cp932 already maps 〜, −, ‖, ¢, £, ¬).
_CP932_EQUIVALENTS = str.maketrans({"\u2014": "\u2015", "\u00a6": "\uffe4"})
# Invisible joiners and variation selectors: dropped, they carry no text of their own.
_INVISIBLE = dict.fromkeys(map(ord, "\u200d\ufe0e\ufe0f"), None)


def to_cp932(text: str, replacement: str = "〓") -> tuple[str, list[str]]:
    """``text`` made encodable in CP932 and the characters that had to be replaced."""
    text = text.translate(_CP932_EQUIVALENTS)
    try:
        text.encode("cp932")
        return text, []
    except UnicodeEncodeError:
        pass
    text = text.translate(_INVISIBLE)
    out, lost = [], []
    for ch in text:
        try:
            ch.encode("cp932")
            out.append(ch)
        except UnicodeEncodeError:
            out.append(replacement)
            lost.append(ch)
    return "".join(out), lost


@dataclass
class Cp932Report:
    """What a CP932 export replaced: how many rows, which ones (the first ``keep``), which characters."""

    replacement: str = "〓"
    rows: int = 0
    affected_rows: int = 0
    examples: list[tuple[str, str]] = field(default_factory=list)  # (receipt number, characters)
    characters: Counter = field(default_factory=Counter)
    keep: int = 200

    def note(self, receipt_no: str, lost: list[str]) -> None:
        self.affected_rows += 1
        self.characters.update(lost)
        if len(self.examples) < self.keep:
            self.examples.append((receipt_no, "".join(dict.fromkeys(lost))))

    def top_characters(self, n: int = 50) -> list[tuple[str, str, int]]:
        """(character, its code point as U+XXXX, how often) for the most frequent replaced characters."""
        return [(ch, f"U+{ord(ch):04X}", k) for ch, k in self.characters.most_common(n)]

    def as_dict(self) -> dict:
        return {"rows": self.rows, "affected_rows": self.affected_rows, "replacement": self.replacement,
                "characters": "".join(self.characters)}
