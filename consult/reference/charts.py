"""Server-rendered SVG charts: readable without JavaScript, and never colour alone.

Every bar carries its label and value as text; kinds are told by a letter as well as a colour.
"""

from markupsafe import Markup, escape

# Colours with at least 4.5:1 contrast against white, so the white value text on them is legible too.
# Combinations (A・C, B・C …) get their own colour; the letters are always printed beside it.
KIND_COLOURS = {"A": "#1d4f91", "B": "#a04500", "C": "#2b6a2f", "D": "#6a3d9a",
                "A・C": "#00646b", "B・C": "#7c3a5e", "B・D": "#5c4f00", "C・D": "#3f4d63"}
_FONT = "font-family=\"'Noto Sans JP','Hiragino Sans','Yu Gothic',sans-serif\""


def _kind_colour(kinds: list[str]) -> str:
    return KIND_COLOURS.get("・".join(kinds)) or KIND_COLOURS.get(kinds[0], "#444444")


# A phone's drawing: 360 units on a ~360 px column keep the 13-unit labels at about 13 px (the
# desktop's 720 units, shrunk to a phone, drew them at 6 px); names too long for it are cut.
NARROW = 360
NARROW_NAME = 20  # characters of a project's name in the phone's drawing; the table has them all


def budget_bars(items, *, title: str, unit: str, chart_id: str, width: int = 720) -> Markup:
    """One bar per project, longest amount = full width; label above, amount at the bar's end."""
    left, bar_max, row = 8, width - 160, 40
    largest = max((item.amount for item in items), default=1) or 1
    height = row * len(items) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="{chart_id}-t" class="chart" {_FONT}>',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
    ]
    for i, item in enumerate(items):
        y = i * row + 4
        bar = max(2, round(bar_max * item.amount / largest))
        kinds = "・".join(item.kind_list)
        name = item.name if width > NARROW or len(item.name) <= NARROW_NAME else item.name[:NARROW_NAME] + "…"
        parts.append(
            f'<text x="{left}" y="{y + 12}" font-size="13" fill="#1a1a1a">'
            f'{item.no}. [{escape(kinds)}] {escape(name)}</text>'
            f'<rect x="{left}" y="{y + 17}" width="{bar}" height="16" fill="{_kind_colour(item.kind_list)}"/>'
            f'<text x="{left + bar + 6}" y="{y + 30}" font-size="13" fill="#1a1a1a">'
            f'{item.amount:,} {escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def kind_shares(totals: list[tuple[str, int]], *, title: str, unit: str, chart_id: str,
                width: int = 720) -> Markup:
    """A 100 % bar split by kind combination, with a legend that repeats every figure as text."""
    bar_w = width - 20
    whole = sum(v for _, v in totals) or 1
    legend_rows = len(totals)
    height = 40 + 22 * legend_rows
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="{chart_id}-t" class="chart" {_FONT}>',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
    ]
    x = 8.0
    for label, value in totals:
        w = bar_w * value / whole
        colour = _kind_colour(label.split("・"))
        parts.append(f'<rect x="{x:.1f}" y="4" width="{w:.1f}" height="24" fill="{colour}" '
                     f'stroke="#ffffff" stroke-width="1"/>')
        if w > 28:
            parts.append(f'<text x="{x + 4:.1f}" y="21" font-size="13" fill="#ffffff">{escape(label)}</text>')
        x += w
    for i, (label, value) in enumerate(totals):
        y = 48 + 22 * i
        colour = _kind_colour(label.split("・"))
        parts.append(f'<rect x="8" y="{y - 12}" width="14" height="14" fill="{colour}"/>'
                     f'<text x="28" y="{y}" font-size="13" fill="#1a1a1a">{escape(label)}: '
                     f'{value:,} {escape(unit)} ({100 * value / whole:.1f}%)</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
