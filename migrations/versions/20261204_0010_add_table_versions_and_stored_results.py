"""Add table versions and stored results

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 18:45:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'data_versions',
        sa.Column('table_name', sa.String(length=100), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('table_name', name=op.f('pk_data_versions')),
    )
    op.create_table(
        'stored_results',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('made_on', sa.Date(), nullable=False),
        sa.Column('tables', sa.JSON(), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('computed_at', sa.DateTime(), nullable=False),
        sa.Column('compute_ms', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_stored_results')),
    )
    with op.batch_alter_table('stored_results', schema=None) as batch_op:
        batch_op.create_index('ix_stored_results_made_on', ['made_on'], unique=False)


def downgrade():
    with op.batch_alter_table('stored_results', schema=None) as batch_op:
        batch_op.drop_index('ix_stored_results_made_on')
    op.drop_table('stored_results')
    op.drop_table('data_versions')
