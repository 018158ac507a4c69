"""The scatter map: parseable SVG, links with titles, escaped text, a shape per group, small at 10k."""

import random
import xml.etree.ElementTree as ET

from markupsafe import Markup

from consult.analysis.svg import scatter_svg

NS = "{http://www.w3.org/2000/svg}"
POINTS = [(1, 0.0, 0.0, "A"), (2, 1.0, 1.0, "A"), (3, 0.5, 0.25, "B"), (4, 0.123456, 0.9, "C")]


def parse(markup):
    assert isinstance(markup, Markup)
    return ET.fromstring(str(markup))


def marker_of(root, use):
    ref = use.get("href").lstrip("#")
    return next(el for el in root.iter() if el.get("id") == ref)


def test_accessible_picture_without_links():
    root = parse(scatter_svg(POINTS, title="意見のグループ", description="投票から見たグループ",
                             legend={"A": "賛成寄り"}))
    assert root.get("role") == "img"
    assert root.get("viewBox").startswith("0 0 1000 ")
    assert root.get("width") == "100%"
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert title.text == "意見のグループ" and desc.text == "投票から見たグループ"
    assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]
    assert root.findall(f".//{NS}a") == []
    assert not any(el.get("style") for el in root.iter()) and root.find(f".//{NS}style") is None
    legend = [t.text for t in root.iter(f"{NS}text")]
    assert legend == ["A: 賛成寄り (2)", "B (1)", "C (1)"]


def test_coordinates_rounded_and_y_points_up():
    root = parse(scatter_svg(POINTS, title="t", description="d", legend={}))
    dots = [u for u in root.iter(f"{NS}use") if u.get("x")]
    assert [(u.get("x"), u.get("y")) for u in dots] == [("24", "976"), ("976", "24"), ("500", "738"),
                                                        ("141.5", "119.2")]


def test_shapes_and_colours_differ_per_group():
    root = parse(scatter_svg(POINTS, title="t", description="d", legend={}))
    dots = [u for u in root.iter(f"{NS}use") if u.get("x")]
    markers = {p[3]: marker_of(root, u) for p, u in zip(POINTS, dots)}
    assert markers["A"] is marker_of(root, dots[1])  # one marker per group, shared by its dots
    shapes = {(m.tag, m.get("d"), m.get("r"), m.get("width")) for m in markers.values()}
    assert len(shapes) == 3
    assert len({m.get("fill") for m in markers.values()}) == 3
    assert all(m.get("stroke") for m in markers.values())


def test_links_with_titles_and_hostile_text_escaped():
    hostile = '<script>alert("x")</script>'
    markup = scatter_svg(POINTS, title=hostile, description="a & b", legend={"A": hostile},
                         href=lambda pid: f"/comments/{pid}?a=1&b=2", label=lambda pid: f"受付番号 {pid} {hostile}")
    assert "<script>" not in str(markup)
    root = parse(markup)
    assert root.get("role") == "group"  # role="img" would hide the links from screen readers
    links = root.findall(f".//{NS}a")
    assert [a.get("href") for a in links] == [f"/comments/{p[0]}?a=1&b=2" for p in POINTS]
    assert [a.find(f"{NS}title").text for a in links] == [f"受付番号 {p[0]} {hostile}" for p in POINTS]
    assert root.find(f"{NS}title").text == hostile
    assert root.find(f".//{NS}text").text == f"A: {hostile} (2)"
    assert root.find(f".//{NS}script") is None


def test_labels_without_links():
    root = parse(scatter_svg(POINTS, title="t", description="d", legend={}, label=lambda pid: f"#{pid}"))
    assert [g.find(f"{NS}title").text for g in root.iter(f"{NS}g")] == ["#1", "#2", "#3", "#4"]


def test_small_at_ten_thousand_points():
    rng = random.Random(1)
    points = [(i, rng.random(), rng.random(), "ABCDE"[i % 5]) for i in range(10_000)]
    markup = scatter_svg(points, title="t", description="d", legend={})
    assert len(str(markup)) < 460_000  # ≈ 45 bytes a dot (446 kB measured; 64 kB gzipped)
    assert len(parse(markup).findall(f".//{NS}use")) == 10_005
