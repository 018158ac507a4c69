"""The review's SVG charts never tell a figure by colour alone (WCAG 1.4.1): every segment's
value is written with its series' short name, inside the segment or after the bar."""

import re

from consult.secretariat.charts import stacked_chart

VOTES = [("賛", "賛成"), ("反", "反対"), ("他", "どちらともいえない")]


def _texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_a_segment_too_narrow_for_its_text_is_written_after_the_bar():
    svg = str(stacked_chart([("全体", [98, 1, 1])], VOTES, percent=True, unit="n=", title="賛否", chart_id="t"))
    texts = _texts(svg)
    assert "賛98 (98%)" in texts  # wide enough: inside the segment
    assert "n=100 (反1, 他1)" in texts  # too narrow: after the total
    assert not [t for t in texts if re.fullmatch(r"[\d,]+", t)]  # no bare number whose series only a colour tells


def test_every_segment_is_named_in_text_whatever_its_width():
    rows = [("中央区", [500, 3, 0]), ("東区", [2, 0, 1]), ("西区", [0, 0, 7])]
    svg = str(stacked_chart(rows, [("ウェブ", "ウェブ"), ("WS", "ワークショップ"), ("紙", "紙")], title="経路", chart_id="c"))
    text = " ".join(_texts(svg))
    for label, values in rows:
        for short, value in zip(("ウェブ", "WS", "紙"), values):
            if value:
                assert f"{short}{value}" in text, (label, short, value)
    assert svg.count("<rect") == 5 + 3  # five segments, three legend swatches


def test_a_long_text_after_the_bar_widens_the_picture():
    series = [("賛成", "賛成"), ("反対", "反対"), ("どちらともいえない", "どちらともいえない")]
    svg = str(stacked_chart([("全体", [1_000_000, 1, 1])], series, percent=True, unit="n=", title="賛否", chart_id="w"))
    width = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1))
    assert width > 720
    assert "n=1,000,002 (反対1, どちらともいえない1)" in _texts(svg)


def test_the_heatmap_legend_gives_the_counts_of_each_shade(staff, comment):
    for _ in range(10):
        comment("roles", ward="chuo")
    comment("roles", ward="higashi")
    comment("counters", ward="kita", status="published")
    client, _user = staff("secretariat")
    html = client.get("/staff/c/kumamoto-ward-offices-h26/review").get_data(as_text=True)
    legend = re.search(r'<p class="heat-legend"[^>]*>(.*?)</p>', html, re.S).group(1)
    shades = re.findall(r'<span class="heat heat--(\d)">([^<]*)</span>', legend)
    assert shades == [("0", "0"), ("1", "1–2"), ("2", "3–4"), ("3", "5–6"), ("4", "7–8"), ("5", "9–10")]
    # Each cell writes its count; the shade only repeats it (the largest cell has the darkest).
    assert re.search(r'<td class="num heat heat--5"><a [^>]*>10</a></td>', html)
    assert re.search(r'<td class="num heat heat--1"><a [^>]*>1</a></td>', html)


def test_the_heatmap_legend_leaves_out_shades_no_count_can_have(staff, comment):
    comment("roles", ward="chuo")
    comment("roles", ward="chuo")
    client, _user = staff("secretariat")
    html = client.get("/staff/c/kumamoto-ward-offices-h26/review").get_data(as_text=True)
    legend = re.search(r'<p class="heat-legend"[^>]*>(.*?)</p>', html, re.S).group(1)
    # The largest is 2: a count of 1 is shade 3 (ceil(5 × 1 / 2)), 2 is shade 5; shades 1, 2 and 4 hold none.
    assert re.findall(r'<span class="heat heat--(\d)">([^<]*)</span>', legend) == [("0", "0"), ("3", "1"), ("5", "2")]


def _channel_chart(html: str) -> str:
    return re.search(r'<svg[^>]*aria-labelledby="channels-t".*?</svg>', html, re.S).group(0)


def test_a_chart_kept_from_an_earlier_view_never_shows_old_figures_or_another_language(staff, comment):
    # Charts are kept per figures and words (charts._kept): the next view after a new comment, and
    # the same figures in English, must each be drawn for what they show.
    comment("roles", ward="chuo")
    client, _user = staff("secretariat")
    url = "/staff/c/kumamoto-ward-offices-h26/review"
    first = _channel_chart(client.get(url).get_data(as_text=True))
    assert first == _channel_chart(client.get(url).get_data(as_text=True))
    comment("roles", ward="chuo")
    second = _channel_chart(client.get(url).get_data(as_text=True))
    assert "ウェブ1<" in first and "ウェブ2<" in second
    client.get("/lang?lang=en&next=/staff")
    english = _channel_chart(client.get(url).get_data(as_text=True))
    assert "経路別" in second and "経路別" not in english and "channel" in english.lower()
