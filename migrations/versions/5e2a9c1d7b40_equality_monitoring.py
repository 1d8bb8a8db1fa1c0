"""Equality monitoring of people seeking support, in a table of its own (never an engine input).

Revision ID: 5e2a9c1d7b40
Revises: 5e2c9a1f7b30
Create Date: 2026-11-24 13:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "5e2a9c1d7b40"
down_revision: str | None = "5e2c9a1f7b30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "equality_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("ethnicity", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("religion", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("disability", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("sex", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("sexual_orientation", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("equality_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_equality_record_person_id"), ["person_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("equality_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_equality_record_person_id"))
    op.drop_table("equality_record")
