"""the imported channel: comments and votes another tool collected, with that tool's ids

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 11:40:00

`flask analysis import-kouchou` / `import-polis` write comments (and votes) of the channel
"imported", keeping the other tool's comment-id (unique per topic where set) and its other
columns; an imported participant keeps the other tool's participant id. The channels are this
migration's own copy (a migration never changes with the app). A downgrade is refused while
imported comments or votes exist: the older check would not hold them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

OLD_CHANNELS = ('web', 'workshop', 'paper', 'briefing', 'post', 'fax', 'email', 'counter')
CHANNELS = ('web', 'workshop', 'paper', 'briefing', 'post', 'fax', 'email', 'counter', 'imported')


def _checks(channels):
    for table in ('comment', 'vote'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_channel'), type_='check')
            batch_op.create_check_constraint(op.f(f'ck_{table}_channel'), f'channel IN {channels}')


def upgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('imported_attributes_json', sa.Text(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_comment_topic_id_external_id'), ['topic_id', 'external_id'])
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id', sa.String(length=128), nullable=True))
    _checks(CHANNELS)


def downgrade():
    bind = op.get_bind()
    for table in ('comment', 'vote'):
        if bind.execute(sa.text(f"SELECT count(*) FROM {table} WHERE channel = 'imported'")).scalar_one():
            raise RuntimeError(f"{table} holds imported rows; delete the imported consultations before "
                               "downgrading below 0011")
    _checks(OLD_CHANNELS)
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_column('external_id')
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_comment_topic_id_external_id'), type_='unique')
        batch_op.drop_column('imported_attributes_json')
        batch_op.drop_column('external_id')
