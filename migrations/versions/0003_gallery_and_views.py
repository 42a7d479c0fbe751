"""Pinned figures, views shared with named users or everyone, and follow-up questions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 03:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('query_logs', sa.Column('follow_up_of_id', sa.BigInteger(), nullable=True))
    op.create_foreign_key('query_logs_follow_up_of_id_fkey', 'query_logs', 'query_logs', ['follow_up_of_id'], ['id'],
                          ondelete='SET NULL')
    op.create_table(
        'pinned_figures',
        sa.Column('id', sa.UUID(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('dataset_id', sa.UUID(), nullable=False),
        sa.Column('session_id', sa.UUID(), nullable=True),
        sa.Column('query_id', sa.BigInteger(), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('code', sa.Text(), nullable=False),
        sa.Column('figure_json', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['query_id'], ['query_logs.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['session_id'], ['analysis_sessions.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'query_id', name='uq_pinned_figures_user_query'),
    )
    op.create_index('ix_pinned_figures_user_id', 'pinned_figures', ['user_id'])
    op.create_index('ix_pinned_figures_dataset_id', 'pinned_figures', ['dataset_id'])
    op.create_table(
        'views',
        sa.Column('id', sa.UUID(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('shared_with_everyone', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_views_owner_id', 'views', ['owner_id'])
    op.create_table(
        'view_items',
        sa.Column('view_id', sa.UUID(), nullable=False),
        sa.Column('figure_id', sa.UUID(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['figure_id'], ['pinned_figures.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['view_id'], ['views.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('view_id', 'figure_id'),
    )
    op.create_table(
        'view_shares',
        sa.Column('view_id', sa.UUID(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['view_id'], ['views.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('view_id', 'user_id'),
    )


def downgrade():
    op.drop_table('view_shares')
    op.drop_table('view_items')
    op.drop_index('ix_views_owner_id', table_name='views')
    op.drop_table('views')
    op.drop_index('ix_pinned_figures_dataset_id', table_name='pinned_figures')
    op.drop_index('ix_pinned_figures_user_id', table_name='pinned_figures')
    op.drop_table('pinned_figures')
    op.drop_constraint('query_logs_follow_up_of_id_fkey', 'query_logs', type_='foreignkey')
    op.drop_column('query_logs', 'follow_up_of_id')
