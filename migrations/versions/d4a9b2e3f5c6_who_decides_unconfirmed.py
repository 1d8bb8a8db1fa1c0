"""Who decides: only whom the Mental Capacity Act lets decide. Records that said "A
representative" or "An advocate" become "unconfirmed", which the person form never keeps:
nobody can tell now whether a representative held a Lasting Power of Attorney, was a
Court of Protection deputy or neither, and an advocate never decides. The person's page
asks for a check until a coordinator chooses again; the name and contact details stay.

Any other value outside the four choices is unconfirmed too. Downgrading gives the
previous release a value it offered: "representative" for an attorney, a deputy or an
unconfirmed record (the previous release had no nearer word).

Revision ID: d4a9b2e3f5c6
Revises: c3f8a1d2e4b5
Create Date: 2026-11-25 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d4a9b2e3f5c6"
down_revision: str | None = "c3f8a1d2e4b5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Frozen here: the choices of ``rules.consent.WHO_DECIDES`` when this revision was written.
LAWFUL = ("person", "attorney", "deputy", "best_interests")
UNCONFIRMED = "unconfirmed"

person = sa.table("person", sa.column("decision_maker", sa.String(20)))


def upgrade() -> None:
    op.execute(person.update().where(person.c.decision_maker.not_in(LAWFUL)).values(decision_maker=UNCONFIRMED))


def downgrade() -> None:
    op.execute(
        person.update()
        .where(person.c.decision_maker.in_(("attorney", "deputy", UNCONFIRMED)))
        .values(decision_maker="representative")
    )
