"""Add the revisions' search text (the text as the register search compares it)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 13:20:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

BATCH = 500


def upgrade():
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='', nullable=False))
    # Python's case folding, as compliance.documents.models.searchable() does it (SQLite's
    # lower() folds ASCII only).
    revisions = sa.table(
        'revisions', sa.column('id', sa.Integer), sa.column('text', sa.Text),
        sa.column('search_text', sa.Text),
    )
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(revisions.c.id, revisions.c.text)
            .where(revisions.c.id > last)
            .order_by(revisions.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            revisions.update()
            .where(revisions.c.id == sa.bindparam('rid'))
            .values(search_text=sa.bindparam('folded')),
            [{'rid': rid, 'folded': (text or '').lower()} for rid, text in rows],
        )
        last = rows[-1][0]


def downgrade():
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_column('search_text')
