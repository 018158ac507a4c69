"""comment rollup, for the review dashboard's comment figures

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 21:10:00.000000

The dashboard counted comments by scanning them on every request (time growing with the
consultation: 89 ms at 10k, 184 ms at 100k). comment_rollup holds the counts per topic, ward,
channel, status, JST day and anonymity, kept on write; filled here from the comment rows as
`flask recount` computes it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('comment_rollup',
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('ward_code', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], name=op.f('fk_comment_rollup_topic_id_topic')),
    sa.PrimaryKeyConstraint('topic_id', 'ward_code', 'channel', 'status', 'day', 'anonymous',
                            name=op.f('pk_comment_rollup'))
    )
    if op.get_bind().dialect.name == 'postgresql':
        day = "CAST(created_at_utc + interval '9 hours' AS date)"
    else:
        day = "date(created_at_utc, '+9 hours')"
    op.execute("INSERT INTO comment_rollup (topic_id, ward_code, channel, status, day, anonymous, n) "
               f"SELECT topic_id, ward_code, channel, status, {day}, participant_id IS NULL, count(*) "
               f"FROM comment GROUP BY topic_id, ward_code, channel, status, {day}, participant_id IS NULL")


def downgrade():
    op.drop_table('comment_rollup')
