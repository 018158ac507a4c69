"""The page cache of the home and topic pages: every kind of change shows on the next request, no
visitor ever gets another's token, votes or messages, and a cached page is the page rendered anew."""

import re

import pytest
from sqlalchemy import select

from consult.auth.services import create_user
from consult.consultation.models import Consultation, Section
from consult.extensions import db
from consult.pagecache import PageCache, Version, version
from consult.participation.models import Comment
from consult.participation.services import new_receipt_no

VOTE_URL = "/c/kumamoto-ward-offices-h26/topics/roles/proposals/ward-head-authority/vote"
TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')


def _page(app, path="/c/kumamoto-ward-offices-h26/topics/roles", **kwargs):
    """The page as a new visitor (no cookie) gets it."""
    return app.test_client().get(path, **kwargs).get_data(as_text=True)


def _without_tokens(html):
    return TOKEN.sub('name="csrf_token" value=""', html)


def _staff():
    return create_user("cache-secretariat@example.jp", "secretariat", "a long enough password")


def _cache(app):
    return app.extensions["page_cache"]


def _comment(topic, **fields):
    c = Comment(receipt_no=new_receipt_no(), topic=topic("roles"), ward_code="chuo", relation="resident",
                body="区役所の窓口を土曜日も開けてほしい。", **fields)
    db.session.add(c)
    db.session.commit()
    return c


def test_a_page_is_kept_and_served_again_with_the_same_html(app):
    first = _page(app)
    assert len(_cache(app)) == 1
    second = _page(app)
    assert _without_tokens(first) == _without_tokens(second)


def test_cached_and_uncached_pages_are_identical_but_for_the_token(app):
    for path in ("/c/kumamoto-ward-offices-h26/topics/roles", "/c/kumamoto-ward-offices-h26/topics/roles?ward=kita&page=1", "/c/kumamoto-ward-offices-h26/", "/c/kumamoto-ward-offices-h26/topics/counters?lang=en"):
        missed, hit = _page(app, path), _page(app, path)
        cache = app.extensions.pop("page_cache")
        uncached = _page(app, path)
        app.extensions["page_cache"] = cache
        assert _without_tokens(missed) == _without_tokens(hit) == _without_tokens(uncached), path


def test_each_visitor_gets_a_token_of_their_own_that_works(app):
    app.config["WTF_CSRF_ENABLED"] = True
    _page(app)  # fills the cache
    a, b = app.test_client(), app.test_client()
    page_a, page_b = a.get("/c/kumamoto-ward-offices-h26/topics/roles"), b.get("/c/kumamoto-ward-offices-h26/topics/roles")
    [token_a] = set(TOKEN.findall(page_a.get_data(as_text=True)))
    [token_b] = set(TOKEN.findall(page_b.get_data(as_text=True)))
    assert token_a != token_b
    assert "session=" in page_a.headers["Set-Cookie"] and "Cookie" in page_a.headers["Vary"]
    assert page_a.headers["Content-Security-Policy"] and page_a.headers["X-Frame-Options"] == "DENY"
    # The token works with its own session, and only there.
    assert b.post(VOTE_URL, data={"csrf_token": token_a, "value": "agree", "ward": "chuo",
                                  "relation": "resident"}).status_code == 400
    assert a.post(VOTE_URL, data={"csrf_token": token_a, "value": "agree", "ward": "chuo",
                                  "relation": "resident"}).status_code == 303


def test_a_visitors_own_votes_and_messages_are_never_shared(app):
    _page(app)
    voter = app.test_client()
    voter.post(VOTE_URL, data={"value": "disagree", "ward": "chuo", "relation": "resident"})
    own = voter.get("/c/kumamoto-ward-offices-h26/topics/roles").get_data(as_text=True)
    assert "現在：反対" in own and "で受け付けました" in own  # their vote and their flash message
    others = _page(app)
    assert "現在：反対" not in others and "で受け付けました" not in others
    assert "1件 (100.0%)" in others  # but the vote is counted for everyone
    assert set(TOKEN.findall(own)).isdisjoint(TOKEN.findall(others))
    # The voter's page was rendered for them alone: it is not what the cache holds.
    assert "現在：反対" not in _page(app)


def test_a_signed_in_staff_member_gets_their_own_page(app):
    _page(app)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(_staff().id)
        session["_fresh"] = True
    assert "ログアウト" in client.get("/c/kumamoto-ward-offices-h26/topics/roles").get_data(as_text=True)
    assert "ログアウト" not in _page(app)


def test_a_vote_shows_on_the_next_request(app):
    before = _page(app)
    app.test_client().post(VOTE_URL, data={"value": "pass", "ward": "kita", "relation": "resident"})
    after = _page(app)
    assert before != after and "1件 (100.0%)" in after


def test_a_vote_changed_shows_on_the_next_request(app):
    voter = app.test_client()
    voter.post(VOTE_URL, data={"value": "agree", "ward": "kita", "relation": "resident"})
    first = _page(app)
    voter.post(VOTE_URL, data={"value": "disagree"})
    second = _page(app)
    assert _without_tokens(first) != _without_tokens(second)


def test_a_comment_published_then_masked_then_hidden_shows_each_time(app, topic):
    from consult.secretariat import moderation

    user = _staff()
    c = _comment(topic, status="pending")
    assert "区役所の窓口を土曜日も開けてほしい。" not in _page(app)
    moderation.publish(user, c)
    db.session.commit()
    assert "区役所の窓口を土曜日も開けてほしい。" in _page(app)
    moderation.publish_edited(user, c, "区役所の窓口を＊＊＊も開けてほしい。")
    db.session.commit()
    html = _page(app)
    assert "区役所の窓口を＊＊＊も開けてほしい。" in html and "土曜日" not in html
    with app.test_request_context():  # the reason's label is in the request's language
        moderation.hide(user, c, "personal")
    db.session.commit()
    assert "区役所の窓口を＊＊＊も開けてほしい。" not in _page(app)


