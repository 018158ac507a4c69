"""The review dashboard on a fixture with known counts: every figure checked to the number, the
Wilson intervals computed here independently, filters validated, no query per row."""

import math
from datetime import datetime
from statistics import NormalDist

import pytest
from sqlalchemy import event, insert, select

from consult.consultation.models import Ward
from consult.consultation.services import current_consultation
from consult.extensions import db
from consult.participation.models import Comment, Participant
from consult.participation.services import new_receipt_no
from consult.secretariat import stats
from consult.secretariat.filters import parse_filter

Z = NormalDist().inv_cdf(0.975)


def wilson_by_roots(k, n):
    """The Wilson interval as the two roots of (k/n − p)² = z² p (1 − p) / n, solved here for p."""
    phat = k / n
    a = 1 + Z * Z / n
    b = -(2 * phat + Z * Z / n)
    c = phat * phat
    root = math.sqrt(b * b - 4 * a * c)
    return (-b - root) / (2 * a), (-b + root) / (2 * a)


@pytest.fixture(autouse=True)
def in_request(app):
    """Labels (ward names …) follow the request's language, as in the pages."""
    with app.test_request_context("/"):
        yield


@pytest.fixture
def known(app, participant, comment, vote):
    """Six participants, six comments, six votes on one proposal — every figure known by hand.

    p1 p2 p3 chuo, p4 higashi, p5 kita (business, 40s), p6 outside.
    c1 roles chuo web published p1 (2014-10-04 00:30 JST) · c2 roles chuo workshop pending p2
    c3 roles higashi web published p4 · c4 counters chuo paper published (no participant)
    c5 counters kita web hidden p5 · c6 counters outside web pending p6
    votes on ward-head-authority: p1 agree, p2 agree, p3 disagree, p4 agree, p5 pass, p6 agree.
    """
    p = [participant("chuo"), participant("chuo"), participant("chuo", age_band="30s"), participant("higashi"),
         participant("kita", relation="business", age_band="40s"), participant("outside", relation="other")]
    cs = [
        comment("roles", ward="chuo", channel="web", status="published", participant=p[0],
                body="バス路線の見直しを望みます", created=datetime(2014, 10, 3, 15, 30)),
        comment("roles", ward="chuo", channel="workshop", participant=p[1], body="窓口の待ち時間が長い",
                created=datetime(2014, 10, 5, 1, 0)),
        comment("roles", ward="higashi", channel="web", status="published", participant=p[3],
                body="ＢＵＳの本数を増やして", created=datetime(2014, 10, 5, 2, 0)),
        comment("counters", ward="chuo", channel="paper", status="published", body="交通の便が悪い",
                created=datetime(2014, 10, 6, 3, 0)),
        comment("counters", ward="kita", channel="web", status="hidden", participant=p[4], body="非公開の投稿",
                created=datetime(2014, 10, 6, 4, 0)),
        comment("counters", ward="outside", channel="web", participant=p[5], body="市外から一言",
                created=datetime(2014, 10, 7, 5, 0)),
    ]
    for person, value in zip(p, ("agree", "agree", "disagree", "agree", "pass", "agree")):
        vote(person, "ward-head-authority", value)
    return p, cs


def _f(**args):
    return parse_filter(args, current_consultation().id)


def _deliberation(by_channel: dict) -> dict:
    """The channels a deliberation takes (the others, a public comment's, are counted as 0)."""
    assert all(n == 0 for c, n in by_channel.items() if c not in ("web", "workshop", "paper"))
    return {c: by_channel[c] for c in ("web", "workshop", "paper")}


def test_totals_by_channel(known):
    t = stats.totals(_f())
    assert _deliberation(t.comments) == {"web": 3, "workshop": 1, "paper": 1} and t.comments_total == 5  # hidden left out
    assert _deliberation(t.votes) == {"web": 6, "workshop": 0, "paper": 0} and t.votes_total == 6
    assert _deliberation(t.participants) == {"web": 6, "workshop": 1, "paper": 0} and t.participants_total == 6
    assert t.statuses == {"pending": 2, "published": 3, "hidden": 1}
    assert t.comments_without_participant == 1
    everything = stats.totals(_f(status="all"))
    assert _deliberation(everything.comments) == {"web": 4, "workshop": 1, "paper": 1}


