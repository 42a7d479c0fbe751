"""Dataset versions, the version each answer and pin was computed on, and pins that re-run.

Every ready dataset becomes version 1 of itself (its file, its tables, its owner, its upload
time); existing answers and pins were computed on that version.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 12:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'dataset_versions',
        sa.Column('id', sa.UUID(), nullable=False),
        sa.Column('dataset_id', sa.UUID(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('size_bytes', sa.BigInteger(), nullable=False),
        sa.Column('storage_key', sa.String(length=512), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('meta', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('drift', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column('error_message', sa.Text(), nullable=False),
        sa.CheckConstraint("status IN ('processing', 'review', 'ready', 'error')", name='ck_dataset_versions_status'),
        sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('dataset_id', 'number', name='uq_dataset_versions_number'),
    )
    op.create_index(op.f('ix_dataset_versions_dataset_id'), 'dataset_versions', ['dataset_id'], unique=False)
    op.add_column('datasets', sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    op.add_column('query_logs', sa.Column('dataset_version', sa.Integer(), nullable=True))
    op.add_column('pinned_figures', sa.Column('kind', sa.String(length=16), nullable=False, server_default='figure'))
    op.add_column('pinned_figures', sa.Column('value_json', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column('pinned_figures', sa.Column('dataset_version', sa.Integer(), nullable=False, server_default='1'))
    op.add_column('pinned_figures', sa.Column('computed_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('pinned_figures', sa.Column('previous', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column('pinned_figures', sa.Column('change', sa.Text(), nullable=False, server_default=''))
    op.add_column('pinned_figures', sa.Column('stale_reason', sa.Text(), nullable=False, server_default=''))
    op.create_check_constraint('ck_pinned_figures_kind', 'pinned_figures', "kind IN ('figure', 'number', 'table')")

    # The data migration: what exists now is version 1.
    op.execute("""
        INSERT INTO dataset_versions (id, dataset_id, number, uploaded_by_id, uploaded_at, confirmed_at, file_name,
                                      size_bytes, storage_key, status, meta, error_message)
        SELECT gen_random_uuid(), id, 1, user_id, uploaded_at, uploaded_at, name, size_bytes, storage_key,
               'ready', metadata, ''
        FROM datasets WHERE status = 'ready'
    """)
    op.execute("UPDATE query_logs SET dataset_version = 1")
    op.execute("UPDATE pinned_figures SET computed_at = created_at")
    op.alter_column('pinned_figures', 'computed_at', nullable=False)
    for table, column in (('datasets', 'version'), ('pinned_figures', 'kind'), ('pinned_figures', 'dataset_version'),
                          ('pinned_figures', 'change'), ('pinned_figures', 'stale_reason')):
        op.alter_column(table, column, server_default=None)


def downgrade():
    op.drop_constraint('ck_pinned_figures_kind', 'pinned_figures', type_='check')
    for column in ('stale_reason', 'change', 'previous', 'computed_at', 'dataset_version', 'value_json', 'kind'):
        op.drop_column('pinned_figures', column)
    op.drop_column('query_logs', 'dataset_version')
    op.drop_column('datasets', 'version')
    op.drop_index(op.f('ix_dataset_versions_dataset_id'), table_name='dataset_versions')
    op.drop_table('dataset_versions')
