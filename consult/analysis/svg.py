"""A server-drawn scatter map of opinion groups, in the house style of consult/reference/charts.py
and consult/secretariat/charts.py: readable without JavaScript, never colour alone, no style
attribute and no ``<style>`` element (the CSP's ``style-src 'self'`` blocks both in a page).

- One ``viewBox="0 0 1000 H"`` and ``width="100%"``, so the picture fits a phone's column; the
  plot is the 1000-wide square on top, the legend below it in text large enough (36 units ≈ 13 px
  on a 360 px column) to read on a phone.
- Each group has an Okabe–Ito colour (safe for the common colour-vision deficiencies) *and* its
  own marker shape (WCAG 1.4.1); every marker has a dark outline, so the light colours still
  stand out against white (WCAG 1.4.11).
- Markers are drawn once in ``<defs>`` with their fill and outline, and every dot is a ``<use>``
  of its group's marker at coordinates rounded to 0.1 unit: no per-dot attributes beyond x and y.
- With ``href``, every dot is a link with its own ``<title>``; since ``role="img"`` would hide
  those links from screen readers, the picture is then a ``role="group"`` named by the same
  title and description. The page should still list the same figures as text (the legend here
  repeats the groups and sizes).
"""

from collections import Counter
from collections.abc import Callable, Iterable, Mapping

from markupsafe import Markup, escape

# Okabe & Ito (2008), ordered so the first groups get the colours with the most contrast on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
_OUTLINE = 'stroke="#1a1a1a" stroke-width="1.5"'
# Marker outlines, centred on 0,0, about 16 units across (≈ 6 px on a phone, 16 px on a desktop).
SHAPES = (
    ("circle", 'r="7.5"'),
    ("rect", 'x="-6.5" y="-6.5" width="13" height="13"'),
    ("path", 'd="M0-8.5L8 6H-8Z"'),  # triangle
    ("path", 'd="M0-9L9 0L0 9L-9 0Z"'),  # diamond
    ("path", 'd="M-3-8.5h6v5.5h5.5v6h-5.5v5.5h-6v-5.5h-5.5v-6h5.5Z"'),  # plus
    ("path", 'd="M0 8.5L8-6H-8Z"'),  # triangle pointing down
)
_INK = "#1a1a1a"
_FONT = "font-family=\"'Noto Sans JP','Hiragino Sans','Yu Gothic',sans-serif\""
_SIZE, _MARGIN = 1000, 24
_LEGEND_ROW, _LEGEND_FONT = 56, 36


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text.removesuffix(".0")


def scatter_svg(points: Iterable[tuple[object, float, float, str]], *, title: str, description: str,
                legend: Mapping[str, str] | None = None, href: Callable[[object], str] | None = None,
                label: Callable[[object], str] | None = None, chart_id: str = "scatter",
                sizes: Mapping[str, int] | None = None) -> Markup:
    """``points`` are ``(id, x, y, group_key)`` with x and y in [0, 1] (y = 1 at the top).
    ``legend`` maps a group key to a name ("A" → "賛成寄り"), written "A: 賛成寄り (size)";
    the size is ``sizes[key]`` when given (the whole group when only a sample is drawn), else the
    number of its points drawn.
    ``href(id)`` makes each dot a link; ``label(id)`` is its title (the id itself if not given)."""
    points = list(points)
    cid = str(escape(chart_id))
    keys = sorted({p[3] for p in points} | set(legend or {}), key=str)
    shape_of = {key: i for i, key in enumerate(keys)}
    sizes = sizes if sizes is not None else Counter(p[3] for p in points)
    height = _SIZE + _LEGEND_ROW * len(keys) + 16
    role = "group" if href else "img"
    parts = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_SIZE} {height}" width="100%" '
         f'role="{role}" aria-labelledby="{cid}-t {cid}-d" class="chart scatter" {_FONT}>'),
        f'<title id="{cid}-t">{escape(title)}</title><desc id="{cid}-d">{escape(description)}</desc><defs>',
    ]
    for key, i in shape_of.items():
        tag, geometry = SHAPES[i % len(SHAPES)]
        parts.append(f'<{tag} id="{cid}-m{i}" {geometry} fill="{PALETTE[i % len(PALETTE)]}" {_OUTLINE}/>')
    parts.append(f'</defs><rect x="1" y="1" width="{_SIZE - 2}" height="{_SIZE - 2}" fill="#ffffff" '
                 f'stroke="#767676" stroke-width="2"/>')
    span = _SIZE - 2 * _MARGIN
    for pid, x, y, key in points:
        px = _num(_MARGIN + span * min(max(float(x), 0.0), 1.0))
        py = _num(_MARGIN + span * (1 - min(max(float(y), 0.0), 1.0)))
        dot = f'<use href="#{cid}-m{shape_of[key]}" x="{px}" y="{py}"/>'
        if href is not None:
            name = label(pid) if label is not None else str(pid)
            dot = f'<a href="{escape(href(pid))}"><title>{escape(name)}</title>{dot}</a>'
        elif label is not None:
            dot = f'<g><title>{escape(label(pid))}</title>{dot}</g>'
        parts.append(dot)
    for row, key in enumerate(keys):
        y = _SIZE + _LEGEND_ROW * row + 48
        name = (legend or {}).get(key, key)
        text = f"{key}: {name}" if name != key else str(key)
        # The legend's marker at twice the size, so its shape can be told apart on a phone.
        parts.append(f'<use href="#{cid}-m{shape_of[key]}" transform="translate({_MARGIN + 18} {y - 12}) scale(2)"/>'
                     f'<text x="{_MARGIN + 48}" y="{y}" font-size="{_LEGEND_FONT}" fill="{_INK}">'
                     f'{escape(text)} ({sizes.get(key, 0):,})</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
