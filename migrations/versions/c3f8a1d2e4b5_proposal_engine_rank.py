"""Where the engine ranked a proposal's household for its person when it was proposed: its
rank, the engine's top pick then, and how many households it ranked (for coordinator
overrides in the fairness report). Proposals made before this stay NULL: "rank not recorded".

Revision ID: c3f8a1d2e4b5
Revises: b7d41e0c9a62
Create Date: 2026-11-25 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3f8a1d2e4b5"
down_revision: str | None = "b7d41e0c9a62"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("proposal", sa.Column("engine_rank", sa.Integer(), nullable=True))
    op.add_column("proposal", sa.Column("engine_top_household_id", sa.Integer(), nullable=True))
    op.add_column("proposal", sa.Column("engine_ranked", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_column("engine_ranked")
        batch_op.drop_column("engine_top_household_id")
        batch_op.drop_column("engine_rank")
