"""Initial schema.

Until the first release this revision creates the schema straight from the
collection declarations; at release time it is frozen into explicit
operations (see tests/store/test_migrations.py, which checks that the
migrated database matches the declarations).

Revision ID: 0001
Revises:
"""

from alembic import op

from kci_backend.store.tables import metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(op.get_bind())


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