def test_topic_ward_matrix(known):
    m = stats.topic_ward_matrix(_f())
    codes = [code for code, _ in m.columns]
    assert codes == ["chuo", "higashi", "nishi", "minami", "kita", "outside", "undisclosed"]
    rows = {r.topic.slug: r for r in m.rows}
    assert rows["roles"].cells == [2, 1, 0, 0, 0, 0, 0] and rows["roles"].total == 3
    assert rows["counters"].cells == [1, 0, 0, 0, 0, 1, 0] and rows["counters"].total == 2
    assert rows["cooperation"].total == 0
    assert m.column_totals == [3, 1, 0, 0, 0, 1, 0] and m.total == 5
    assert m.largest == 2 and m.level(2) == 5 and m.level(1) == 3 and m.level(0) == 0


def test_proposals_by_ward_with_wilson_intervals(known):
    [result] = [r for r in stats.proposals_by_ward(_f()) if r.proposal.key == "ward-head-authority"]
    rows = {r.code: r for r in result.rows}
    chuo = rows["chuo"]
    assert chuo.n == 3 and (chuo.cells["agree"].k, chuo.cells["disagree"].k, chuo.cells["pass"].k) == (2, 1, 0)
    assert rows["higashi"].n == 1 and rows["kita"].cells["pass"].k == 1 and rows["outside"].cells["agree"].k == 1
    assert rows["nishi"].n == 0 and rows["nishi"].cells["agree"].interval is None
    total = result.total
    assert total.n == 6 and [total.cells[v].k for v in ("agree", "disagree", "pass")] == [4, 1, 1]
    assert total.cells["agree"].share == pytest.approx(4 / 6)
    for (k, n), share in (((4, 6), total.cells["agree"]), ((2, 3), chuo.cells["agree"]),
                          ((0, 3), chuo.cells["pass"]), ((1, 1), rows["higashi"].cells["agree"])):
        low, high = wilson_by_roots(k, n)
        assert share.interval == pytest.approx((low, high), abs=1e-12)
    assert total.cells["agree"].interval == pytest.approx((0.3000, 0.9032), abs=5e-5)  # 4/6, by hand


def test_representativeness(known):
    rep = stats.representativeness(_f())
    rows = {r.code: r for r in rep.rows}
    population = {w.code: w.population for w in db.session.scalars(select(Ward))}
    whole = sum(population.values())
    assert rep.city_participants == 5 and rep.outside == 1 and rep.undisclosed == 0
    chuo = rows["chuo"]
    assert chuo.participants.k == 3 and chuo.participants.share == pytest.approx(3 / 5)
    assert chuo.population_share == pytest.approx(population["chuo"] / whole)
    assert chuo.ratio == pytest.approx((3 / 5) / (population["chuo"] / whole))
    assert chuo.verdict == "even"  # 5 people: the interval still holds the population share
    assert rows["nishi"].participants.k == 0 and rows["nishi"].ratio == 0


def test_over_and_under_heard_wards(app, participant, comment):
    for _ in range(40):
        comment(ward="chuo", participant=participant("chuo"))
    rep = stats.representativeness(_f())
    verdicts = {r.code: r.verdict for r in rep.rows}
    assert verdicts == {"chuo": "over", "higashi": "under", "nishi": "under", "minami": "under", "kita": "under"}


def test_over_time_relation_and_age(known):
    days = stats.over_time(_f())
    # c1 at 2014-10-03 15:30 UTC is the 4th in JST; votes were cast today, far later: no gap filling.
    by_day = {d.day.isoformat(): (d.comments, d.votes) for d in days}
    assert by_day["2014-10-04"] == (1, 0) and by_day["2014-10-05"] == (2, 0)
    assert by_day["2014-10-06"] == (1, 0) and by_day["2014-10-07"] == (1, 0)
    assert sum(v for _, v in by_day.values()) == 6
    relations = dict(stats.relations(_f()).rows)
    assert relations == {"resident": 4, "commuter": 0, "business": 1, "other": 1, "": 0}
    ages = dict(stats.age_bands(_f()).rows)
    assert ages["30s"] == 1 and ages["40s"] == 1 and ages[""] == 4


