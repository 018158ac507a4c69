"""Migrations on a database that holds what citizens sent: down to the first schema and back up
again loses nothing and leaves every reference whole (SQLite rebuilds tables to alter them)."""

import os

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from consult.extensions import db
from consult.seed.demo import PUBCOM_OPINIONS

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
    assert before["comment"] == 60 + len(PUBCOM_OPINIONS) and before["vote"] > 0 and before["support"] > 0
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


def test_a_database_of_the_single_consultation_site_upgrades_and_keeps_its_urls(app, runner):
    """A database made before consultations had kinds (0007) upgrades with `flask db upgrade`: every
    record stays, its consultation becomes a deliberation, and the old URLs lead into it."""
    assert runner.invoke(args=["demo-data", "--participants", "10", "--comments", "20", "--votes", "20",
                               "--no-staff"]).exit_code == 0
    before = counts()
    db.session.remove()
    downgrade(directory=MIGRATIONS, revision="0007")
    db.session.remove()
    upgrade(directory=MIGRATIONS)
    assert counts() == before
    kinds = dict(db.session.execute(text("SELECT slug, kind FROM consultation")).all())
    assert kinds["kumamoto-ward-offices-h26"] == "deliberation"
    db.session.remove()
    client = app.test_client()
    old = client.get("/topics/roles?ward=chuo")
    assert old.status_code == 308 and old.headers["Location"] == "/c/kumamoto-ward-offices-h26/topics/roles?ward=chuo"
    assert client.get(old.headers["Location"]).status_code == 200
