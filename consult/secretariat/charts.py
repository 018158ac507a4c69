"""Server-rendered SVG charts for the review, in the house style of consult/reference/charts.py:
readable without JavaScript, every bar carries its value as text, series are told by a short
word as well as a colour, and nothing uses a style attribute (the CSP forbids inline styles).

Each chart sits beside a table that holds the same figures, so the chart is a picture of the
table, never the only place a number is written.
"""

import functools
from typing import Callable, Sequence

from markupsafe import Markup, escape

# White text on each of these has at least 4.5:1 contrast; they differ in lightness too.
SERIES_COLOURS = ("#1d4f91", "#a04500", "#2b6a2f", "#6a3d9a", "#5a5a5a", "#00646b")
_INK = "#1a1a1a"
_FONT = "font-family=\"'Noto Sans JP','Hiragino Sans','Yu Gothic',sans-serif\""
_WIDTH, _LEFT, _BAR_MAX = 720, 8, 540


def _text_width(text: str, size: int = 13) -> float:
    """A rough width in px: CJK glyphs are square, latin ones about 0.6 em."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


def _open(chart_id: str, title: str, height: int, width: int = _WIDTH) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
            f'role="img" aria-labelledby="{chart_id}-t" class="chart" {_FONT}>',
            f'<title id="{chart_id}-t">{escape(title)}</title>']


def _legend(series: Sequence[tuple[str, str]], y: int) -> list[str]:
    parts, x = [], _LEFT
    for i, (short, label) in enumerate(series):
        text = f"{short} = {label}" if short != label else label
        parts.append(f'<rect x="{x}" y="{y - 12}" width="14" height="14" fill="{SERIES_COLOURS[i % len(SERIES_COLOURS)]}"/>'
                     f'<text x="{x + 20}" y="{y}" font-size="13" fill="{_INK}">{escape(text)}</text>')
        x += 20 + int(_text_width(text)) + 24
    return parts


def _frozen(value):
    """A chart argument as a cache key: sequences as tuples, lazy strings as the text they
    stand for in this request's language (str subclasses such as Markup stay as they are)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return str(value)


def _kept(draw):
    """A chart is a pure function of its figures and words: drawn again with the same ones — a
    dashboard opened twice between two votes — the SVG already made is reused. A custom ``fmt``
    (a function, no stable key) draws afresh."""
    @functools.lru_cache(maxsize=512)
    def cached(args, kwargs):
        return draw(*args, **dict(kwargs))

    @functools.wraps(draw)
    def chart(*args, **kwargs):
        if any(callable(v) for v in kwargs.values()):
            return draw(*args, **kwargs)
        return cached(_frozen(args), tuple(sorted((k, _frozen(v)) for k, v in kwargs.items())))
    return chart


