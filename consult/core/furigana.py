"""Furigana: ruby readings over the kanji of a page, from the morphological analyser and a staff
reading dictionary.

Pure text work (no database): `ruby_page(html, readings)` rewrites the text of a rendered page's
<body>, leaving tags, attributes, scripts, form controls and SVG as they are. `readings` maps a
word (NFKC) to its reading in kana; staff keep it (consult.readings) for the words the
analyser reads wrongly here (龍田 is たつだ in Kumamoto, not たつた). Their entries win over the
analyser's, longest first.

Only the kanji get a reading: 在り方 is 在(あ)り方(かた), so the kana a reader already sees are not
repeated. The readings are `aria-hidden`: a screen reader reads 区民 once, not 区民くみん (the
browser test checks the accessibility tree).
"""

import functools
import html
import re
from collections.abc import Mapping

from markupsafe import escape

from . import morphology
from .text import nfkc

_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヵヶ]")
# Runs of kanji, and the runs of anything else, in a word as written.
_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヵヶ]+|[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヵヶ]+")
# Text inside these elements is left alone: not read as prose (script, style), not allowed to hold
# ruby (title, option, textarea), or drawn by us (svg), or already a reading (rt, rp).
_SKIP = frozenset({"script", "style", "title", "textarea", "option", "select", "svg", "rt", "rp", "ruby", "code",
                   "pre", "head"})
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>|<!--.*?-->|<![^>]*>", re.S)
_NOT_KANA = re.compile(r"[^\u3041-\u309f\u30a1-\u30faー]")
MAX_CHARS = morphology.MAX_CHARS


def hiragana(text: str) -> str:
    """Katakana → hiragana (ァ…ヶ; ヷ–ヺ have none and stay, as does the long vowel mark)."""
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def has_kanji(text: str) -> bool:
    return bool(_KANJI.search(text))


def is_reading(text: str) -> bool:
    """A reading staff may enter: kana only (hiragana, katakana, ー), nothing else."""
    return bool(text) and not _NOT_KANA.search(text)


def _aligned(surface: str, reading: str) -> list[tuple[str, str | None]]:
    """Pieces of `surface` with the reading of each kanji run (None for kana and the like).

    在り方 + ありかた → [(在, あ), (り, None), (方, かた)]. When the kana of the word cannot be found
    in its reading (an irregular word), the whole word gets the whole reading.
    """
    runs = _RUNS.findall(surface)
    pattern = "".join("(.+?)" if _KANJI.match(run) else "(" + re.escape(hiragana(run)) + ")" for run in runs)
    match = re.fullmatch(pattern, hiragana(reading))
    if not match:
        return [(surface, reading)]
    return [(run, match.group(i + 1) if _KANJI.match(run) else None) for i, run in enumerate(runs)]


def _ruby(surface: str, reading: str) -> str:
    out = []
    for piece, said in _aligned(surface, hiragana(reading)):
        if said is None or said == piece:
            out.append(str(escape(piece)))
        else:
            out.append(f'<ruby>{escape(piece)}<rp>（</rp><rt aria-hidden="true">{escape(said)}</rt><rp>）</rp></ruby>')
    return "".join(out)


def _analysed(text: str) -> str:
    """Ruby for a stretch of text no staff entry covers: the analyser's reading of each word."""
    out = []
    for offset in range(0, len(text), MAX_CHARS):
        for morpheme in morphology.tokenizer("C").tokenize(text[offset:offset + MAX_CHARS]):
            surface = morpheme.surface()
            reading = morpheme.reading_form()
            if _KANJI.search(surface) and reading and is_reading(reading):
                out.append(_ruby(surface, reading))
            else:
                out.append(str(escape(surface)))
    return "".join(out)


Entries = tuple[tuple[str, str], ...]


def entries(readings: Mapping[str, str]) -> Entries:
    """The staff's readings in the order they are tried: longest word first."""
    return tuple(sorted(readings.items(), key=lambda item: (-len(item[0]), item[0])))


def ruby_text(text: str, staff: Entries = ()) -> str:
    """`text` (plain) as escaped HTML with ruby over its kanji."""
    if not _KANJI.search(text):
        return str(escape(text))
    return _cached(text, staff)


@functools.lru_cache(maxsize=64)
def _matcher(staff: Entries) -> re.Pattern:
    return re.compile("|".join(re.escape(word) for word, _ in staff))


@functools.lru_cache(maxsize=50_000)  # a site's headings, menus and texts repeat on every page
def _cached(text: str, staff: Entries) -> str:
    # The staff's words first (matched on the NFKC text), then the analyser between them.
    norm = nfkc(text)
    if len(norm) != len(text):  # NFKC changed the length (ｶﾞ → ガ): match on the text as written
        norm = text
    out, pos = [], 0
    if staff:
        said = dict(staff)
        for match in _matcher(staff).finditer(norm):
            out.append(_analysed(text[pos:match.start()]))
            out.append(_ruby(text[match.start():match.end()], said[match.group()]))
            pos = match.end()
    out.append(_analysed(text[pos:]))
    return "".join(out)


def ruby_page(page: str, readings: Mapping[str, str] | None = None) -> str:
    """A rendered HTML page with ruby over the kanji of the text in its <body>."""
    staff = entries(readings or {})
    out, pos, skipping = [], 0, []
    in_body = False
    for tag in _TAG.finditer(page):
        text = page[pos:tag.start()]
        if text:
            out.append(ruby_text(html.unescape(text), staff) if in_body and not skipping else text)
        out.append(tag.group(0))
        pos = tag.end()
        name = (tag.group(2) or "").lower()
        if not name:
            continue
        closing = tag.group(1) == "/"
        if name == "body":
            in_body = not closing
        elif name in _SKIP:
            if closing:
                if name in skipping:
                    while skipping and skipping.pop() != name:
                        pass
            elif not tag.group(3).rstrip().endswith("/"):
                skipping.append(name)
    tail = page[pos:]
    out.append(ruby_text(html.unescape(tail), staff) if in_body and not skipping and tail else tail)
    return "".join(out)
