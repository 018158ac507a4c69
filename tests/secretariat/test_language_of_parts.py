"""WCAG 3.1.2 (language of parts, AA) on the English secretariat pages: what people wrote in
Japanese — topic titles, proposals, opinion groups and the city's answers, comments, flags,
reasons — sits in an element with lang="ja", so that a screen reader speaks it in Japanese.
axe cannot tell the language of a text; this test can, for the texts it knows."""

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from consult.consultation.models import Consultation, Proposal
from consult.extensions import db
from consult.secretariat.models import OpinionGroup

GROUP, SUMMARY, ANSWER = "休日の窓口", "土曜日にも開けてほしいというご意見", "土曜日の開設を試行します"
MASKED = "窓口の電話は＊＊＊です"
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60]")


class LanguageOfText(HTMLParser):
    """Each text of the page with the language in force where it stands (the nearest lang)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self):
        super().__init__()
        self.open: list[tuple[str, str | None]] = []
        self.texts: list[tuple[str, str]] = []  # (lang, text)

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.open.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag):
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data):
        if data.strip() and not any(tag in ("script", "style", "svg", "title") for tag, _ in self.open):
            self.texts.append((next((lang for _, lang in reversed(self.open) if lang), ""), data))


def _texts(html: str) -> list[tuple[str, str]]:
    parser = LanguageOfText()
    parser.feed(html)
    return parser.texts


def outside_japanese(html: str, texts: list[str]) -> list[str]:
    """The given texts found on the page in a part not marked lang="ja"."""
    return sorted({t for lang, data in _texts(html) if lang != "ja" for t in texts if t in data})


def english_marked_japanese(html: str) -> list[str]:
    """English words (no Japanese character) in a part marked lang="ja"."""
    return [data.strip() for lang, data in _texts(html)
            if lang == "ja" and re.search(r"[A-Za-z]{3,}", data) and not JAPANESE.search(data)]


@pytest.fixture
def reviewed(staff, comment, topic, participant, vote):
    proposal = db.session.scalar(select(Proposal).where(Proposal.key == "ward-head-authority"))
    vote(participant("chuo"), "ward-head-authority", "agree")
    group = OpinionGroup(topic_id=topic("roles").id, title=GROUP, summary=SUMMARY, answer=ANSWER,
                         response_category="reference", state="confirmed", position=0)
    db.session.add(group)
    db.session.flush()
    flagged = comment("roles", body="窓口の電話は096-328-2111です")
    hidden = comment("roles", status="hidden", hidden_reason="宣伝・勧誘を目的とするため")
    comment("roles", status="published", body="窓口の電話は096-328-2111です", body_published=MASKED,
            opinion_group_id=group.id)
    db.session.scalar(select(Consultation)).phase = "published"
    db.session.commit()
    client, _user = staff("admin")
    client.set_cookie("lang", "en")
    return {"client": client, "group": group.id, "flagged": flagged.id, "hidden": hidden.id,
            "texts": [topic("roles").title, topic("counters").title, proposal.text, GROUP, SUMMARY, ANSWER, MASKED,
                      "096-328-2111", "宣伝・勧誘を目的とするため"]}


def test_japanese_texts_are_marked_on_the_english_pages(reviewed):
    client, group = reviewed["client"], reviewed["group"]
    found = {}
    for path in ["/staff/c/kumamoto-ward-offices-h26/moderation", f"/staff/c/kumamoto-ward-offices-h26/moderation/{reviewed['flagged']}",
                 f"/staff/c/kumamoto-ward-offices-h26/moderation/{reviewed['hidden']}", "/staff/c/kumamoto-ward-offices-h26/review", "/staff/c/kumamoto-ward-offices-h26/review/comments",
                 "/staff/c/kumamoto-ward-offices-h26/groups", f"/staff/c/kumamoto-ward-offices-h26/groups/{group}", f"/staff/c/kumamoto-ward-offices-h26/groups/{group}/edit", "/staff/c/kumamoto-ward-offices-h26/review/document",
                 "/c/kumamoto-ward-offices-h26/results"]:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert '<html lang="en">' in html, path
        if outside := outside_japanese(html, reviewed["texts"]):
            found[path] = outside
        if mislabelled := english_marked_japanese(html):  # and the English words are not said to be Japanese
            found[path + " (English marked ja)"] = mislabelled
    assert found == {}


def test_the_check_sees_an_unmarked_japanese_text():
    assert outside_japanese('<p lang="en">Topic 1 <span>休日の窓口</span></p>', [GROUP]) == [GROUP]
    assert outside_japanese('<p lang="en">Topic 1 <span lang="ja">休日の窓口</span></p>', [GROUP]) == []
    assert english_marked_japanese('<div lang="ja"><h2>Topic 1</h2><p>休日の窓口</p></div>') == ["Topic 1"]
