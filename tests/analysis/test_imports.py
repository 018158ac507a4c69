"""Imports into a new consultation (`flask analysis import-kouchou` / `import-polis`): the channel
"imported", the other tool's ids kept, all or nothing, and the round trips through a run and its
exports."""

import csv
import io
import json
import random
import shutil
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask_babel import force_locale
from flask_migrate import downgrade
from sqlalchemy import func, select, text

from consult.analysis import imports
from consult.analysis.interop import ImportFormatError
from consult.analysis.models import AnalysisPoint, AnalysisRun
from consult.audit import AuditEvent
from consult.consultation.models import Consultation, Proposal, Topic
from consult.extensions import db
from consult.participation import tallies
from consult.participation.models import Comment, CommentRollup, Participant, Vote, VoteTally
from consult.secretariat import stats
from consult.secretariat.filters import ReviewFilter

DATA = Path(__file__).parent.parent / "data"
INTEROP = DATA / "interop"


def consultations() -> int:
    return db.session.scalar(select(func.count(Consultation.id)))


def counts() -> dict[str, int]:
    db.session.rollback()
    return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
            for m in (Consultation, Topic, Comment, Proposal, Participant, Vote, AuditEvent)}


def comments_of(slug: str) -> list[Comment]:
    return list(db.session.scalars(select(Comment).join(Topic).join(Consultation)
                                   .where(Consultation.slug == slug).order_by(Comment.id)))


def kouchou(runner, path, slug, *extra):
    return runner.invoke(args=["analysis", "import-kouchou", str(path), "--consultation", slug, *extra])


def themes_csv(tmp_path) -> Path:
    """tests/data/analysis/themes.csv (212 comments in 5 themes) as a kouchou-ai input CSV, ids t001…,
    with an age column and a ward column as Japanese forms export them."""
    wards = ["中央区", "東区", "西区", "南区", "北区", "市外"]
    with open(DATA / "analysis" / "themes.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["comment-id", "comment-body", "attribute_年代", "地区", "source"])
    for i, row in enumerate(rows, 1):
        w.writerow([f"t{i:03d}", row["text"], f"{20 + 10 * (i % 5)}代", wards[i % 6], "web-form"])
    path = tmp_path / "themes-kouchou.csv"
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
    return path


# ---------------------------------------------------------------- kouchou-ai CSV


@pytest.mark.parametrize("name, encoding", [("kouchou_cp932.csv", "cp932"), ("kouchou_utf8_bom.csv", "utf-8-sig")])
def test_a_kouchou_csv_becomes_a_new_consultation_of_imported_comments(runner, name, encoding):
    before = consultations()
    result = kouchou(runner, INTEROP / name, "imported-a", "--title", "広聴AIから")
    assert result.exit_code == 0, result.output
    assert "3" in result.output and encoding in result.output
    c = db.session.scalar(select(Consultation).where(Consultation.slug == "imported-a"))
    assert consultations() == before + 1
    assert (c.kind, c.phase, c.title) == ("deliberation", "draft", "広聴AIから")  # not public
    rows = comments_of("imported-a")
    assert [r.external_id for r in rows] == ["c1", "c2", "c3"]
    assert {r.channel for r in rows} == {"imported"} and {r.status for r in rows} == {"pending"}
    # Bodies as written (the line break and ①～③ too); the columns kept; ward and age recognised.
    assert rows[1].body.splitlines() == ["駅前の駐輪場を増やしてください。", "特に朝が混みます"]
    assert rows[2].body == "①～③の案に賛成です"
    assert json.loads(rows[0].imported_attributes_json) == {"attribute_年代": "30代", "地区": "中央区"}
    assert [(r.ward_code, r.age_band) for r in rows] == [("chuo", "30s"), ("higashi", "40s"), ("nishi", "20s")]
    assert all(r.participant_id is None and r.receipt_no for r in rows)
    # The rollups agree with the rows (what a bulk insert must keep), and the review counts them.
    assert tallies.recount(db.session) == {k: 0 for k in tallies.recount(db.session)}
    db.session.rollback()
    assert db.session.scalar(select(func.sum(CommentRollup.n)).where(CommentRollup.channel == "imported")) == 3
    f = ReviewFilter(consultation_id=c.id, status="all")
    totals = stats.totals(f)
    assert totals.comments["imported"] == 3 and totals.comments_total == 3
    assert stats.shown_channels(c) == ("web", "workshop", "paper", "imported")
    # The audit log has the import with its counts and file, never a body.
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "analysis.import_kouchou"))
    assert event.after["comments"] == 3 and event.after["file"] == name and event.after["encoding"] == encoding
    assert "公園" not in json.dumps(event.after, ensure_ascii=False)


