"""One period of a consultation (JST days, both ends included): on the form, in the API, the CLI."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from consult.analysis import runs
from consult.analysis.models import AnalysisRun
from consult.core.errors import InvalidInput
from consult.extensions import db
from consult.participation.models import Comment

from .test_runs import DELIBERATION, consultation, demo  # noqa: F401  (demo is a fixture)


def _received(demo):  # noqa: F811
    """Spread the demo's comments over 1–10 October 2014 (JST), in id order; returns {id: JST day}.

    Every other one at 00:30 JST, which is the day before in UTC: only JST days put it right."""
    comments = db.session.scalars(select(Comment).where(Comment.topic.has(consultation_id=demo.id),
                                                        Comment.status != "hidden").order_by(Comment.id)).all()
    days = {}
    for i, comment in enumerate(comments):
        day = 1 + i % 10
        jst = datetime(2014, 10, day, 0, 30) if i % 2 else datetime(2014, 10, day, 23, 30)
        comment.created_at_utc = jst - timedelta(hours=9)
        days[comment.id] = day
    db.session.commit()
    return days


def test_the_period_takes_the_comments_received_on_those_jst_days(demo):  # noqa: F811
    days = _received(demo)
    selection = runs.asked_selection(demo, "text", "", "", date_from="2014-10-03", date_to="2014-10-06")
    assert (selection.date_from, selection.date_to) == ("2014-10-03", "2014-10-06")
    got = {doc_id for doc_id, _ in runs.text_input(demo, selection)}
    assert got == {cid for cid, day in days.items() if 3 <= day <= 6}
    only_from = runs.asked_selection(demo, "text", "", "", date_from="２０１４/10/09")  # full-width, slashes
    assert {d for d, _ in runs.text_input(demo, only_from)} == {cid for cid, day in days.items() if day >= 9}


@pytest.mark.parametrize("start, end, field, message", [
    ("2014-13-01", "", "from", "年-月-日"),
    ("", "yesterday", "to", "年-月-日"),
    ("2014-10-06", "2014-10-03", "to", "終わりが始まりより前"),
])
def test_a_wrong_period_is_refused_per_field(demo, start, end, field, message):  # noqa: F811
    with pytest.raises(InvalidInput) as refused:
        runs.asked_selection(demo, "text", "", "", date_from=start, date_to=end)
    assert message in runs.as_text(refused.value.errors[field][0])


def test_the_form_keeps_a_wrong_period_and_says_why(demo, staff):  # noqa: F811
    client, _ = staff("secretariat")
    response = client.post(f"/staff/c/{DELIBERATION}/analysis", data={"kind": "text", "from": "2014-10-06",
                                                                     "to": "2014-10-03"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "期間の終わりが始まりより前になっています" in page
    assert 'value="2014-10-06"' in page and 'value="2014-10-03"' in page
    assert db.session.scalar(select(AnalysisRun)) is None


def test_a_period_with_too_few_comments_is_refused_before_any_job(demo, staff):  # noqa: F811
    _received(demo)
    client, _ = staff("secretariat")
    response = client.post(f"/staff/c/{DELIBERATION}/analysis", data={"kind": "text", "from": "2015-01-01"})
    assert response.status_code == 422 and "この範囲のご意見は0件です" in response.get_data(as_text=True)
    assert db.session.scalar(select(AnalysisRun)) is None


def test_the_cli_and_the_run_page_carry_the_period(demo, runner, staff):  # noqa: F811
    days = _received(demo)
    result = runner.invoke(args=["analysis", "run", DELIBERATION, "--from", "2014-10-01", "--to", "2014-10-08"])
    assert result.exit_code == 0, result.output
    run = db.session.get(AnalysisRun, int(result.stdout.strip().splitlines()[-1]))
    assert run.input_count == sum(1 for day in days.values() if day <= 8)
    assert run.settings["selection"]["date_from"] == "2014-10-01"
    client, _ = staff("secretariat")
    page = client.get(f"/staff/c/{DELIBERATION}/analysis/{run.id}").get_data(as_text=True)
    assert "受け付けた期間" in page and "平成26年10月1日 – 平成26年10月8日" in page
    refused = runner.invoke(args=["analysis", "run", DELIBERATION, "--from", "2014-10-08", "--to", "2014-10-01"])
    assert refused.exit_code != 0 and "--to is before --from" in refused.output
    assert runner.invoke(args=["analysis", "run", DELIBERATION, "--from", "10/01"]).exit_code != 0


def test_the_api_takes_the_period(demo, staff):  # noqa: F811
    client, _ = staff("secretariat")
    url = f"/api/v1/consultations/{DELIBERATION}/analysis/runs"
    refused = client.post(url, json={"kind": "text", "from": "2014-10-06", "to": "2014-10-01"})
    assert refused.status_code == 422 and "終わりが始まりより前" in refused.get_json()["errors"]["to"][0]
    assert client.post(url, json={"kind": "text", "from": 20141001}).status_code == 422  # a number, not a date
    assert db.session.scalar(select(AnalysisRun)) is None
