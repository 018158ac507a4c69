"""Automatic flags for the moderation queue: likely personal data and abusive words.

Patterns run on the NFKC text (０９６ → 096, ＠ → @, ｰ stays ー) so that full-width digits and
signs match like ASCII ones; the spans found are mapped back to the original text, which is what
the moderator sees and what is never changed. Flags are hints for a person, not decisions.

``mask`` proposes a published text with the personal data replaced; the moderator edits it
before publishing (the original ``body`` is never edited).
"""

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from ..core import morphology
from .abusive_words import ABUSIVE_WORDS

PERSONAL_KINDS = ("phone", "email", "postal", "address", "name")

# Hyphens, dashes, the minus sign and the long vowel mark that people type for a hyphen.
_DASH_CHARS = "\\-‐‑‒–—―−ー"
_DASH = f"[{_DASH_CHARS}]"
_SEP = rf"(?:\s*{_DASH}\s*|\s+|\)\s*|\s*\(\s*)?"

_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("email", re.compile(r"[a-z0-9._%+\-]+\s*@\s*[a-z0-9\-]+(?:\.[a-z0-9\-]+)+")),
    # 〒860-8601, 〒 8608601; or 860-8601 written alone (a postal code looks like this, a phone never does).
    ("postal", re.compile(rf"〒\s*\d{{3}}{_DASH}?\s*\d{{4}}(?!\d)"
                          rf"|(?<![\d{_DASH_CHARS}])\d{{3}}{_DASH}\d{{4}}(?![\d{_DASH_CHARS}])")),
    # 096-328-2111, 090 1234 5678, (096)328-2111, 0963282111, +81-96-328-2111; 10–11 digits, checked below.
    ("phone", re.compile(rf"(?<!\d)(?:\+81{_SEP}|\(0|0)\d{{1,4}}{_SEP}\d{{1,4}}{_SEP}\d{{3,4}}(?!\d)")),
    # 水前寺6丁目18番1号, 手取本町1-1, 1丁目, 3番地, 12番5号, 五丁目.
    ("address", re.compile(
        rf"\d+\s*丁目(?:\s*\d+\s*(?:番地?|{_DASH})\s*(?:\d+\s*号?)?)?"
        rf"|[一二三四五六七八九十〇]+丁目"
        rf"|\d+\s*番地(?:\s*の?\s*\d+)?"
        rf"|\d+\s*番\s*\d+\s*号"
        rf"|(?<=[\u4e00-\u9fff々])\d{{1,4}}{_DASH}\d{{1,4}}(?:{_DASH}\d{{1,4}})?(?!\d)")),
]


# A name before an honorific: 山田さん, 田中様, 佐藤氏, ヤマダさん. The words people put before
# さん・様 that are not names (皆さん, お客様, 職員さん, 区長さん…) are left alone.
_HONORIFIC = re.compile(r"(?P<name>[\u4e00-\u9fff々]{1,4}|[\u30a1-\u30fa\u30fc]{2,8})"
                        r"(?:さん|さま|様|氏|くん|君|ちゃん|殿)")
_HONORIFIC_AT_END = re.compile(r"(?:さん|さま|様|氏|くん|君|ちゃん|殿)$")
NOT_NAMES = ("皆", "客", "職員", "区長", "市長", "議員", "店員", "担当", "窓口", "住民", "市民", "区民", "係",
             "委員", "会長", "先生", "大家", "奥", "旦那", "近所", "神", "仏", "王", "子", "方", "人", "業者", "医者",
             "看護師", "運転手", "役人", "相手", "皆様", "各位", "部長", "課長", "所長", "館長", "校長", "社長",
             "理事", "駅員", "警察", "お巡り", "ボランティア", "スタッフ", "オーナー", "ママ", "パパ")

# Places of the city that the analyser's dictionary also knows as surnames (水前寺, 清水): a comment
# about 清水の出張所 names no one. Add the city's own here.
PLACES_NOT_PEOPLE = frozenset({"水前寺", "清水", "龍田", "植木", "城南", "富合", "託麻", "健軍", "帯山", "花園",
                               "川尻", "天明", "飽田", "河内", "西里", "北部", "幸田", "秋津", "御幸", "白川"})


