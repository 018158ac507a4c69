"""Staff-written Markdown → sanitised HTML. Citizens' text is never rendered as Markdown."""

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# js-default escapes raw HTML; nh3 then removes anything outside a small allow-list.
_md = MarkdownIt("js-default")
_ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "a", "br", "blockquote", "code", "table",
                 "thead", "tbody", "tr", "th", "td"}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(source: str | None) -> Markup:
    return _render(source or "")


# Keyed by the text itself: section revisions are never edited (a change is a new revision), so
# their bodies repeat from request to request, and a key that is the text can never be stale.
@lru_cache(maxsize=512)
def _render(source: str) -> Markup:
    html = _md.render(source)
    clean = nh3.clean(html, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRIBUTES,
                      url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")
    return Markup(clean)