def test_filters_narrow_every_figure(known):
    chuo = _f(ward="chuo")
    assert stats.totals(chuo).comments_total == 3 and stats.totals(chuo).votes_total == 3
    assert stats.topic_ward_matrix(chuo).total == 3
    roles_web = _f(topic="roles", channel="web")
    assert stats.totals(roles_web).comments_total == 2
    published = _f(status="published")
    assert stats.totals(published).comments_total == 3
    from_4th = _f(**{"from": "2014-10-04", "to": "2014-10-04"})  # JST day boundaries
    assert stats.totals(from_4th).comments_total == 1
    assert stats.totals(_f(to="2014-10-03")).comments_total == 0
    assert _f(**{"from": "２０１４/１０/４"}).date_from == from_4th.date_from  # as people type it


@pytest.mark.parametrize("q, expected", [("バ", 1), ("交通", 1), ("bus", 1), ("ｂｕｓ", 1), ("窓", 1), ("%", 0),
                                         ("見直し", 1), ("を", 2)])
def test_full_text_search_works_for_short_queries_and_full_width(known, q, expected):
    assert stats.totals(_f(q=q)).comments_total == expected


def test_search_narrows_votes_to_the_writers(known):
    t = stats.totals(_f(q="バス"))
    assert t.comments_total == 1 and t.participants_total == 1 and t.votes_total == 1  # p1's one vote


@pytest.mark.parametrize("args, field, message", [
    ({"ward": "zz"}, "ward", "区の指定が正しくありません"),
    ({"topic": "nope"}, "topic", "審議事項の指定が正しくありません"),
    ({"channel": "pigeon"}, "channel", "経路の指定が正しくありません"),
    ({"status": "gone"}, "status", "状態の指定が正しくありません"),
    ({"workshop": "999999"}, "workshop", "ワークショップの指定が正しくありません"),
    ({"group": "abc"}, "group", "意見グループの指定が正しくありません"),
    ({"from": "2014-13-01"}, "from", "年-月-日"),
    ({"from": "2014-10-05", "to": "2014-10-01"}, "to", "終わりが始まりより前"),
    ({"q": "あ" * 101}, "q", "100文字以内"),
])
def test_bad_filters_get_a_clear_message(staff, args, field, message):
    client, _ = staff("secretariat")
    response = client.get("/staff/c/kumamoto-ward-offices-h26/review", query_string=args)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and f'id="f-{field}-error"' in html


def test_dashboard_page_shows_the_figures(staff, known):
    client, _ = staff("secretariat")
    response = client.get("/staff/c/kumamoto-ward-offices-h26/review")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "style=" not in html  # the CSP forbids inline styles
    assert 'class="num heat heat--5"' in html  # the chuo × roles cell
    low, high = wilson_by_roots(4, 6)
    assert f"{100 * low:.1f}–{100 * high:.1f}%" in html
    assert "<svg" in html and 'role="img"' in html
    assert client.get("/staff/c/kumamoto-ward-offices-h26/review?ward=chuo&topic=roles&q=%E3%83%90%E3%82%B9").status_code == 200


def _count_queries(app, fn):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_no_query_per_row(app, staff, known):
    client, _ = staff("secretariat")
    pages = ("/staff/c/kumamoto-ward-offices-h26/review", "/staff/c/kumamoto-ward-offices-h26/review/comments", "/staff/c/kumamoto-ward-offices-h26/moderation?status=all", "/staff/c/kumamoto-ward-offices-h26/review/document")
    before = {url: _count_queries(app, lambda: client.get(url)) for url in pages}
    topic_ids = [t for (t,) in db.session.execute(select(Comment.topic_id)).all()]
    pid = db.session.scalar(select(Participant.id))
    db.session.execute(insert(Comment), [dict(receipt_no=new_receipt_no(), topic_id=topic_ids[i % len(topic_ids)],
                                              participant_id=pid, ward_code="nishi", body=f"追加のご意見{i}",
                                              channel="web", status="pending") for i in range(40)])
    db.session.commit()
    after = {url: _count_queries(app, lambda: client.get(url)) for url in pages}
    assert after == before
