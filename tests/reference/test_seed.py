"""`flask seed` loads the first meeting's facts faithfully, and a second run changes nothing."""

from sqlalchemy import func, select

from consult.consultation.models import Consultation, Meeting, Proposal, Section, Topic, Ward
from consult.extensions import db
from consult.reference.models import (BudgetItem, OtherCity, OtherCityProject, ReferenceDocument,
                                      StaffOpinion, WardBudget)

TABLES = (Ward, Meeting, Topic, Section, Proposal, WardBudget, BudgetItem, StaffOpinion, OtherCity,
          OtherCityProject, ReferenceDocument)


def _counts():
    return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in TABLES}


def test_second_seed_changes_nothing(runner):
    before = _counts()  # the fixture database was seeded once already
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "nothing to add" in result.output
    assert _counts() == before


def test_seed_into_empty_tables_then_again(runner):
    # Remove the reference data and load it twice from scratch: same rows, no duplicates.
    for model in (BudgetItem, WardBudget, StaffOpinion):
        db.session.query(model).delete()
    db.session.commit()
    runner.invoke(args=["seed"])
    first = _counts()
    runner.invoke(args=["seed"])
    assert _counts() == first
    assert first["budget_item"] == 73 and first["staff_opinion"] == 26


def test_each_ward_budget_matches_the_source(app):
    expected = {"chuo": 11, "higashi": 15, "nishi": 14, "minami": 19, "kita": 14}
    budgets = {b.ward.code: b for b in db.session.scalars(select(WardBudget))}
    assert set(budgets) == set(expected)
    for code, rows in expected.items():
        budget = budgets[code]
        assert len(budget.items) == rows, code
        assert [i.no for i in budget.items] == list(range(1, rows + 1))
        assert budget.stated_total == 20000
        assert budget.items_total == 20000, code
        assert budget.fiscal_year == 2014


def test_budget_rows_carry_kinds_and_amounts(app):
    def item(ward, no):
        return db.session.scalar(select(BudgetItem).join(WardBudget).join(Ward)
                                 .where(Ward.code == ward, BudgetItem.no == no))

    first = item("chuo", 1)
    assert (first.name, first.kind_list, first.amount) == ("みんなのまちづくり情報発信事業", ["A", "C"], 4750)
    assert item("kita", 12).amount == 4868
    assert item("minami", 19).amount == 488
    assert item("minami", 7).kind_list == ["B", "C"]
    assert item("higashi", 15).name == "地域課題検討会開催経費"


def test_staff_opinions_26_under_8_headings(app):
    rows = db.session.scalars(select(StaffOpinion)).all()
    assert len(rows) == 26
    headings = {r.heading for r in rows}
    assert len(headings) == 8
    assert any("区の権限" in h for h in headings)


def test_other_cities_in_source_order(app):
    names = [c.name for c in db.session.scalars(select(OtherCity).order_by(OtherCity.position))]
    assert names[:10] == ["札幌市", "仙台市", "さいたま市", "千葉市", "横浜市", "川崎市", "相模原市", "新潟市",
                          "静岡市", "浜松市"]
    assert names[-1] == "熊本市" and len(names) == len(set(names)) == 20
    hamamatsu = db.session.scalar(select(OtherCity).where(OtherCity.name == "浜松市"))
    assert "人口" in hamamatsu.allocation and "面積" in hamamatsu.allocation


def test_topics_sections_and_proposals(app):
    topics = db.session.scalars(select(Topic).join(Topic.consultation)
                                .where(Consultation.slug == "kumamoto-ward-offices-h26").order_by(Topic.number)).all()
    assert [t.title for t in topics] == [
        "区役所・本庁の責務、役割", "区役所と本庁の役割分担、連携",
        "区役所等におけるまちづくりの取り組み、体制、支援の在り方", "区役所等における行政窓口の在り方"]
    for t in topics:
        assert 3 <= len(t.proposals) <= 6
        assert len(t.sections) >= 3
        assert all(s.current.number == 1 and s.current.body for s in t.sections)
        assert "見本" in t.summary_notice


def test_ordinance_defines_kumin(app):
    doc = db.session.scalar(select(ReferenceDocument).where(ReferenceDocument.slug == "ordinance"))
    kumin = next(d for d in doc.data["definitions"] if d["term"] == "区民")
    assert "通勤" in kumin["text"] and "通学" in kumin["text"]


def test_budget_page_shows_tables_charts_and_the_check(client):
    html = client.get("/reference/budgets").get_data(as_text=True)
    assert html.count("<svg") >= 10  # two charts per ward
    assert html.count("一致しています") == 5
    assert "4,750" in html and "みんなのまちづくり情報発信事業" in html


def test_reference_pages_render(client):
    for path in ("/reference/", "/reference/staff-opinions", "/reference/other-cities",
                 "/reference/organisation", "/reference/ordinance"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert "平成25年12月5日" in client.get("/reference/ordinance").get_data(as_text=True)
    assert "保健子ども課" in client.get("/reference/organisation").get_data(as_text=True)


def test_long_reference_pages_have_their_own_table_of_contents(client):
    import re

    for path in ("/reference/staff-opinions", "/reference/other-cities", "/reference/organisation",
                 "/reference/ordinance"):
        html = client.get(path).get_data(as_text=True)
        assert 'class="page-toc"' in html, path
        toc = html[html.index('class="page-toc"'):html.index("</nav>", html.index('class="page-toc"'))]
        anchors = re.findall(r'href="#([^"]+)"', toc)
        assert len(anchors) >= 2, path
        assert all(f'id="{a}"' in html for a in anchors), path
