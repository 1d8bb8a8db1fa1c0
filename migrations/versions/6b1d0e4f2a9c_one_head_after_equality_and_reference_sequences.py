"""One head again: equality monitoring and the reference number sequences both followed the
engine input cache and landed at the same time. Nothing changes in the schema; this revision
joins the two branches, so neither landed revision is edited.

Revision ID: 6b1d0e4f2a9c
Revises: 5a7c2e91d3b4, 5e2a9c1d7b40
Create Date: 2026-11-24 14:45:00.000000
"""

from collections.abc import Sequence

revision: str = "6b1d0e4f2a9c"
down_revision: str | tuple[str, ...] | None = ("5a7c2e91d3b4", "5e2a9c1d7b40")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
