"""QR codes for the join page, drawn by the app itself as inline SVG (segno; nothing fetched)."""

from functools import lru_cache

import segno
from markupsafe import Markup, escape


@lru_cache(maxsize=256)
def qr_svg(url: str, label: str = "") -> Markup:
    """An inline <svg> for ``url``; it scales with CSS (no fixed size) and is named for screen readers.

    Error correction M survives a smudged printout and still reads from the back of a hall.
    """
    qr = segno.make(url, error="m", micro=False)
    svg = qr.svg_inline(scale=1, border=4, omitsize=True, svgclass="qr", lineclass="qr__path",
                        dark="#000", light="#fff")
    label = escape(label or url)
    # role=img with an accessible name; the <title> segno writes is replaced by ours.
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" focusable="false" ', 1)
    return Markup(svg)
