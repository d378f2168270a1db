"""frozen session settings and one vocabulary

A session copies every paper setting it uses (how questions are chosen, both shuffles) and
keeps the address staff last used for it; Paper.mode becomes ``selection`` and
LiveSession.mode ``pacing``; CHECK constraints for voids, outcomes, question types and issuing
reasons; answers to removed questions count nothing, as grading now stores them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 14:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('paper', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_paper_mode_known'), type_='check')
        batch_op.alter_column('mode', new_column_name='selection', existing_type=sa.String(length=8),
                              existing_nullable=False)
        batch_op.create_check_constraint('selection_known', "selection in ('fixed', 'draw')")

    with op.batch_alter_table('live_session', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_live_session_mode_known'), type_='check')
        batch_op.alter_column('mode', new_column_name='pacing', existing_type=sa.String(length=8),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('selection', sa.String(length=8), nullable=False, server_default='fixed'))
        batch_op.add_column(sa.Column('shuffle_questions', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('shuffle_options', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('base_url', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('results_version', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_check_constraint('pacing_known', "pacing in ('paced', 'timed')")
        batch_op.create_check_constraint('selection_known', "selection in ('fixed', 'draw')")
        batch_op.create_check_constraint('rule_known', "multi_rule in ('exact', 'partial', 'half', 'penalty')")
        batch_op.create_check_constraint('show_key_known', "show_key in ('never', 'after_question', 'after_exam')")

    # Sessions already created take the settings their paper has now (what they used so far).
    op.execute("UPDATE live_session SET selection = (SELECT paper.selection FROM paper WHERE paper.id = live_session.paper_id), "
               "shuffle_questions = (SELECT paper.shuffle_questions FROM paper WHERE paper.id = live_session.paper_id), "
               "shuffle_options = (SELECT paper.shuffle_options FROM paper WHERE paper.id = live_session.paper_id)")
    # A session that has started shows what it really did: options were shuffled for it when its
    # participants have option orders (its paper may have been edited since).
    op.execute("UPDATE live_session SET shuffle_options = EXISTS (SELECT 1 FROM participant "
               "WHERE participant.session_id = live_session.id "
               "AND CAST(participant.option_orders AS TEXT) NOT IN ('{}', 'null')) WHERE status != 'lobby'")
    # Answers to removed questions count nothing (grading stores 0 points for them now).
    op.execute("UPDATE answer SET points = 0, bonus = 0 WHERE session_question_id IN "
               "(SELECT id FROM session_question WHERE void = 'remove')")

    with op.batch_alter_table('session_question', schema=None) as batch_op:
        batch_op.create_check_constraint('type_known', "type in ('judge', 'single', 'multi')")
        batch_op.create_check_constraint('void_known', "void in ('full_points', 'remove')")

    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.create_check_constraint('outcome_known', "outcome in ('correct', 'partial', 'wrong', 'unanswered')")

    with op.batch_alter_table('issue_job', schema=None) as batch_op:
        batch_op.create_check_constraint('reason_known', "reason in ('ended', 'regrade', 'manual')")


def downgrade():
    with op.batch_alter_table('issue_job', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_issue_job_reason_known'), type_='check')
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_answer_outcome_known'), type_='check')
    with op.batch_alter_table('session_question', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_session_question_void_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_session_question_type_known'), type_='check')
    with op.batch_alter_table('live_session', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_live_session_show_key_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_live_session_rule_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_live_session_selection_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_live_session_pacing_known'), type_='check')
        batch_op.drop_column('results_version')
        batch_op.drop_column('base_url')
        batch_op.drop_column('shuffle_options')
        batch_op.drop_column('shuffle_questions')
        batch_op.drop_column('selection')
        batch_op.alter_column('pacing', new_column_name='mode', existing_type=sa.String(length=8),
                              existing_nullable=False)
        batch_op.create_check_constraint('mode_known', "mode in ('paced', 'timed')")
    with op.batch_alter_table('paper', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_paper_selection_known'), type_='check')
        batch_op.alter_column('selection', new_column_name='mode', existing_type=sa.String(length=8),
                              existing_nullable=False)
        batch_op.create_check_constraint('mode_known', "mode in ('fixed', 'draw')")
