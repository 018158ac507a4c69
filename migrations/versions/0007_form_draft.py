"""form drafts, so that the comment's 確認 page is a GET page that Back can show again

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 21:50:00.000000

The 確認 page answered the form's POST, so Back from 完了 gave the browser's ERR_CACHE_MISS.
The confirmed form now waits here (at most a day) and the 確認 page is read by GET.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('form_draft',
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('created_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], name=op.f('fk_form_draft_topic_id_topic')),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_form_draft'))
    )
    with op.batch_alter_table('form_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_draft_created_at_utc'), ['created_at_utc'], unique=False)
        batch_op.create_index(batch_op.f('ix_form_draft_topic_id'), ['topic_id'], unique=False)


def downgrade():
    with op.batch_alter_table('form_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_draft_topic_id'))
        batch_op.drop_index(batch_op.f('ix_form_draft_created_at_utc'))
    op.drop_table('form_draft')
