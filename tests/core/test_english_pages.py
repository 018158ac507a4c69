"""English mode is English: on the public pages, every Japanese character outside the document's
title stands inside an element marked lang="ja" (what staff or citizens wrote, shown as written)."""

import re
from html.parser import HTMLParser

import pytest

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uff01-\uff5e\u3000-\u303f]")
VOID = {"br", "img", "input", "meta", "link", "hr", "source", "area", "col", "wbr"}


class Unmarked(HTMLParser):
    """Text with Japanese characters that no enclosing element marks lang="ja"."""

    def __init__(self):
        super().__init__()
        self.stack: list[bool] = []
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(dict(attrs).get("lang") == "ja" or tag in ("script", "style", "title"))

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not any(self.stack) and JAPANESE.search(data):
            self.found.append(data.strip()[:80])


@pytest.mark.parametrize("path", ["/", "/c/kumamoto-ward-offices-h26/topics/roles", "/c/kumamoto-ward-offices-h26/topics/roles/comment", "/reference/budgets",
                                  "/reference/staff-opinions", "/reference/other-cities", "/receipt", "/c/kumamoto-ward-offices-h26/results",
                                  "/privacy"])
def test_english_pages_mark_every_japanese_text(client, path):
    html = client.get(path + "?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    parser = Unmarked()
    parser.feed(html)
    assert parser.found == []
