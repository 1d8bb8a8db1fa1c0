"""Who may decide about an arrangement for a person (Mental Capacity Act 2005).

The one place this is decided. The journey service calls :func:`answer_problems`
when the person's side answers and again, on the current records, when a manager
approves (:func:`approval_problems`); pages show the same messages beside the field.
The person's record says who decides in these words too (:data:`WHO_DECIDES`), kept by
:func:`who_decides_problems` to what the Act allows for the capacity it records.

- Capacity is presumed, and judged per decision and at a time. An assessment older
  than the scheme's setting (``CAPACITY_REVIEW_MONTHS``) must be done again first.
- A person with capacity decides for themselves; an easy-read page, an advocate or a
  supporter may help. Nobody else's agreement replaces theirs.
- A person lacking capacity for this decision: an attorney under a registered Lasting
  Power of Attorney for health and welfare, or a Court of Protection welfare deputy,
  whose authority covers where the person lives; otherwise a best-interests decision
  (decision-maker, who was consulted, the person's wishes and feelings, less
  restrictive options). An advocate, a relative or a friend never decides alone.
- The person's own views are always recorded, whoever decides.
- The person's own "no" always ends a proposal (the scheme may withdraw any
  proposal too); only a lawful decision can say yes.
- Live-in for a person lacking capacity: whether the plan may deprive them of liberty
  is recorded; if it may, a Court of Protection authorisation in date is needed.

Functions read plain attributes, so a form's :class:`Answer` and a stored response row
are judged by the same code. Messages name the form field they belong beside.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

#: Capacity for this decision, as the records stand on a date.
CAPACITY_STATES = {
    "has": "Has capacity for this decision",
    "lacks": "Lacks capacity for this decision",
    "not_assessed": "Not assessed: capacity is presumed",
    "stale": "Assessed too long ago: assess again",
}
ASSESSMENT_OUTCOMES = {"has": "Has capacity for this decision", "lacks": "Lacks capacity for this decision"}

#: Who gave the person's side of the answer.
DECIDERS = {
    "person": "The person themselves",
    "attorney": "An attorney (Lasting Power of Attorney for health and welfare)",
    "deputy": "A Court of Protection deputy",
    "best_interests": "A best-interests decision-maker",
    "advocate": "An advocate",
    "other": "Someone else (a relative, friend or professional)",
}
#: Who decides, as a person's record holds it: only those the Act lets decide (keys of
#: DECIDERS). The person form, the person's page, the import columns and the subject
#: access pack all use these words.
WHO_DECIDES = {
    "person": "The person (presumed to have capacity unless assessed otherwise)",
    "attorney": "An attorney (Lasting Power of Attorney for health and welfare)",
    "deputy": "A Court of Protection deputy",
    "best_interests": "A best-interests decision (the person lacks capacity and no attorney or deputy)",
}
WHO_DECIDES_HINT = (
    "Capacity is presumed unless an assessment says otherwise. An attorney or a deputy decides only when "
    "the person lacks capacity for this decision, and only if their authority covers where the person lives. "
    "An advocate, a relative or a friend can help the person decide, but never decides for them."
)
#: Shorter words a scheme's own spreadsheets use for the same four answers, beside the codes
#: themselves ("person", "attorney", "deputy", "best interests"), which an import reads too;
#: "A representative" or "An advocate" name none of them.
WHO_DECIDES_SHORT = {
    "The person": "person",
    "An attorney": "attorney",
    "LPA": "attorney",
    "Lasting Power of Attorney": "attorney",
    "Court of Protection deputy": "deputy",
    "A best-interests decision": "best_interests",
    "Best-interests decision": "best_interests",
}
#: What records written before who decides was checked hold ("A representative" and "An
#: advocate" were offered then): never a choice, shown as needing a check until chosen again.
UNCONFIRMED = "unconfirmed"
UNCONFIRMED_LABEL = "Not yet confirmed: check who may decide"
AUTHORITY_KINDS = {
    "lpa_health_welfare": "Lasting Power of Attorney for health and welfare",
    "lpa_property_finance": "Lasting Power of Attorney for property and financial affairs",
    "deputy_welfare": "Court of Protection order: personal welfare deputy",
    "deputy_property_finance": "Court of Protection order: property and affairs deputy",
}
#: The one kind of authority that lets each representative decide where someone lives.
DECIDING_AUTHORITY = {"attorney": "lpa_health_welfare", "deputy": "deputy_welfare"}
CONSULTED = {
    "family": "Family",
    "unpaid_carers": "Unpaid carers or friends",
    "named_by_person": "Someone the person named",
    "imca": "An Independent Mental Capacity Advocate (IMCA)",
}
#: Consultees whose presence means an IMCA is not required.
_SOMEONE_ELSE = frozenset({"family", "unpaid_carers", "named_by_person"})


@dataclass(frozen=True)
class Answer:
    """The person's side of a proposal as recorded (or about to be)."""

    decision: str  # "agree", "decline" or "withdraw"
    given_by: str  # a key of DECIDERS
    given_by_name: str = ""
    person_views: str = ""
    how_checked: str = ""
    easy_read_used: bool = False
    advocate_present: bool = False
    supporter_present: bool = False
    authority_kind: str = ""
    authority_reference: str = ""
    authority_seen_on: date | None = None
    authority_registered: bool = False
    authority_covers_residence: bool = False
    bi_maker_role: str = ""
    bi_consulted: tuple[str, ...] = ()
    bi_wishes: str = ""
    bi_less_restrictive: str = ""


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, on the last day of a shorter month."""
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def capacity_state(latest, on: date, review_months: int) -> str:
    """Capacity for this decision on ``on``, from the latest assessment of it (or None).

    >>> from types import SimpleNamespace as A
    >>> capacity_state(None, date(2026, 1, 1), 12)
    'not_assessed'
    >>> capacity_state(A(outcome="lacks", assessed_on=date(2025, 6, 1)), date(2026, 1, 1), 12)
    'lacks'
    >>> capacity_state(A(outcome="lacks", assessed_on=date(2024, 12, 31)), date(2026, 1, 1), 12)
    'stale'
    """
    if latest is None:
        return "not_assessed"
    if add_months(latest.assessed_on, review_months) < on:
        return "stale"
    return latest.outcome


def _text(answer, name: str) -> str:
    return (getattr(answer, name, "") or "").strip()


def _authority_problems(answer, who: str, name: str, on: date) -> list[Problem]:
    out = []
    needed = DECIDING_AUTHORITY[who]
    kind = getattr(answer, "authority_kind", "") or ""
    if kind != needed:
        out.append(
            Problem(
                "authority_kind",
                f"Only a {AUTHORITY_KINDS[needed]} lets {'an attorney' if who == 'attorney' else 'a deputy'} "
                f"decide where {name} lives: record that authority",
            )
        )
    if who == "attorney" and not getattr(answer, "authority_registered", False):
        out.append(
            Problem(
                "authority_registered",
                "A Lasting Power of Attorney can be used only once it is registered with the Office of the Public "
                "Guardian: confirm it is registered",
            )
        )
    if not getattr(answer, "authority_covers_residence", False):
        out.append(
            Problem(
                "authority_covers_residence",
                f"Confirm the authority covers decisions about where {name} lives (check its conditions)",
            )
        )
    if not _text(answer, "given_by_name"):
        out.append(Problem("given_by_name", f"Enter the name of the {who} as it appears on the authority"))
    if not _text(answer, "authority_reference"):
        out.append(Problem("authority_reference", "Enter the authority's reference number"))
    seen = getattr(answer, "authority_seen_on", None)
    if seen is None:
        out.append(Problem("authority_seen_on", "Enter the date you saw the authority"))
    elif seen > on:
        out.append(Problem("authority_seen_on", "The date you saw the authority cannot be in the future"))
    return out


def _best_interests_problems(answer, name: str) -> list[Problem]:
    out = []
    if not _text(answer, "given_by_name"):
        out.append(Problem("given_by_name", "Enter the name of the decision-maker"))
    if not _text(answer, "bi_maker_role"):
        out.append(Problem("bi_maker_role", "Enter the decision-maker's role, for example social worker"))
    consulted = set(getattr(answer, "bi_consulted", ()) or ())
    if not consulted:
        out.append(Problem("bi_consulted", f"Choose who was consulted about {name}'s best interests"))
    elif not consulted & _SOMEONE_ELSE and "imca" not in consulted:
        out.append(
            Problem(
                "bi_consulted",
                f"Where there is no family, unpaid carer or anyone named by {name} to consult, an Independent "
                "Mental Capacity Advocate (IMCA) must be instructed and consulted",
            )
        )
    if not _text(answer, "bi_wishes"):
        out.append(Problem("bi_wishes", f"Record {name}'s past and present wishes, feelings, beliefs and values"))
    if not _text(answer, "bi_less_restrictive"):
        out.append(Problem("bi_less_restrictive", "Record the less restrictive options that were considered"))
    return out


def decider_conflict(state: str, who: str) -> str | None:
    """Why ``who`` (a key of DECIDERS) cannot decide for a person whose capacity for this
    decision is ``state``: ``"lacks"`` (the person lacks it, so cannot decide alone),
    ``"has"`` (they have it, or it is presumed, so only they decide), ``"never"`` (an
    advocate, relative or friend never decides), or None.

    >>> [decider_conflict(s, "person") for s in ("has", "not_assessed", "lacks")]
    [None, None, 'lacks']
    >>> [decider_conflict(s, "attorney") for s in ("has", "not_assessed", "lacks")]
    ['has', 'has', None]
    >>> decider_conflict("lacks", "advocate")
    'never'
    """
    if who == "person":
        return "lacks" if state == "lacks" else None
    if state in ("has", "not_assessed"):
        return "has"
    if who not in DECIDING_AUTHORITY and who != "best_interests":
        return "never"
    return None


def who_decides_label(who: str) -> str:
    """The words for who decides as a record holds it; anything not a choice is unconfirmed."""
    return WHO_DECIDES.get(who, UNCONFIRMED_LABEL)


def named_role(who: str) -> str:
    """What the someone named on a person's record is, by who decides: the row label for their name."""
    if who in DECIDING_AUTHORITY:
        return "Attorney" if who == "attorney" else "Deputy"
    if who in WHO_DECIDES:
        return "Advocate or supporter (helps or is consulted; does not decide)"
    return "Named before who decides was checked (may not decide)"