def hbar_chart(rows: Sequence[tuple[str, int | float]], *, title: str, chart_id: str,
               fmt: Callable[[int | float], str] = lambda v: f"{v:,}") -> Markup:
    """One bar per row, the largest value full width; label above, value after the bar."""
    row_h = 40
    largest = max((v for _, v in rows), default=0) or 1
    parts = _open(chart_id, title, row_h * len(rows) + 10)
    for i, (label, value) in enumerate(rows):
        y = i * row_h + 4
        bar = max(2, round(_BAR_MAX * value / largest)) if value else 0
        parts.append(f'<text x="{_LEFT}" y="{y + 12}" font-size="13" fill="{_INK}">{escape(label)}</text>')
        if bar:
            parts.append(f'<rect x="{_LEFT}" y="{y + 17}" width="{bar}" height="16" fill="{SERIES_COLOURS[0]}"/>')
        parts.append(f'<text x="{_LEFT + bar + 6}" y="{y + 30}" font-size="13" fill="{_INK}">{escape(fmt(value))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


@_kept
def stacked_chart(rows: Sequence[tuple[str, Sequence[int]]], series: Sequence[tuple[str, str]], *,
                  title: str, chart_id: str, percent: bool = False, unit: str = "") -> Markup:
    """One stacked bar per row. Segments wide enough carry "short value" in white; the row's
    total follows the bar, then, in brackets, "short value" of every segment too narrow for its
    own text, so that no segment is told by its colour alone; a legend spells out each short
    name. ``percent`` scales every row to 100 % (the values shown stay counts, with their share)."""
    row_h = 42
    largest = max((sum(v) for _, v in rows), default=0) or 1
    height = row_h * len(rows) + 34
    parts = _open(chart_id, title, height)
    right = 0.0
    for i, (label, values) in enumerate(rows):
        y = i * row_h + 4
        total = sum(values)
        scale = (_BAR_MAX / total if total else 0) if percent else _BAR_MAX / largest
        parts.append(f'<text x="{_LEFT}" y="{y + 12}" font-size="13" fill="{_INK}">{escape(label)}</text>')
        x = float(_LEFT)
        narrow = []
        for j, value in enumerate(values):
            if not value:
                continue
            w = value * scale
            colour = SERIES_COLOURS[j % len(SERIES_COLOURS)]
            parts.append(f'<rect x="{x:.1f}" y="{y + 17}" width="{w:.1f}" height="20" fill="{colour}" '
                         f'stroke="#ffffff" stroke-width="1"/>')
            short = series[j][0]
            candidates = ([f"{short}{value:,} ({100 * value / total:.0f}%)"] if percent else []) + [
                f"{short}{value:,}"]
            text = next((t for t in candidates if _text_width(t, 12) + 6 <= w), None)
            if text:
                parts.append(f'<text x="{x + 3:.1f}" y="{y + 32}" font-size="12" fill="#ffffff">{escape(text)}</text>')
            else:  # too narrow for any: written after the bar
                narrow.append(f"{short}{value:,}")
            x += w
        after = f"{unit}{total:,}" if unit else f"{total:,}"
        if narrow:
            after += f" ({', '.join(narrow)})"
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 32}" font-size="13" fill="{_INK}">{escape(after)}</text>')
        right = max(right, x + 6 + _text_width(after))
    if right > _WIDTH:  # a long text after a bar: widen the picture rather than cut the text off
        parts[0] = _open(chart_id, title, height, width=int(right) + 4)[0]
    parts += _legend(series, height - 8)
    parts.append("</svg>")
    return Markup("".join(parts))


@_kept
def grouped_chart(rows: Sequence[tuple[str, Sequence[int | float]]], series: Sequence[tuple[str, str]], *,
                  title: str, chart_id: str, fmt: Callable[[int | float], str] = lambda v: f"{v:,}",
                  notes: Sequence[str] | None = None) -> Markup:
    """Per row, one thin bar per series (e.g. population share and participant share), each
    with "short value" after it; an optional note per row (e.g. the ratio) at the right."""
    k = max(len(series), 1)
    row_h = 18 + 16 * k + 8
    largest = max((v for _, values in rows for v in values), default=0) or 1
    height = row_h * len(rows) + 34
    parts = _open(chart_id, title, height)
    for i, (label, values) in enumerate(rows):
        y = i * row_h + 4
        head = label + (f"　{notes[i]}" if notes and notes[i] else "")
        parts.append(f'<text x="{_LEFT}" y="{y + 12}" font-size="13" fill="{_INK}">{escape(head)}</text>')
        for j, value in enumerate(values):
            by = y + 17 + j * 16
            w = max(2, round((_BAR_MAX - 80) * value / largest)) if value else 0
            if w:
                parts.append(f'<rect x="{_LEFT}" y="{by}" width="{w}" height="13" '
                             f'fill="{SERIES_COLOURS[j % len(SERIES_COLOURS)]}"/>')
            parts.append(f'<text x="{_LEFT + w + 6}" y="{by + 11}" font-size="12" fill="{_INK}">'
                         f'{escape(series[j][0])} {escape(fmt(value))}</text>')
    parts += _legend(series, height - 8)
    parts.append("</svg>")
    return Markup("".join(parts))
