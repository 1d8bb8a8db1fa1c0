"""Engine inputs: a version every worker checks before reusing its cached inputs, and
engine input snapshots stored once per distinct input (by hash).

Revision ID: 5e2c9a1f7b30
Revises: 91f58f5ce097
Create Date: 2026-11-24 14:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "5e2c9a1f7b30"
down_revision: str | None = "91f58f5ce097"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "engine_input_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO engine_input_version (id, version) VALUES (1, 1)")
    op.create_table(
        "engine_input",
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("hash"),
    )


def downgrade() -> None:
    op.drop_table("engine_input")
    op.drop_table("engine_input_version")