def _names(norm: str):
    """Spans of likely personal names in the normalised text: a name before an honorific, and
    what the morphological analyser tags as a person's name (山田太郎, 田中が…)."""
    for m in _HONORIFIC.finditer(norm):
        name = m.group("name")
        if any(name.endswith(word) for word in NOT_NAMES):
            continue
        yield m.start(), m.end()
    for span in morphology.person_names(norm):
        if norm[span.start:span.end] not in PLACES_NOT_PEOPLE:
            yield span.start, span.end


def kind_labels() -> dict[str, Any]:
    return {"phone": _l("電話番号らしき記載"), "email": _l("メールアドレスらしき記載"),
            "postal": _l("郵便番号らしき記載"), "address": _l("住所（丁目・番地）らしき記載"),
            "name": _l("人名らしき記載（人名の辞書、さん・様・氏など）"), "abusive": _l("不適切な表現の可能性")}


@dataclass(frozen=True)
class Flag:
    kind: str  # phone | email | postal | address | name | abusive
    start: int  # span in the original text
    end: int
    text: str  # the original characters

    @property
    def personal(self) -> bool:
        return self.kind in PERSONAL_KINDS


def _normalise_with_map(text: str) -> tuple[str, list[int]]:
    """NFKC + casefold of ``text`` and, for each of its characters, the index of the original
    character it came from (plus a final entry: the original length).

    Each base character is normalised together with the marks that follow it (ﾊﾞ → バ, か+゛ → が),
    so that the mapping back is exact at every boundary a pattern can see.
    """
    out: list[str] = []
    index: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(unicodedata.normalize("NFKC", text[j])[:1] or "a"):
            j += 1
        piece = unicodedata.normalize("NFKC", text[i:j]).casefold()
        out.append(piece)
        index.extend([i] * len(piece))
        i = j
    index.append(n)
    return "".join(out), index


def _original_end(index: list[int], end: int) -> int:
    """The original index just after the piece holding normalised character ``end - 1``."""
    last = index[end - 1]
    k = end
    while index[k] == last:  # the final entry (the length) always ends the loop
        k += 1
    return index[k]


def _digits(s: str) -> int:
    return sum(c.isdigit() for c in s)


def find_flags(text: str) -> list[Flag]:
    """Every flag in ``text``, in order, without overlaps (the longer span wins at the same start)."""
    if not text:
        return []
    norm, index = _normalise_with_map(text)
    found: list[tuple[int, int, str]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(norm):
            if kind == "phone":
                digits = _digits(m.group()) - (1 if m.group().startswith("+81") else 0)  # +81 stands for 0
                if not 10 <= digits <= 11:
                    continue
            found.append((m.start(), m.end(), kind))
    found.extend((start, end, "name") for start, end in _names(norm))
    for word in ABUSIVE_WORDS:
        start = norm.find(word)
        while start != -1:
            found.append((start, start + len(word), "abusive"))
            start = norm.find(word, start + len(word))
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    flags: list[Flag] = []
    last_end = 0
    for start, end, kind in found:
        if start < last_end:
            continue
        o_start, o_end = index[start], _original_end(index, end)
        flags.append(Flag(kind, o_start, o_end, text[o_start:o_end]))
        last_end = end
    return flags


def highlight(text: str, flags: list[Flag]) -> Markup:
    """The text, escaped, with each flagged span in a <mark> that names its kind in words."""
    labels = kind_labels()
    parts: list[str] = []
    pos = 0
    for flag in flags:
        parts.append(str(escape(text[pos:flag.start])))
        parts.append(f'<mark class="flag flag--{flag.kind}">{escape(flag.text)}'
                     f'<span class="visually-hidden">（{escape(labels[flag.kind])}）</span></mark>')
        pos = flag.end
    parts.append(str(escape(text[pos:])))
    return Markup("".join(parts))


MASK = "＊＊＊"


def mask(text: str, flags: list[Flag] | None = None) -> str:
    """A proposed published text: each piece of likely personal data replaced by ＊＊＊."""
    flags = find_flags(text) if flags is None else flags
    out, pos = [], 0
    for flag in flags:
        if not flag.personal:
            continue
        out.append(text[pos:flag.start])
        honorific = _HONORIFIC_AT_END.search(flag.text) if flag.kind == "name" else None
        out.append(MASK + (honorific.group() if honorific else ""))  # 「＊＊＊さん」 still reads as a person
        pos = flag.end
    out.append(text[pos:])
    return "".join(out)
