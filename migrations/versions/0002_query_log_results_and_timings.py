"""Query logs keep the kind of result, table rows, model/execution time and retries.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 05:19:47.904222

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('query_logs', sa.Column('result_kind', sa.String(length=16), nullable=False, server_default=''))
    op.add_column('query_logs', sa.Column('response_table_json', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column('query_logs', sa.Column('llm_ms', sa.Integer(), nullable=True))
    op.add_column('query_logs', sa.Column('exec_ms', sa.Integer(), nullable=True))
    op.add_column('query_logs', sa.Column('retries', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    op.drop_column('query_logs', 'retries')
    op.drop_column('query_logs', 'exec_ms')
    op.drop_column('query_logs', 'llm_ms')
    op.drop_column('query_logs', 'response_table_json')
    op.drop_column('query_logs', 'result_kind')
