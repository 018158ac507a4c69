"""analysis runs: suggested groups from text and votes, with their settings and map positions

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 09:16:36.994962

New tables only; nothing citizens sent is touched. At most one queued or running run per
consultation, by a partial unique index (SQLite and PostgreSQL both have them).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('analysis_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('progress', sa.Double(), nullable=False),
    sa.Column('settings_json', sa.Text(), nullable=False),
    sa.Column('input_count', sa.Integer(), nullable=True),
    sa.Column('package_versions_json', sa.Text(), nullable=False),
    sa.Column('summary_json', sa.Text(), nullable=False),
    sa.Column('error_code', sa.String(length=32), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.Column('started_at_utc', sa.DateTime(), nullable=True),
    sa.Column('heartbeat_at_utc', sa.DateTime(), nullable=True),
    sa.Column('finished_at_utc', sa.DateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('text', 'votes')", name=op.f('ck_analysis_run_kind')),
    sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_analysis_run_state')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_analysis_run_consultation_id_consultation')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_analysis_run_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analysis_run'))
    )
    with op.batch_alter_table('analysis_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analysis_run_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index('ux_analysis_run_active', ['consultation_id'], unique=True, sqlite_where=sa.text("state IN ('queued', 'running')"), postgresql_where=sa.text("state IN ('queued', 'running')"))

    op.create_table('analysis_point',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('group_key', sa.String(length=16), nullable=True),
    sa.Column('subgroup_key', sa.String(length=16), nullable=True),
    sa.Column('campaign_key', sa.String(length=16), nullable=True),
    sa.Column('x', sa.Double(), nullable=True),
    sa.Column('y', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['analysis_run.id'], name=op.f('fk_analysis_point_run_id_analysis_run')),
    sa.PrimaryKeyConstraint('run_id', 'item_id', name=op.f('pk_analysis_point'))
    )
    op.create_table('analysis_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=16), nullable=False),
    sa.Column('parent_key', sa.String(length=16), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('detail_json', sa.Text(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('opinion_group_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at_utc', sa.DateTime(), nullable=True),
    sa.CheckConstraint("decision IN ('open', 'accepted', 'discarded')", name=op.f('ck_analysis_group_decision')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_analysis_group_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['opinion_group_id'], ['opinion_group.id'], name=op.f('fk_analysis_group_opinion_group_id_opinion_group')),
    sa.ForeignKeyConstraint(['run_id'], ['analysis_run.id'], name=op.f('fk_analysis_group_run_id_analysis_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_analysis_group'))
    )
    with op.batch_alter_table('analysis_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analysis_group_run_id'), ['run_id'], unique=False)



def downgrade():
    with op.batch_alter_table('analysis_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analysis_group_run_id'))

    op.drop_table('analysis_group')
    op.drop_table('analysis_point')
    with op.batch_alter_table('analysis_run', schema=None) as batch_op:
        batch_op.drop_index('ux_analysis_run_active', sqlite_where=sa.text("state IN ('queued', 'running')"), postgresql_where=sa.text("state IN ('queued', 'running')"))
        batch_op.drop_index(batch_op.f('ix_analysis_run_consultation_id'))

    op.drop_table('analysis_run')
