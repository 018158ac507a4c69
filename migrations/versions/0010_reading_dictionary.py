"""reading dictionary: staff's readings for the furigana of the public pages

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 12:00:00

A new table only.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reading_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('word', sa.String(length=40), nullable=False),
    sa.Column('word_key', sa.String(length=40), nullable=False),
    sa.Column('reading', sa.String(length=80), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_reading_entry_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reading_entry')),
    sa.UniqueConstraint('word_key', name=op.f('uq_reading_entry_word_key'))
    )


def downgrade():
    op.drop_table('reading_entry')