def test_a_comment_published_at_once_shows_on_the_next_request(app, topic):
    _page(app, "/c/kumamoto-ward-offices-h26/")
    _page(app)
    consultation = db.session.scalar(select(Consultation))
    consultation.premoderation = False
    db.session.commit()
    from tests.conftest import confirm_and_submit

    confirm_and_submit(app.test_client(), "roles", body="すぐに公開されるご意見です。")
    assert "すぐに公開されるご意見です。" in _page(app)
    assert "公開中のご意見 1件" in _page(app, "/c/kumamoto-ward-offices-h26/")


def test_a_support_shows_on_the_next_request(app, topic):
    c = _comment(topic, status="published")
    assert "賛同 0" in _page(app)
    app.test_client().post(f"/c/kumamoto-ward-offices-h26/comments/{c.id}/support")
    assert "賛同 1" in _page(app)


def test_a_section_revision_shows_on_the_next_request(app, topic):
    from consult.editing import services as editing

    _page(app)
    section = db.session.scalar(select(Section).where(Section.topic_id == topic("roles").id)
                                .order_by(Section.position))
    editing.revise_section(section, {"heading": "改訂した見出し", "body": "改訂した **本文**", "note": ""}, _staff())
    db.session.commit()
    html = _page(app)
    assert "改訂した見出し" in html and "<strong>本文</strong>" in html and "第2版" in html


def test_a_phase_change_shows_on_the_next_request(app):
    from consult.editing import phases

    assert "賛否を送る" in _page(app) and "意見募集中" in _page(app, "/c/kumamoto-ward-offices-h26/")
    phases.change_phase(db.session.scalar(select(Consultation)), "closed", {}, _staff())
    db.session.commit()
    assert "賛否を送る" not in _page(app)
    assert "締切" in _page(app, "/c/kumamoto-ward-offices-h26/")


def test_counts_of_published_comments_follow_arrivals_and_moderation(app, topic):
    from consult.secretariat import moderation

    def total(query="topic=roles"):
        return app.test_client().get(f"/api/v1/consultations/kumamoto-ward-offices-h26/comments?{query}").get_json()["total"]

    user = _staff()
    assert total() == 0 and total("ward=kita") == 0
    c = _comment(topic, status="published")
    assert total() == 1 and total("topic=roles&ward=chuo") == 1 and total("ward=kita") == 0
    pending = _comment(topic, status="pending")
    assert total() == 1
    moderation.publish(user, pending)
    db.session.commit()
    assert total() == 2
    with app.test_request_context():
        moderation.hide(user, c, "personal")
    db.session.commit()
    assert total() == 1 and "1件のご意見" in _page(app)


def test_language_by_cookie_and_by_argument(app):
    japanese = _page(app)
    client = app.test_client()
    client.set_cookie("lang", "en")
    english = client.get("/c/kumamoto-ward-offices-h26/topics/roles").get_data(as_text=True)
    assert '<html lang="en">' in english and '<html lang="ja">' in japanese
    assert '<html lang="en">' in _page(app, "/c/kumamoto-ward-offices-h26/topics/roles?lang=en")
    assert '<html lang="ja">' in _page(app)


def test_other_query_arguments_are_served_but_not_kept(app):
    assert app.test_client().get("/c/kumamoto-ward-offices-h26/topics/roles?utm_source=x").status_code == 200
    assert len(_cache(app)) == 0


def test_unknown_topic_is_404_and_not_kept(app):
    assert app.test_client().get("/c/kumamoto-ward-offices-h26/topics/nothing-here").status_code == 404
    assert len(_cache(app)) == 0


@pytest.mark.config(PAGE_CACHE_ENABLED=False)
def test_the_cache_can_be_turned_off(app):
    assert "page_cache" not in app.extensions
    first, second = _page(app), _page(app)
    assert TOKEN.findall(first) and TOKEN.findall(first)[0] != TOKEN.findall(second)[0]


def test_the_cache_holds_at_most_its_size():
    cache = PageCache(size=2, max_age=60)
    v = Version(("a",))
    for key in ("one", "two", "three"):
        cache.put(key, v, (b"x",))
    assert len(cache) == 2 and cache.get("one", v) is None and cache.get("three", v) == (b"x",)
    assert cache.get("three", Version(("b",))) is None  # another version drops the page


def test_a_page_is_kept_only_while_the_transactions_it_could_not_see_are_in_progress():
    cache = PageCache(size=4, max_age=60)
    kept = version(("a",), "100:105:100,103")
    assert kept.in_progress == {100, 103}
    cache.put("k", kept, (b"x",))
    assert cache.get("k", version(("a",), "100:108:100,103,106")) == (b"x",)  # the same two still running
    assert cache.get("k", version(("a",), "100:108:100,106")) is None  # 103 has ended: rows it wrote may show
    assert version(("a",), None).in_progress == frozenset()


def test_a_version_read_inside_a_transaction_shares_its_snapshot(app, topic):
    from consult.participation.versions import topic_version

    apart = topic_version("roles")  # a connection of its own
    topic("roles")  # the session reads: the version must now come from the same transaction
    assert db.session().in_transaction()
    assert topic_version("roles").data == apart.data and topic_version("nothing-here") is None
