"""language versions: やさしい日本語 and English beside the staff-written Japanese

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 12:20:00

A new table only; the originals are not touched.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('language_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('target_type', sa.String(length=16), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('revision_number', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at_utc', sa.DateTime(), nullable=False),
    sa.CheckConstraint("language IN ('easy', 'en')", name=op.f('ck_language_version_language')),
    sa.CheckConstraint("target_type IN ('topic', 'section', 'proposal')", name=op.f('ck_language_version_target_type')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_language_version_consultation_id_consultation')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_language_version_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_language_version')),
    sa.UniqueConstraint('target_type', 'target_id', 'language', name=op.f('uq_language_version_target_type_target_id_language'))
    )
    op.create_index(op.f('ix_language_version_consultation_id'), 'language_version', ['consultation_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_language_version_consultation_id'), table_name='language_version')
    op.drop_table('language_version')
