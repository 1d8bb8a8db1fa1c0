"""The journey from suggestion to arrangement: engine runs, proposals, responses,
introductions and approvals. Reviews and endings live with arrangements
(``shared_lives.placements.models``). Nothing here is ever deleted: a declined or
withdrawn proposal keeps its history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from shared_lives.matches.states import LABELS as STATUS_LABELS
from shared_lives.matches.states import is_open
from shared_lives.rules.consent import DECIDERS
from shared_lives.timeutil import utcnow

#: Labels of proposal statuses; the statuses and their moves are in ``matches.states``.
PROPOSAL_STATUSES = STATUS_LABELS
#: No-blame reasons either side may give for declining or withdrawing.
CLOSE_REASONS = {
    "not_right_fit": "It did not feel like the right fit",
    "location": "The location does not suit",
    "timing": "The timing is not right",
    "household_change": "Something changed in the household",
    "person_change": "The person's needs or wishes changed",
    "other_match": "Another match was chosen",
    "other": "Another reason",
}
GIVEN_BY = {
    **DECIDERS,
    "representative": "Their representative (recorded before decisions were checked)",
    "carer": "The carer, for the household",
}
#: Each side's answer as the proposal holds it, and the decisions recorded in responses.
ANSWERS = {"pending": "Waiting", "agree": "Agrees", "decline": "Declined", "withdraw": "Withdrew"}
INTRODUCTION_STATUSES = {"planned": "Planned", "completed": "It has happened", "cancelled": "Cancelled"}
INTRODUCTION_KINDS = {
    "tea_visit": "Tea visit",
    "day_visit": "Day visit",
    "overnight": "Overnight stay",
    "weekend": "Weekend stay",
    "other": "Other meeting",
}


class EngineRun(SQLModel, table=True):
    """One run of the matching engine, with its inputs, so a suggestion can be explained later."""

    __tablename__ = "engine_run"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    kind: str = Field(max_length=20)  # "person", "household" or "scheme"
    subject_id: int | None = None
    weights_version: str = Field(max_length=40)
    input_snapshot: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    result: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Proposal(SQLModel, table=True):
    """A coordinator's proposal that a person and a household meet, for both to consider."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    arrangement_type: str = Field(max_length=20)
    status: str = Field(default="proposed", max_length=20, index=True)
    rationale: str = Field(max_length=2000)
    score: float | None = None
    engine_run_id: int | None = Field(default=None, foreign_key="engine_run.id")
    proposed_by_id: int = Field(foreign_key="user.id")
    proposed_at: datetime = Field(default_factory=utcnow, index=True)
    person_response: str = Field(default="pending", max_length=10)  # pending, agree, decline
    carer_response: str = Field(default="pending", max_length=10)
    approved_by_id: int | None = Field(default=None, foreign_key="user.id")
    approved_at: datetime | None = None
    closed_reason: str | None = Field(default=None, max_length=30)
    closed_note: str = Field(default="", max_length=1000)
    closed_by_id: int | None = Field(default=None, foreign_key="user.id")
    closed_at: datetime | None = None
    short_break_start: date | None = None
    short_break_end: date | None = None
    # Where the engine's suggestions put this household for this person when it was proposed
    # (``matches.services.engine_rank``): 1 is the engine's top pick, None not in its ranking.
    # ``engine_ranked`` is how many households it ranked then; None on proposals made before
    # ranks were recorded, which are counted apart, never guessed. (The top pick's id has no
    # database constraint, so a released database upgrades in place on SQLite without
    # rebuilding this table.)
    engine_rank: int | None = None
    engine_top_household_id: int | None = None
    engine_ranked: int | None = None
    version: int = 1

    @property
    def is_open(self) -> bool:
        return is_open(self.status)


class ProposalResponse(SQLModel, table=True):
    """One side's answer to a proposal, with who gave it and how it was checked."""

    __tablename__ = "proposal_response"

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    side: str = Field(max_length=10)  # "person" or "household"
    decision: str = Field(max_length=10)  # "agree", "decline" or "withdraw"
    given_by: str = Field(max_length=20)  # a key of GIVEN_BY
    given_by_name: str = Field(max_length=120)
    how_checked: str = Field(default="", max_length=500)
    reason: str | None = Field(default=None, max_length=30)
    note: str = Field(default="", max_length=1000)
    household_views: str = Field(default="", max_length=1000)
    recorded_by_id: int = Field(foreign_key="user.id")
    recorded_at: datetime = Field(default_factory=utcnow)
    # The person's side (see ``rules.consent``): capacity when recorded, how a person
    # with capacity reached their answer, the authority an attorney or deputy showed,
    # or the best-interests record; and always the person's own views.
    capacity_state: str = Field(default="", max_length=20)
    # The assessment in force when the answer was recorded (no database constraint, so a
    # released database upgrades in place on SQLite without rebuilding this table).
    capacity_assessment_id: int | None = None
    person_views: str = Field(default="", max_length=2000)
    easy_read_used: bool = False
    advocate_present: bool = False
    supporter_present: bool = False
    authority_kind: str = Field(default="", max_length=30)
    authority_reference: str = Field(default="", max_length=60)
    authority_seen_on: date | None = None
    authority_registered: bool = False
    authority_covers_residence: bool = False
    bi_maker_role: str = Field(default="", max_length=120)
    bi_consulted: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    bi_wishes: str = Field(default="", max_length=2000)
    bi_less_restrictive: str = Field(default="", max_length=2000)


class CapacityAssessment(SQLModel, table=True):
    """An assessment of whether the person can make one decision, at a time, by someone named."""

    __tablename__ = "capacity_assessment"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    decision: str = Field(max_length=300)
    outcome: str = Field(max_length=10)  # a key of rules.consent.ASSESSMENT_OUTCOMES
    assessed_on: date
    assessor_name: str = Field(max_length=120)
    assessor_role: str = Field(max_length=120)
    recorded_by_id: int = Field(foreign_key="user.id")
    recorded_at: datetime = Field(default_factory=utcnow)


class LibertyRecord(SQLModel, table=True):
    """Whether a live-in plan may deprive the person of liberty, and the Court of Protection
    authorisation if so. The latest row of a proposal is the one in force; none is edited."""

    __tablename__ = "liberty_record"

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    needed: bool
    reference: str = Field(default="", max_length=60)
    expires_on: date | None = Field(default=None, index=True)
    recorded_by_id: int = Field(foreign_key="user.id")
    recorded_at: datetime = Field(default_factory=utcnow)


class Introduction(SQLModel, table=True):
    """A planned or completed meeting between the person and the household."""

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    kind: str = Field(max_length=20)
    planned_for: date
    status: str = Field(default="planned", max_length=12)  # planned, completed, cancelled
    person_feedback: str = Field(default="", max_length=1000)
    carer_feedback: str = Field(default="", max_length=1000)
    recorded_by_id: int = Field(foreign_key="user.id")
    recorded_at: datetime = Field(default_factory=utcnow)


class EngineJob(SQLModel, table=True):
    """Engine work too long for a request, run in the background (see ``matches.jobs``).

    One row per input: ``key`` is the hash of the engine's input snapshot, so two
    requests on the same records find the same job instead of starting a second.
    ``error`` is a reason code from ``matches.jobs.REASONS``, never free text; a job
    started again keeps the code of the attempt before it until it finishes."""

    __tablename__ = "engine_job"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=20)  # "scheme"
    status: str = Field(default="queued", max_length=10)  # queued, running, done, failed
    requested_by: int | None = Field(default=None, foreign_key="user.id")
    attempts: int = Field(default=1)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    error: str | None = Field(default=None, max_length=40)
