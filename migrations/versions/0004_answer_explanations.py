"""How each answer was computed: a sentence and its facts on the QueryLog, the sentence on pins.

Answers stored before this revision get a sentence that says so, so that every successful
answer has one (a check constraint holds that from now on).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 15:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

EARLIER = "Answered before Insight recorded how answers were computed; the code shows what was computed."


def upgrade():
    op.add_column('query_logs', sa.Column('explanation', sa.Text(), nullable=False, server_default=''))
    op.add_column('query_logs', sa.Column('explanation_facts', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column('pinned_figures', sa.Column('explanation', sa.Text(), nullable=False, server_default=''))
    op.execute(sa.text("UPDATE query_logs SET explanation = :earlier WHERE status = 'success'").bindparams(earlier=EARLIER))
    op.execute("UPDATE pinned_figures AS p SET explanation = q.explanation FROM query_logs AS q WHERE q.id = p.query_id")
    op.alter_column('query_logs', 'explanation', server_default=None)
    op.alter_column('pinned_figures', 'explanation', server_default=None)
    op.create_check_constraint('ck_query_logs_explained', 'query_logs', "status <> 'success' OR explanation <> ''")


def downgrade():
    op.drop_constraint('ck_query_logs_explained', 'query_logs', type_='check')
    op.drop_column('pinned_figures', 'explanation')
    op.drop_column('query_logs', 'explanation_facts')
    op.drop_column('query_logs', 'explanation')
