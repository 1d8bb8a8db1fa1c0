"""Reference numbers from sequences on PostgreSQL: creates at the same moment each get
their own number (``max(id) + 1`` gave two of them the same, and one failed).

Each sequence starts past the highest number any existing reference holds, whatever its
format (the previous release's demo data used ``HH1001``), so no new reference collides.
SQLite has no sequences and needs none: its writers take turns.

Revision ID: 5a7c2e91d3b4
Revises: 5e2a9c1d7b40
Create Date: 2026-11-24 13:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the template imports it for column types)
from alembic import op

revision: str = "5a7c2e91d3b4"
down_revision: str | None = "5e2a9c1d7b40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: table -> (reference prefix, sequence)
SEQUENCES = {"household": ("HH", "household_reference_seq"), "person": ("P", "person_reference_seq")}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, (prefix, sequence) in SEQUENCES.items():
        op.execute(sa.schema.CreateSequence(sa.Sequence(sequence)))
        # setval(seq, n, false): the next value is n, one past the highest number in use.
        op.execute(
            f"SELECT setval('{sequence}', COALESCE(MAX(substring(reference FROM '^{prefix}([0-9]{{1,15}})$')::bigint), 0)"
            f" + 1, false) FROM {table}"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for _prefix, sequence in SEQUENCES.values():
        op.execute(sa.schema.DropSequence(sa.Sequence(sequence)))