def who_decides_problems(state: str, who: str, name: str, field: str = "decision_maker") -> list[Problem]:
    """Why a person's record cannot say that ``who`` decides while their capacity for this
    decision is ``state`` (a key of CAPACITY_STATES); empty when the Act allows it.

    The same rule as :func:`answer_problems` (:func:`decider_conflict`), said of the record.

    >>> who_decides_problems("lacks", "best_interests", "Ann")
    []
    >>> [p.message[:44] for p in who_decides_problems("not_assessed", "deputy", "Ann")]
    ['Capacity is presumed until an assessment say']
    """
    if who not in WHO_DECIDES:
        if who == UNCONFIRMED:
            message = (
                f"Who decides for {name} is not confirmed: the record was written before who may decide was checked "
                f"against the Mental Capacity Act. Choose {name}, their attorney, their deputy or a best-interests "
                "decision"
            )
        else:
            message = f"Choose who decides for {name}"
        return [Problem(field, _sentence(message))]
    conflict = decider_conflict(state, who)
    if conflict == "lacks":
        return [
            Problem(
                field,
                _sentence(
                    f"{name} is recorded as lacking capacity for this decision, so their own agreement cannot be the "
                    f"decision: choose their attorney, their deputy or a best-interests decision ({name}'s own views "
                    "are still recorded)"
                ),
            )
        ]
    if conflict == "has":
        reason = (
            f"Capacity is presumed until an assessment says otherwise, so {name} decides"
            if state == "not_assessed"
            else f"{name} is recorded as having capacity for this decision, so {name} decides"
        )
        return [
            Problem(
                field,
                _sentence(
                    f"{reason}. An attorney, a deputy or a best-interests decision counts only when {name} lacks "
                    "capacity for this decision"
                ),
            )
        ]
    return []


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def answer_problems(state: str, answer, name: str, on: date, doubt: bool = False) -> list[Problem]:
    """Why this answer cannot stand for the person's side (empty when it is lawful).

    ``state`` is :func:`capacity_state` for this decision; ``doubt`` is true when the
    person's records suggest they may lack capacity although this decision was not
    assessed (the presumption still needs checking then).
    """
    who = getattr(answer, "given_by", "")
    if who not in DECIDERS:
        return [Problem("given_by", f"Choose who gave {name}'s answer")]
    out = []
    conflict = decider_conflict(state, who)
    if not _text(answer, "person_views"):
        out.append(Problem("person_views", f"Record what {name} thinks and feels about this, whoever decides"))
    if who == "person":
        if not _text(answer, "how_checked"):
            out.append(Problem("how_checked", f"Enter how {name} reached their answer"))
        if getattr(answer, "decision", "") != "agree":
            return out  # the person's own "no" always ends a proposal
        if conflict == "lacks":
            out.append(
                Problem(
                    "given_by",
                    f"{name} was assessed as lacking capacity for this decision, so their own agreement cannot be "
                    "the decision. Record their views, and the decision of an attorney, a deputy or a best-interests "
                    "decision-maker",
                )
            )
    elif conflict == "has":
        out.append(
            Problem(
                "given_by",
                f"{name} has capacity for this decision"
                + (" (it is presumed: no assessment says otherwise)" if state == "not_assessed" else "")
                + f", so only {name}'s own answer counts. An advocate or supporter can help them give it",
            )
        )
    elif conflict == "never":
        out.append(
            Problem(
                "given_by",
                f"An advocate, a relative or a friend cannot decide for {name}. An attorney or deputy whose authority "
                f"covers where {name} lives decides; otherwise it is a best-interests decision",
            )
        )
    elif state == "lacks" and who in DECIDING_AUTHORITY:
        out += _authority_problems(answer, who, name, on)
    elif state == "lacks":
        out += _best_interests_problems(answer, name)
    if state == "stale":
        out.append(
            Problem(
                "given_by",
                f"{name}'s capacity for this decision was last assessed too long ago: assess it again before "
                "recording this answer",
            )
        )
    elif state == "not_assessed" and doubt and who == "person":
        out.append(
            Problem(
                "given_by",
                f"{name}'s records say they may lack capacity to decide this: assess their capacity for this "
                "decision before recording their agreement",
            )
        )
    return out


def approval_problems(state: str, answer, name: str, on: date, doubt: bool = False) -> list[str]:
    """What stops the person's side being a lawful yes now, as sentences for the approve page."""
    if answer is None or getattr(answer, "decision", "") != "agree":
        return [f"{name}'s side has not agreed: record their answer, or the decision of whoever may decide for them."]
    problems = answer_problems(state, answer, name, on, doubt)
    return [f"{p.message}." for p in problems]


def liberty_problems(arrangement_type: str, state: str, record, name: str, on: date) -> list[str]:
    """What a live-in arrangement for a person lacking capacity still needs about liberty.

    ``record`` is the latest liberty record of the proposal (``needed``, ``reference``,
    ``expires_on``) or None.
    """
    if arrangement_type != "live_in" or state != "lacks":
        return []
    if record is None:
        return [f"Record whether the live-in support plan may deprive {name} of their liberty."]
    if not record.needed:
        return []
    if not (record.reference or "").strip() or record.expires_on is None:
        return [
            f"The plan may deprive {name} of their liberty: record the Court of Protection authorisation's reference "
            "and expiry before approval."
        ]
    if record.expires_on < on:
        return [f"The Court of Protection authorisation expired on {record.expires_on:%d %B %Y}: renew it first."]
    return []
