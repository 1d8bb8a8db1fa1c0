"""audit_entry append-only on PostgreSQL: triggers refuse UPDATE, DELETE and TRUNCATE

Grants keep the app's role from changing the log (docs/postgres-audit-grants.md); these
triggers also stop the tables' owner and any role granted too much by mistake. Only a
superuser (or the owner, by disabling the trigger on purpose) gets past them, and the HMAC
chain and the checkpoint then tell. SQLite has no such triggers here: nothing to do.

The test suite builds its tables with ``create_all`` and empties them with TRUNCATE between
tests, so its database never carries these triggers; the upgrade test checks them on a
database migrated to head.

Revision ID: 71b426762c6f
Revises: 1cbe5b5a0395
Create Date: 2026-11-24 13:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "71b426762c6f"
down_revision: str | None = "1cbe5b5a0395"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'audit_entry is append-only (% refused)', TG_OP
            USING ERRCODE = 'insufficient_privilege';
        END;
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER audit_entry_no_update_delete BEFORE UPDATE OR DELETE ON audit_entry "
        "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry")
    op.execute("DROP TRIGGER IF EXISTS audit_entry_no_update_delete ON audit_entry")
    op.execute("DROP FUNCTION IF EXISTS audit_entry_append_only()")
