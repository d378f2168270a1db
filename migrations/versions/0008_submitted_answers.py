"""submitted answers

A multiple-choice answer is sent as the trainee ticks (a draft) and submitted with a button;
only submitted answers count as "has answered".  Existing answers were all submitted.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 15:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('final', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade():
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_column('final')
