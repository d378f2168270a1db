"""bank names per branch; no request-chosen verification address

A bank's name is unique within its branch, not across the organisation: a branch could learn
from a refused name that another branch had a bank so named.  The address staff last used to
control a session (live_session.base_url) is no longer kept: verification links come from
configuration only.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 13:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('question_bank', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_question_bank_name'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_question_bank_branch_id'), ['branch_id', 'name'])
    with op.batch_alter_table('live_session', schema=None) as batch_op:
        batch_op.drop_column('base_url')


def downgrade():
    with op.batch_alter_table('live_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('base_url', sa.String(length=200), nullable=True))
    with op.batch_alter_table('question_bank', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_question_bank_branch_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_question_bank_name'), ['name'])