def test_a_consultation_without_imports_shows_only_its_kind_s_channels(app):
    c = db.session.scalar(select(Consultation).where(Consultation.slug == "kumamoto-ward-offices-h26"))
    assert stats.shown_channels(c) == ("web", "workshop", "paper")


@pytest.mark.parametrize("name, code, words", [
    ("kouchou_wrong_header.csv", "missing_column", ["comment-id", "id, comment"]),
    ("kouchou_duplicate_ids.csv", "duplicate_id", ["4, 5"]),
    ("kouchou_empty_body.csv", "empty_body", ["3, 4"]),
])
def test_a_bad_file_is_refused_with_its_lines_and_nothing_is_stored(runner, name, code, words):
    before = counts()
    result = kouchou(runner, INTEROP / name, "imported-bad")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)  # a message, no traceback
    assert code in result.output and name in result.output
    for word in words:
        assert word in result.output
    assert counts() == before


def test_the_refusal_is_in_english_for_an_english_operator(app):
    with pytest.raises(ImportFormatError) as refused:
        imports.import_kouchou((INTEROP / "kouchou_duplicate_ids.csv").read_bytes(), slug="imported-en")
    with force_locale("en"):
        assert str(refused.value.message) == "Line(s) 4, 5: the id was already used on an earlier line."


def test_an_existing_slug_is_refused_and_nothing_is_stored(runner):
    before = counts()
    result = kouchou(runner, INTEROP / "kouchou_utf8_bom.csv", "kumamoto-ward-offices-h26")
    assert result.exit_code != 0 and "kumamoto-ward-offices-h26" in result.output and "使われています" in result.output
    assert counts() == before
    assert kouchou(runner, INTEROP / "kouchou_utf8_bom.csv", "imported-once").exit_code == 0
    again = kouchou(runner, INTEROP / "kouchou_cp932.csv", "imported-once")
    assert again.exit_code != 0 and len(comments_of("imported-once")) == 3


def test_a_failure_while_writing_leaves_nothing(runner, monkeypatch):
    """All or nothing: an error after the consultation and some rows exist rolls everything back."""
    before = counts()

    def broken(rows):
        db.session.execute(select(1))
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports, "_store_comments", broken)
    result = kouchou(runner, INTEROP / "kouchou_utf8_bom.csv", "imported-broken")
    assert result.exit_code != 0
    assert counts() == before


def test_an_overlong_id_is_refused(app):
    data = ("comment-id,comment-body\n" + "x" * 129 + ",本文\n").encode()
    with pytest.raises(ImportFormatError) as refused:
        imports.import_kouchou(data, slug="imported-long")
    assert refused.value.code == "id_too_long" and refused.value.lines == (2,)
    db.session.rollback()
    assert db.session.scalar(select(Consultation).where(Consultation.slug == "imported-long")) is None


def test_age_and_ward_values_are_recognised_only_when_known():
    wards = {"中央区": "chuo", "chuo": "chuo"}
    assert imports._profile({"年齢": "34"}, wards) == ("undisclosed", "30s")
    assert imports._profile({"age": "８０代"}, wards) == ("undisclosed", "70plus")
    assert imports._profile({"attribute_年代": "19歳以下", "ward": "chuo"}, wards) == ("chuo", "under20")
    assert imports._profile({"年代": "35代", "区": "大阪市"}, wards) == ("undisclosed", None)
    assert imports._profile({"感想": "30代"}, wards) == ("undisclosed", None)


# ---------------------------------------------------------------- round trip: kouchou CSV → run → exports


