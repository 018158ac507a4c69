"""vote tally and rollup, participant vote channels, covering comment index for the review

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 04:10:00.000000

Pages and the review dashboard read these instead of counting every vote (bench/ANALYSIS.md §1, §4).
The vote rows remain the record; this migration fills the new tables from them, in SQL.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('vote_tally',
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.String(length=16), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_vote_tally_proposal_id_proposal')),
    sa.PrimaryKeyConstraint('proposal_id', 'value', name=op.f('pk_vote_tally'))
    )
    op.create_table('vote_rollup',
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('ward_code', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_vote_rollup_proposal_id_proposal')),
    sa.PrimaryKeyConstraint('proposal_id', 'ward_code', 'channel', 'value', 'day', name=op.f('pk_vote_rollup'))
    )
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vote_channels', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index('ix_comment_review', ['topic_id', 'status', 'channel', 'ward_code', 'created_at_utc', 'participant_id'], unique=False)

    # Backfill from the vote rows (the same figures `flask recount` computes).
    if op.get_bind().dialect.name == 'postgresql':
        day = "CAST(v.created_at_utc + interval '9 hours' AS date)"
    else:
        day = "date(v.created_at_utc, '+9 hours')"
    op.execute("INSERT INTO vote_tally (proposal_id, value, n) "
               "SELECT proposal_id, value, count(*) FROM vote GROUP BY proposal_id, value")
    op.execute("INSERT INTO vote_rollup (proposal_id, ward_code, channel, value, day, n) "
               f"SELECT v.proposal_id, coalesce(p.ward_code, ''), v.channel, v.value, {day}, count(*) "
               "FROM vote v JOIN participant p ON p.id = v.participant_id "
               f"GROUP BY v.proposal_id, coalesce(p.ward_code, ''), v.channel, v.value, {day}")
    op.execute("UPDATE participant SET vote_channels = coalesce(("
               "SELECT sum(DISTINCT CASE v.channel WHEN 'web' THEN 1 WHEN 'workshop' THEN 2 ELSE 4 END) "
               "FROM vote v JOIN proposal pr ON pr.id = v.proposal_id "
               "WHERE v.participant_id = participant.id AND pr.withdrawn_at_utc IS NULL), 0) "
               "WHERE id IN (SELECT participant_id FROM vote)")


def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_review')

    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_column('vote_channels')

    op.drop_table('vote_rollup')
    op.drop_table('vote_tally')
