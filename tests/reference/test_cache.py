"""The reference pages go through the page cache, and the budget charts are drawn once per change
of their data and language; a change shows on the next request."""

from sqlalchemy import select

from consult.consultation.models import Ward
from consult.extensions import db
from consult.reference import charts
from consult.reference.models import BudgetItem, StaffOpinion

PAGES = ("/reference/", "/reference/budgets", "/reference/staff-opinions", "/reference/other-cities",
         "/reference/organisation", "/reference/ordinance")


def _get(app, path, **kwargs):
    return app.test_client().get(path, **kwargs).get_data(as_text=True)


def test_each_reference_page_is_kept_and_equals_a_fresh_render(app):
    for path in PAGES:
        first, second = _get(app, path), _get(app, path)
        cache = app.extensions.pop("page_cache")
        fresh = _get(app, path)
        app.extensions["page_cache"] = cache
        assert first == second == fresh, path
    assert len(app.extensions["page_cache"]) == len(PAGES)


def test_an_edited_amount_and_ward_name_show_on_the_next_request(app):
    item = db.session.scalar(select(BudgetItem).order_by(BudgetItem.id))
    assert f"{item.amount:,}" in _get(app, "/reference/budgets")
    item.amount = 987654
    db.session.commit()
    html = _get(app, "/reference/budgets")
    assert "987,654" in html  # in the table and in the chart
    assert html.count("987,654") >= 2
    opinion = db.session.scalar(select(StaffOpinion).order_by(StaffOpinion.id))
    _get(app, "/reference/staff-opinions")
    db.session.add(StaffOpinion(heading=opinion.heading, heading_position=opinion.heading_position,
                                position=999, text="新しく加えた職員意見"))
    db.session.commit()
    assert "新しく加えた職員意見" in _get(app, "/reference/staff-opinions")


def test_charts_are_drawn_once_per_data_and_language(app, monkeypatch):
    drawn = []
    real = charts.budget_bars

    def counting(*args, **kwargs):
        drawn.append(kwargs["chart_id"])
        return real(*args, **kwargs)

    monkeypatch.setattr("consult.reference.views.budget_bars", counting)
    visitor = app.test_client()
    with visitor.session_transaction() as session:
        session["participant"] = "someone"  # a page rendered for them, never from the page cache
    visitor.get("/reference/budgets")
    wards = len(drawn)
    assert wards > 0
    visitor.get("/reference/budgets")
    assert len(drawn) == wards  # the second render reused the charts
    english = visitor.get("/reference/budgets?lang=en").get_data(as_text=True)
    assert len(drawn) == 2 * wards
    ward = db.session.scalar(select(Ward).order_by(Ward.position))
    assert ward.name_en in english
    item = db.session.scalar(select(BudgetItem).order_by(BudgetItem.id))
    item.amount += 1
    db.session.commit()
    visitor.get("/reference/budgets")
    assert len(drawn) == 3 * wards
