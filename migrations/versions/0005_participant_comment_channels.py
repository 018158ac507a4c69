"""participant comment channels and profile index, for the review's participant figures

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 05:05:00.000000

With vote_channels (0004), the dashboard's default view counts participants by profile and
channel from one index of participant, without reading comments or votes (bench/ANALYSIS.md §4).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comment_channels', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index('ix_participant_profile', ['ward_code', 'relation', 'age_band', 'vote_channels', 'comment_channels'], unique=False)

    # Backfill from the comment rows (as `flask recount` computes it).
    op.execute("UPDATE participant SET comment_channels = coalesce(("
               "SELECT sum(DISTINCT CASE c.channel WHEN 'web' THEN 1 WHEN 'workshop' THEN 2 ELSE 4 END) "
               "FROM comment c WHERE c.participant_id = participant.id AND c.status != 'hidden'), 0) "
               "WHERE id IN (SELECT participant_id FROM comment)")


def downgrade():
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_index('ix_participant_profile')
        batch_op.drop_column('comment_channels')
