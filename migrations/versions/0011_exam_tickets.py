"""exam tickets (准考证)

One ticket per participant: a random nonce the code is derived from with the server's key, and
a keyed hash of the code (unique) by which a sign-in finds it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 17:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'exam_ticket',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('participant_id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('nonce', sa.String(length=32), nullable=False),
        sa.Column('lookup', sa.String(length=64), nullable=False),
        sa.Column('issued_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_exam_ticket_participant_id_participant'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['session_id'], ['live_session.id'], name=op.f('fk_exam_ticket_session_id_live_session'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_ticket')),
        sa.UniqueConstraint('lookup', name=op.f('uq_exam_ticket_lookup')),
        sa.UniqueConstraint('participant_id', name=op.f('uq_exam_ticket_participant_id')),
    )
    with op.batch_alter_table('exam_ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_ticket_session_id'), ['session_id'], unique=False)


def downgrade():
    with op.batch_alter_table('exam_ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_ticket_session_id'))
    op.drop_table('exam_ticket')