def test_round_trip_kouchou_csv_run_and_exports_by_the_imported_ids(runner, tmp_path):
    path = themes_csv(tmp_path)
    result = kouchou(runner, path, "themes")
    assert result.exit_code == 0, result.output
    rows = comments_of("themes")
    assert len(rows) == 212 and rows[0].external_id == "t001"
    run = runner.invoke(args=["analysis", "run", "themes", "--channel", "imported"])
    assert run.exit_code == 0, run.output
    run_id = run.stdout.strip().splitlines()[-1]
    stored = db.session.get(AnalysisRun, int(run_id))
    assert stored.state == "done" and stored.input_count == 212

    out = tmp_path / "run.json"
    assert runner.invoke(args=["analysis", "export", run_id, "--format", "json", "--output", str(out)]).exit_code == 0
    doc = json.loads(out.read_text("utf-8"))
    ids = {f"t{i:03d}" for i in range(1, 213)}
    broad = [g for g in doc["groups"] if g["parent"] is None]
    members = [m for g in broad for m in g["members"]]
    assert len(broad) >= 2 and sorted(members) == sorted(ids)  # every comment once, by its imported id
    assert {p["comment"] for p in doc["coordinates"]} <= ids

    out_csv = tmp_path / "run.csv"
    assert runner.invoke(args=["analysis", "export", run_id, "--format", "csv", "--output", str(out_csv)]).exit_code == 0
    table = list(csv.DictReader(io.StringIO(out_csv.read_bytes().decode("utf-8-sig"))))
    assert {r["comment-id"] for r in table} == ids
    first = next(r for r in table if r["comment-id"] == "t001")
    assert first["arg_id"] == "At001_0" and first["source"] == "web-form"
    assert first["attribute_年代"] == "30代" and first["attribute_地区"] == "東区"
    group_of = {m: g["key"] for g in doc["groups"] if g["parent"] is not None for m in g["members"]}
    assert all(r["category_id"] == group_of[r["comment-id"]] for r in table)
    # And what the export wrote reads back as the input it came from (the same ids and bodies).
    again = tmp_path / "again.csv"
    with open(again, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["comment-id", "comment-body"])
        w.writerows((r["comment-id"], r["original-comment"]) for r in table)
    assert kouchou(runner, again, "themes-again").exit_code == 0
    assert sorted((c.external_id, c.body) for c in comments_of("themes-again")) == \
        sorted((c.external_id, c.body) for c in rows)


# ---------------------------------------------------------------- Polis


def polis_dir(tmp_path, comments="polis_comments.csv", votes="polis_participants_votes.csv") -> Path:
    d = tmp_path / "polis"
    d.mkdir(exist_ok=True)
    shutil.copy(INTEROP / comments, d / "comments.csv")
    shutil.copy(INTEROP / votes, d / "participants-votes.csv")
    return d


def polis(runner, directory, slug):
    return runner.invoke(args=["analysis", "import-polis", str(directory), "--consultation", slug])


def test_a_polis_export_becomes_proposals_participants_and_votes(runner, tmp_path):
    result = polis(runner, polis_dir(tmp_path), "polis-small")
    assert result.exit_code == 0, result.output
    c = db.session.scalar(select(Consultation).where(Consultation.slug == "polis-small"))
    proposals = list(db.session.scalars(select(Proposal).join(Topic).where(Topic.consultation_id == c.id)
                                        .order_by(Proposal.position)))
    # Statement 2 was moderated out in Polis: left out with its votes.
    assert [p.key for p in proposals] == ["polis-0", "polis-1", "polis-3"]
    assert proposals[0].text == "Raise the minimum wage."
    assert [r.external_id for r in comments_of("polis-small")] == ["0", "1", "3"]
    votes = db.session.execute(select(Participant.external_id, Proposal.key, Vote.value, Vote.channel)
                               .join(Vote, Vote.participant_id == Participant.id)
                               .join(Proposal, Proposal.id == Vote.proposal_id)
                               .where(Proposal.id.in_([p.id for p in proposals]))).all()
    # participants-votes.csv: agree 1, disagree -1, pass 0, empty not a vote.
    assert sorted(votes) == sorted([
        ("0", "polis-0", "agree", "imported"), ("0", "polis-1", "agree", "imported"),
        ("0", "polis-3", "pass", "imported"),
        ("1", "polis-0", "disagree", "imported"), ("1", "polis-1", "agree", "imported"),
        ("1", "polis-3", "disagree", "imported"),
        ("2", "polis-0", "agree", "imported")])
    assert db.session.scalar(select(func.sum(VoteTally.n)).where(
        VoteTally.proposal_id.in_([p.id for p in proposals]))) == 7
    assert tallies.recount(db.session) == {k: 0 for k in tallies.recount(db.session)}
    # A statement's author is its participant (Polis's author-id).
    author = db.session.scalar(select(Participant).join(Comment, Comment.participant_id == Participant.id)
                               .where(Comment.external_id == "1", Comment.topic.has(consultation_id=c.id)))
    assert author.external_id == "1"


@pytest.mark.parametrize("comments, votes, code", [
    ("polis_comments_missing_column.csv", "polis_participants_votes.csv", "missing_column"),
    ("polis_comments.csv", "polis_votes_bad_value.csv", "bad_vote"),
    ("polis_comments.csv", "polis_votes_unknown_comment.csv", "unknown_comment"),
])
def test_a_bad_polis_export_is_refused_and_nothing_is_stored(runner, tmp_path, comments, votes, code):
    before = counts()
    result = polis(runner, polis_dir(tmp_path, comments, votes), "polis-bad")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit) and code in result.output
    assert counts() == before


