"""The ウェブアクセシビリティ方針 page: what it promises, and results that come from a test run."""

import json

import pytest

from consult.accessibility import views
from tests.browser.test_accessibility import PUBLIC_PAGES


def committed_results() -> dict:
    return json.loads(views.RESULTS.read_text(encoding="utf-8"))


def test_the_page_states_scope_level_method_and_latest_results(client):
    page = client.get("/accessibility").get_data(as_text=True)
    for promised in ["対象範囲", "JIS X 8341-3:2016 の適合レベル AA", "WCAG 2.1", "試験の方法", "試験結果",
                     "axe-core", "お問い合わせ"]:
        assert promised in page
    results = committed_results()
    assert f"<code>{results['commit']}</code>" in page
    # The date of the run in 和暦 and 西暦, in Japan time.
    generated = views.latest_results()["generated_at"]
    assert "令和" in page and f"（{generated.year}年" in page
    assert "<code>/c/kumamoto-ward-offices-h26/topics/roles</code>" in page and "<code>/c/jichi-kihon-jorei-h26/topics/document</code>" in page


def test_the_page_is_linked_from_every_page_footer(client):
    assert 'href="/accessibility"' in client.get("/c/kumamoto-ward-offices-h26/").get_data(as_text=True)


def test_english_page(client):
    client.get("/lang?lang=en&next=/")
    page = client.get("/accessibility").get_data(as_text=True)
    assert 'lang="en"' in page and "Web accessibility policy" in page


def test_committed_results_cover_every_public_page_in_both_languages_and_widths_without_violations():
    """Adding a public page to the browser tests without re-running `make accessibility` fails here,
    so the published results cannot silently fall behind the pages they claim to cover."""
    results = committed_results()
    assert results["tests_passed"] is True
    checked = {(c["path"], c["lang"], c["width"]) for c in results["pages"] if c["area"] == "public"}
    missing = [(path, lang, width) for path in PUBLIC_PAGES for lang in ("ja", "en") for width in (390, 1280)
               if (path, lang, width) not in checked]
    assert missing == []
    assert [c["path"] for c in results["pages"] if c["violations"]] == []
    assert all(results["checks"].values()) and {"keyboard-comment-and-vote", "reflow-320", "zoom-200",
                                                "charts-not-colour-only"} <= set(results["checks"])


def test_without_results_the_page_says_so(client, monkeypatch, tmp_path):
    monkeypatch.setattr(views, "RESULTS", tmp_path / "missing.json")
    page = client.get("/accessibility").get_data(as_text=True)
    assert "試験結果はまだありません。" in page


@pytest.mark.parametrize("violations, shown", [([], "問題なし"), ([{"id": "color-contrast", "impact": "serious", "nodes": 3}],
                                                                   "問題 3 件（color-contrast）")])
def test_a_violation_in_the_run_is_shown_not_hidden(client, monkeypatch, tmp_path, violations, shown):
    results = committed_results()
    results["pages"][0]["violations"] = violations
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results), encoding="utf-8")
    monkeypatch.setattr(views, "RESULTS", path)
    assert shown in client.get("/accessibility").get_data(as_text=True)
