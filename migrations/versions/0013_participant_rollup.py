"""participant rollup, kept by triggers, for the review dashboard's participant figures

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 21:20:00

The dashboard's default view counted participants by grouping the whole participant index
(0005) on every request: the one figure that still grew with the site (8.6 ms at 10k, 25.8 ms at
100k). participant_rollup holds the same counts per (ward, relation, age band, channels), the
channels being those of the participant's votes and comments together (vote_channels |
comment_channels, all the figures use), '' standing for no value so that the key can be a primary
key.

Triggers keep it, not the mapper events the other rollups use, because participants are written
by the ORM, by Core statements (votes, workshop phones) and by bulk inserts (demo data, bench);
a trigger sees every one of them. `flask recount` checks it against the participant rows.

Note for later migrations: SQLite's batch mode rebuilds a table by copying it, which drops its
triggers. A migration that batch-alters `participant` must create these triggers again
(create_triggers below).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

KEY = ("ward_code", "relation", "age_band", "channels")
WATCHED = ("ward_code", "relation", "age_band", "vote_channels", "comment_channels")


def _keys(row: str) -> list[str]:
    return [f"coalesce({row}.ward_code, '')", f"coalesce({row}.relation, '')", f"coalesce({row}.age_band, '')",
            f"({row}.vote_channels | {row}.comment_channels)"]


def _key(row: str) -> str:
    return ", ".join(_keys(row))


def _changed(distinct: str) -> str:
    return " OR ".join(f"{old} {distinct} {new}" for old, new in zip(_keys("OLD"), _keys("NEW")))


def _add(row: str) -> str:
    return (f"INSERT INTO participant_rollup ({', '.join(KEY)}, n) VALUES ({_key(row)}, 1) "
            f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET n = participant_rollup.n + 1")


def _remove(row: str) -> str:
    where = " AND ".join(f"{k} = {v}" for k, v in zip(KEY, _keys(row)))
    return f"UPDATE participant_rollup SET n = n - 1 WHERE {where}"


def create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # One function for the three events. On an update the two keys are touched in a fixed order
        # (the smaller first), so that two transactions moving participants in opposite directions
        # wait for each other instead of deadlocking.
        op.execute(f"""
CREATE OR REPLACE FUNCTION participant_rollup_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_add("NEW")};
  ELSIF TG_OP = 'DELETE' THEN
    {_remove("OLD")};
  ELSIF ROW({_key("OLD")}) < ROW({_key("NEW")}) THEN
    {_remove("OLD")};
    {_add("NEW")};
  ELSE
    {_add("NEW")};
    {_remove("OLD")};
  END IF;
  RETURN NULL;
END $$""")
        op.execute("CREATE TRIGGER participant_rollup_insert_delete AFTER INSERT OR DELETE ON participant "
                   "FOR EACH ROW EXECUTE FUNCTION participant_rollup_keep()")
        op.execute(f"CREATE TRIGGER participant_rollup_update AFTER UPDATE OF {', '.join(WATCHED)} ON participant "
                   f"FOR EACH ROW WHEN ({_changed('IS DISTINCT FROM')}) EXECUTE FUNCTION participant_rollup_keep()")
        return
    op.execute(f"CREATE TRIGGER participant_rollup_insert AFTER INSERT ON participant BEGIN {_add('NEW')}; END")
    op.execute(f"CREATE TRIGGER participant_rollup_delete AFTER DELETE ON participant BEGIN {_remove('OLD')}; END")
    op.execute(f"CREATE TRIGGER participant_rollup_update AFTER UPDATE OF {', '.join(WATCHED)} ON participant "
               f"WHEN {_changed('IS NOT')} BEGIN {_remove('OLD')}; {_add('NEW')}; END")


def drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS participant_rollup_insert_delete ON participant")
        op.execute("DROP TRIGGER IF EXISTS participant_rollup_update ON participant")
        op.execute("DROP FUNCTION IF EXISTS participant_rollup_keep()")
        return
    for name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS participant_rollup_{name}")


def upgrade():
    op.create_table('participant_rollup',
    sa.Column('ward_code', sa.String(length=16), nullable=False),
    sa.Column('relation', sa.String(length=16), nullable=False),
    sa.Column('age_band', sa.String(length=16), nullable=False),
    sa.Column('channels', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint(*KEY, name=op.f('pk_participant_rollup'))
    )
    op.execute(f"INSERT INTO participant_rollup ({', '.join(KEY)}, n) "
               f"SELECT {_key('participant')}, count(*) FROM participant GROUP BY {_key('participant')}")
    create_triggers()


def downgrade():
    drop_triggers()
    op.drop_table('participant_rollup')
