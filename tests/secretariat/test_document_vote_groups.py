"""The review document's 「賛否によるグループ（参考）」: the latest finished votes run, traced to its
id, time, input count and settings, in the page, the print file and the workbook; nothing without a
votes run; and opinion groups accepted from a text suggestion name the run they came from."""

import io

import openpyxl
import pytest
from sqlalchemy import select

from consult.analysis import decisions, runs
from consult.analysis.models import AnalysisGroup, AnalysisRun
from consult.consultation.models import Consultation
from consult.extensions import db
from consult.secretariat import groups as opinion_groups
from consult.secretariat.models import OpinionGroup
from tests.core.test_english_pages import Unmarked

SLUG = "kumamoto-ward-offices-h26"
DOCUMENT = f"/staff/c/{SLUG}/review/document"
HEADING = "賛否によるグループ（参考）"


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo-data", "--participants", "60", "--comments", "60", "--votes", "600",
                                 "--no-staff"])
    assert result.exit_code == 0, result.output
    return db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))


def votes_run(consultation) -> AnalysisRun:
    run = runs.perform(runs.start("votes", consultation, settings={"seed": 3}).id)
    assert run.state == "done", run.error_message
    return run


def test_no_votes_run_no_section(demo, staff):
    client, _ = staff("secretariat")
    runs.perform(runs.start("text", demo).id)  # a text run is not a vote-group section
    html = client.get(DOCUMENT).get_data(as_text=True)
    assert "審議事項1" in html and HEADING not in html and "doc-votes-h" not in html
    book = openpyxl.load_workbook(io.BytesIO(client.get(DOCUMENT + ".xlsx").get_data()))
    assert "賛否によるグループ" not in book.sheetnames


def test_the_section_traces_the_latest_finished_votes_run(demo, staff):
    client, _ = staff("secretariat")
    first = votes_run(demo)
    run = votes_run(demo)
    # A later run that failed does not replace the finished one.
    failed = runs.start("votes", demo)
    runs._finish_failed(failed.id, "error", "stopped")
    html = client.get(DOCUMENT).get_data(as_text=True)
    section = html.split('id="doc-votes-h"')[1]
    assert HEADING in html
    assert f"分析 #{run.id}、" in section and f"対象 {run.input_count} 人" in section
    assert f"分析 #{first.id}、" not in html and f"分析 #{failed.id}" not in html
    assert "グループ数2〜5から" in section and "乱数の種 3" in section
    groups = [g for g in run.groups if g.parent_key is None]
    for g in groups:
        assert f"<th scope=\"row\">グループ{g.key}</th><td class=\"num\">{g.size}</td>" in section
    # Every group's ward split adds up to its size; the table's total to the participants analysed.
    assert f"<th scope=\"row\">合計</th><td class=\"num\">{run.input_count}</td>" in section
    consensus = run.summary["consensus"]
    assert consensus, "the demo's votes have proposals every camp agrees with"
    block = section.split("どのグループでも賛成が多い提案とグループごとの賛成の割合")[1].split("</table>")[0]
    assert block.count("<tr>") == len(consensus) + 1  # the header row and one per proposal
    # Each share is the group's own tally: the first consensus proposal, group A.
    tally = groups[0].detail["proposals"][str(consensus[0])]
    share = tally["agree"] / (tally["agree"] + tally["disagree"] + tally["pass"])
    assert f"{100 * share:.1f}%" in section
    assert "グループによって賛否が分かれる提案とグループごとの賛成の割合" in section


def test_the_workbook_has_the_same_table_on_one_sheet(demo, staff):
    client, _ = staff("secretariat")
    run = votes_run(demo)
    book = openpyxl.load_workbook(io.BytesIO(client.get(DOCUMENT + ".xlsx").get_data()))
    rows = [[c for c in row if c is not None] for row in book["賛否によるグループ"].iter_rows(values_only=True)]
    rows = [r for r in rows if r]
    assert ["分析の実行番号", run.id] in rows and ["対象の参加者（人）", run.input_count] in rows
    sizes = {r[0]: r[1] for r in rows if isinstance(r[0], str) and r[0].startswith("グループ") and len(r) > 1
             and isinstance(r[1], int)}
    assert sizes == {f"グループ{g.key}": g.size for g in run.groups}
    shares = [r for r in rows if r[0].startswith("審議事項") and isinstance(r[2], float | int)]
    assert len(shares) == len(run.summary["consensus"]) + len(run.summary["divisive"])
    assert all(0 <= v <= 1 for r in shares for v in r[2:])  # real fractions, shown as percentages


def test_the_print_file_has_it_and_no_staff_only_note(demo, runner, tmp_path):
    run = votes_run(demo)
    out = tmp_path / "doc.html"
    result = runner.invoke(args=["secretariat", "export", "document", "--output", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    section = html.split('id="doc-votes-h"')[1]
    assert f"分析 #{run.id}、" in section and "screen-only" not in section and "/staff/" not in section


def test_accepted_groups_name_their_run(demo, staff):
    client, user = staff("secretariat")
    text_run = runs.perform(runs.start("text", demo).id)
    first, second = db.session.scalars(select(AnalysisGroup).where(
        AnalysisGroup.run_id == text_run.id, AnalysisGroup.parent_key.is_(None)).order_by(AnalysisGroup.position)
        .limit(2)).all()
    made = decisions.accept(user, first).groups + decisions.accept(user, second).groups
    db.session.commit()
    trace = f"（分析 #{text_run.id} の提案から作成。"
    # Proposed groups are not in the document; once confirmed, each names the run.
    assert trace not in client.get(DOCUMENT).get_data(as_text=True)
    for group in made:
        opinion_groups.confirm_group(user, db.session.get(OpinionGroup, group.id))
    db.session.commit()
    html = client.get(DOCUMENT).get_data(as_text=True)
    assert html.count(trace) == len(made) and f"対象 {text_run.input_count} 件）" in html
    # A group staff made by hand carries no trace.
    hand = OpinionGroup(topic_id=made[0].topic_id, title="手で作ったグループ", state="confirmed")
    db.session.add(hand)
    db.session.commit()
    html = client.get(DOCUMENT).get_data(as_text=True)
    row = html.split("手で作ったグループ")[1].split("</tr>")[0]
    assert "分析 #" not in row


def test_in_english(demo, staff):
    client, _ = staff("secretariat")
    run = votes_run(demo)
    client.get("/lang?lang=en&next=/staff")
    html = client.get(DOCUMENT).get_data(as_text=True)
    assert '<html lang="en">' in html
    section = html.split('id="doc-votes-h"')[1].split("</section>")[0]
    assert "Groups by votes (for reference)" in section and f"Analysis #{run.id}," in section
    assert "Proposals most of every group agree with" in section and "Topic " in section
    parser = Unmarked()
    parser.feed(section)
    assert parser.found == []
    book = openpyxl.load_workbook(io.BytesIO(client.get(DOCUMENT + ".xlsx").get_data()))
    assert "Groups by votes" in book.sheetnames
