"""ranks for trainees and name privacy on public screens

A paper says whether trainees see their rank, and how the room's screen (the projector) names
people; a session copies both when it is created, as it copies every other setting.  Papers and
sessions that exist keep what they did so far: no ranks for trainees, names masked (张*丰).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 19:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('paper', 'live_session'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('show_ranks', sa.Boolean(), nullable=False, server_default=sa.false()))
            batch_op.add_column(sa.Column('name_privacy', sa.String(length=8), nullable=False,
                                          server_default='masked'))
            batch_op.create_check_constraint('name_privacy_known', "name_privacy in ('full', 'masked', 'number')")


def downgrade():
    for table in ('live_session', 'paper'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_name_privacy_known'), type_='check')
            batch_op.drop_column('name_privacy')
            batch_op.drop_column('show_ranks')
