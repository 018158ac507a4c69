"""Migrations on a database that holds what citizens sent: down to the first schema and back up
again loses nothing and leaves every reference whole (SQLite rebuilds tables to alter them)."""

import os

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from consult.extensions import db

MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "migrations")
TABLES = ["participant", "comment", "support", "vote"]


def counts() -> dict[str, int]:
    db.session.remove()
    return {t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def test_down_to_the_first_schema_and_up_again_with_data(app, runner):
    result = runner.invoke(args=["demo-data", "--participants", "30", "--comments", "60", "--votes", "90",
                                 "--no-staff"])
    assert result.exit_code == 0, result.output
    before = counts()
    assert before["comment"] == 60 and before["vote"] > 0 and before["support"] > 0
    db.session.remove()

    downgrade(directory=MIGRATIONS, revision="0001")
    assert counts() == before
    db.session.remove()
    upgrade(directory=MIGRATIONS)

    assert counts() == before
    # The vote tallies are rebuilt from the vote rows by the migration that made them.
    assert db.session.execute(text("SELECT sum(n) FROM vote_tally")).scalar_one() == before["vote"]
    # And the comment rollup from the comment rows, by its own.
    assert db.session.execute(text("SELECT sum(n) FROM comment_rollup")).scalar_one() == before["comment"]
    if db.engine.dialect.name == "sqlite":
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
