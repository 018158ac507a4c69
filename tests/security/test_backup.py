"""`flask backup` / `flask restore` round-trip every table exactly."""

from sqlalchemy import inspect, select, text

from consult.extensions import db
from consult.participation.models import Comment


def _all_tables() -> dict[str, list[tuple]]:
    names = [n for n in inspect(db.engine).get_table_names() if n != "alembic_version"]
    out = {}
    for name in sorted(names):
        rows = db.session.execute(text(f'SELECT * FROM "{name}"')).all()
        out[name] = sorted((tuple(str(v) for v in row) for row in rows))
    return out


def test_backup_and_restore_round_trip(runner, tmp_path):
    assert runner.invoke(args=["demo-data", "--participants", "20", "--comments", "40", "--votes", "60"]).exit_code == 0
    before = _all_tables()
    db.session.rollback()
    path = tmp_path / "snapshot.backup"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    # A long copy says what it is doing before it starts and how long it took.
    assert "backup: copying the" in result.output and " MB) …" in result.output and " s\n" in result.output

    # Change things after the snapshot: delete some comments' children and add one.
    db.session.execute(text("DELETE FROM support"))
    db.session.execute(text("UPDATE comment SET status = 'hidden'"))
    db.session.commit()
    assert _all_tables() != before
    db.session.rollback()

    result = runner.invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    after = _all_tables()
    assert after == before
    assert sum(len(rows) for rows in after.values()) > 300  # the comparison covered real rows
    assert db.session.scalar(select(Comment).limit(1)) is not None


def test_backup_refuses_to_overwrite(runner, tmp_path):
    path = tmp_path / "exists.backup"
    path.write_text("keep me")
    assert runner.invoke(args=["backup", str(path)]).exit_code != 0
    assert path.read_text() == "keep me"
