"""issuing jobs claimed by document workers

Document workers (`flask --app wsgi documents worker`, on any node) claim queued jobs; the job
row says which worker holds it (host:pid) and, by its heartbeat, until when.  A claim is found
by state and id, hence the index.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 16:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('issue_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=120), nullable=True))
        batch_op.create_index(batch_op.f('ix_issue_job_state'), ['state', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('issue_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issue_job_state'))
        batch_op.drop_column('claimed_by')
