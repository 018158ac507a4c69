"""Furigana as a citizen turns it on: readings over the kanji, read once by a screen reader, axe clean."""

import pytest
from sqlalchemy import select

from consult.consultation.models import Topic
from consult.extensions import db
from consult.language_versions.models import LanguageVersion

from tests.browser.a11y import violations
from tests.browser.conftest import server  # noqa: F401  (a fixture)

HOME = "/c/kumamoto-ward-offices-h26/"


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_furigana_switch_readings_and_the_accessibility_tree(server, request, device):  # noqa: F811
    page = request.getfixturevalue(device)
    page.goto(server + HOME)
    assert page.locator("ruby").count() == 0
    page.get_by_role("link", name="ふりがなをつける").click()
    page.wait_for_url(server + HOME)
    assert page.locator("ruby rt").count() > 20
    # The heading is read as written, once: the readings are not in the accessibility tree
    # (Chromium puts a space between ruby elements in the name; the words are the same).
    heading = page.get_by_role("heading", level=1)
    written = heading.evaluate("h => { const c = h.cloneNode(true); c.querySelectorAll('rt, rp').forEach(e => e.remove());"
                               " return c.textContent.trim(); }")
    assert heading.locator("rt").count() > 0 and "くやくしょ" in heading.inner_text()
    snapshot = heading.aria_snapshot()
    assert snapshot.split('"')[1].replace(" ", "") == written.replace(" ", ""), snapshot
    assert violations(page) == []
    # Every page the citizen moves to keeps the readings until they turn them off.
    page.locator("main a[href*='/topics/']").first.click()
    assert page.locator("main ruby").count() > 0
    assert violations(page) == []
    page.locator("a[href^=\"/furigana?on=0\"]").click()  # its name has a reading too
    assert page.locator("ruby").count() == 0


def test_the_easy_japanese_switch_shows_the_staff_version_and_stays_accessible(app, server, desktop):  # noqa: F811
    topic = db.session.scalar(select(Topic).where(Topic.slug == "roles"))
    db.session.add(LanguageVersion(consultation_id=topic.consultation_id, target_type="topic", target_id=topic.id,
                                   language="easy", title="くやくしょの しごとに ついて", body=""))
    db.session.commit()
    page = desktop
    page.goto(server + HOME)
    page.get_by_role("link", name="やさしい日本語").click()
    page.goto(server + HOME + "topics/roles")
    assert page.get_by_role("heading", level=1).inner_text() == "くやくしょの しごとに ついて"
    assert violations(page) == []
    page.get_by_role("link", name="ふりがなをつける").click()  # both together
    assert violations(page) == []
