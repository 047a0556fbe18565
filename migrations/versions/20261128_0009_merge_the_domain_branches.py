"""Merge the domain branches

Revision ID: 0009
Revises: 0004, 0005, 0007, 0008
Create Date: 2026-11-28 13:54:55.492259

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = ('0004', '0005', '0007', '0008')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
