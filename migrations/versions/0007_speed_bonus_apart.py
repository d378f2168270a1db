"""speed bonus apart from knowledge points

A participant's total is knowledge points only (it decides pass or fail and is what a
certificate prints); the speed bonus is kept beside it.  Existing totals are split.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 14:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bonus', sa.Integer(), nullable=False, server_default='0'))
    op.execute("UPDATE participant SET bonus = COALESCE((SELECT SUM(answer.bonus) FROM answer "
               "WHERE answer.participant_id = participant.id), 0)")
    op.execute("UPDATE participant SET total = total - bonus")


def downgrade():
    op.execute("UPDATE participant SET total = total + bonus")
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_column('bonus')