def test_a_polis_directory_without_its_files_is_refused(runner, tmp_path):
    (tmp_path / "empty").mkdir()
    result = polis(runner, tmp_path / "empty", "polis-none")
    assert result.exit_code != 0 and "comments.csv" in result.output
    assert db.session.scalar(select(Consultation).where(Consultation.slug == "polis-none")) is None


def test_round_trip_polis_votes_run_finds_the_camps_by_their_polis_ids(runner, tmp_path):
    """A planted two-camp conversation: 30 participants, 8 statements; the camps disagree on 0–5 and
    all agree on 6 and 7. The votes run finds the camps; its JSON names members by Polis ids."""
    rng = random.Random(4)
    d = tmp_path / "camps"
    d.mkdir()
    with open(d / "comments.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees", "moderated",
                    "comment-body"])
        for i in range(8):
            w.writerow([0, "", i, 0, 0, 0, 1, f"発言{i}：バスの本数について{i}"])
    camp = {}
    with open(d / "participants-votes.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree", *range(8)])
        for p in range(30):
            camp[str(100 + p)] = side = p % 2
            cells = []
            for s in range(8):
                if s >= 6:
                    v = 1
                else:
                    v = 1 if (s < 3) == (side == 0) else -1
                    if rng.random() < 0.1:
                        v = 0
                cells.append(v)
            w.writerow([100 + p, side, 0, 8, 0, 0, *cells])
    assert polis(runner, d, "camps").exit_code == 0
    run = runner.invoke(args=["analysis", "run", "camps", "--kind", "votes"])
    assert run.exit_code == 0, run.output
    run_id = run.stdout.strip().splitlines()[-1]
    stored = db.session.get(AnalysisRun, int(run_id))
    assert stored.state == "done" and stored.input_count == 30
    out = tmp_path / "votes.json"
    assert runner.invoke(args=["analysis", "export", run_id, "--format", "json", "--output", str(out)]).exit_code == 0
    groups = json.loads(out.read_text("utf-8"))["groups"]
    assert len(groups) == 2
    for g in groups:  # each group is one camp, named by the Polis participant ids
        assert all(isinstance(m, str) for m in g["members"])
        assert len({camp[m] for m in g["members"]}) == 1
    assert sorted(m for g in groups for m in g["members"]) == sorted(camp)
    points = db.session.scalar(select(func.count()).select_from(AnalysisPoint).where(AnalysisPoint.run_id == stored.id))
    assert points == 30


def test_the_review_pages_of_an_imported_consultation_count_the_imported_channel(runner, staff):
    assert kouchou(runner, INTEROP / "kouchou_utf8_bom.csv", "imported-review").exit_code == 0
    client, _user = staff("admin")
    page = client.get("/staff/c/imported-review/review")
    assert page.status_code == 200
    assert "他の仕組みから取り込み" in page.get_data(as_text=True)
    assert client.get("/staff/c/imported-review/review?channel=imported").status_code == 200
    document = client.get("/staff/c/imported-review/review/document").get_data(as_text=True)
    assert "他の仕組みから取り込み" in document  # its column in the tables
    form = client.get("/staff/c/imported-review/analysis").get_data(as_text=True)
    assert '<option value="imported"' in form  # an analysis of the imported channel alone
    assert client.get("/staff/c/imported-review/moderation").status_code == 200
    # The demo consultation, with no imported comments, has no such column.
    other = client.get("/staff/c/kumamoto-ward-offices-h26/review").get_data(as_text=True)
    assert "他の仕組みから取り込み" not in other


def test_a_downgrade_below_the_imported_channel_is_refused_while_imports_exist(runner):
    assert kouchou(runner, INTEROP / "kouchou_utf8_bom.csv", "imported-keep").exit_code == 0
    db.session.remove()
    migrations = Path(__file__).parents[2] / "migrations"
    with pytest.raises(SystemExit):  # Flask-Migrate logs the migration's RuntimeError and exits
        downgrade(directory=str(migrations), revision="0010")
    db.session.remove()
    assert len(comments_of("imported-keep")) == 3
    # Stopped at 0011 (SQLite runs each step on its own) or rolled back to the head (PostgreSQL's
    # transactional DDL): either way the imported rows and their channel are still there.
    head = ScriptDirectory(str(migrations)).get_current_head()
    assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one() in ("0011", head)
