"""Where carers are needed: who the engine's hard constraints leave without a household,
and which groups of people compete for too few places (``matching.recruitment``).

The allowed pairs and the free places come from the engine through the one adapter
(:func:`shared_lives.matches.adapter.build_instance` and :func:`matching.hard_constraints`),
so this page sees exactly what suggestions and approval see.
"""

from __future__ import annotations

from collections import Counter

from sqlmodel import Session, select

import matching
from matching.instance import SKILLED_NEEDS
from shared_lives.audit.log import actor_of, audit
from shared_lives.auth.permissions import require
from shared_lives.exports.services import csv_text
from shared_lives.households.models import Household
from shared_lives.matches.adapter import build_instance
from shared_lives.people.models import Person
from shared_lives.reports.services import postcode_area
from shared_lives.timeutil import today
from shared_lives.vocab.fixed import ARRANGEMENT_TYPES
from shared_lives.vocab.services import terms

#: What people in a group may share that narrows the households open to them: (key, words, test).
FEATURES = (
    ("step_free", "need step-free access", lambda p: bool(p.needs_step_free)),
    ("ground_floor", "need a ground-floor bedroom", lambda p: bool(p.needs_ground_floor)),
    ("carer_gender", "asked for a carer of one gender for personal care", lambda p: bool(p.carer_gender_personal_care)),
    ("no_pets", "cannot live with pets (or are allergic to them)", lambda p: p.pets == "no" or bool(p.allergies)),
)
REASON_WORDS = {r.code: r.message for r in matching.REASONS}
CSV_HEADER = (
    "group",
    "people",
    "households",
    "free_places",
    "cannot_be_offered_at_once",
    "arrangement_types_sought",
    "people_areas",
    "shared_needs",
    "household_references",
)


def district(postcode: str | None) -> str:
    """The outward code of a postcode (``ME14`` of ``ME14 1XQ``)."""
    return (postcode or "").strip().upper().split(" ")[0]


def _counts(counter: Counter, labels: dict | None = None) -> list[tuple[str, int]]:
    return [((labels or {}).get(k, k), n) for k, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]


def _describe(group, people: list[Person], households: list[Household], need_labels: dict) -> dict:
    members = [people[i] for i in group.people]
    homes = [households[j] for j in group.households]
    shared = [(words, sum(1 for p in members if test(p))) for _, words, test in FEATURES]
    shared = [(w, n) for w, n in shared if n]
    skilled = Counter(n for p in members for n in p.needs or [] if n in SKILLED_NEEDS)
    needs = _counts(skilled, need_labels)
    areas = _counts(Counter(district(p.preferred_postcode) for p in members if p.preferred_postcode))
    kinds = _counts(Counter(p.arrangement_type for p in members), ARRANGEMENT_TYPES)
    everyone = [w for w, n in shared if n == len(members)]
    n = len(members)
    headline = f"{n} {'person' if n == 1 else 'people'}"
    if everyone:
        headline += " who " + " and ".join(everyone)
    if areas and areas[0][1] * 2 >= n:
        headline += f" near {areas[0][0]}"
    k = len(homes)
    headline += (
        f" can only go to {'this household' if k == 1 else f'these {k} households'}, "
        f"with {group.places} free {'place' if group.places == 1 else 'places'} between them"
    )
    return {
        "headline": headline,
        "people": n,
        "households": [{"id": h.id, "reference": h.reference, "name": h.name, "town": h.town} for h in homes],
        "places": group.places,
        "short": group.short,
        "kinds": kinds,
        "areas": areas,
        "shared": shared,
        "needs": needs,
    }


def _analyse(session: Session) -> dict:
    people = list(session.exec(select(Person).where(Person.status == "waiting").order_by(Person.id)).all())
    households = list(session.exec(select(Household).order_by(Household.id)).all())
    need_labels = terms(session, "need")
    if not people:
        empty = {"by_reason": [], "by_area": [], "reasons_in_areas": [], "groups": []}
        return {"waiting": 0, "excluded": 0, "short": 0, **empty}
    instance, _ = build_instance(session, people, households, today())
    allowed, reasons = matching.hard_constraints(instance)
    groups = matching.shortfalls(allowed, instance.households.free_places)
    nearest = matching.nearest_reasons(reasons)
    stranded = [i for i in range(len(people)) if not allowed[i].any()]
    by_reason = Counter(code for i in stranded for code in nearest[i])
    by_area: dict[str, Counter] = {}
    for i in stranded:
        area = postcode_area(people[i].preferred_postcode) or "No postcode"
        by_area.setdefault(area, Counter()).update(nearest[i])
    described = [_describe(g, people, households, need_labels) for g in groups if g.households]
    return {
        "waiting": len(people),
        "excluded": len(stranded),
        "by_reason": [(code, REASON_WORDS[code], by_reason[code]) for code in REASON_WORDS if by_reason[code]],
        "by_area": sorted((area, dict(c)) for area, c in by_area.items()),
        "reasons_in_areas": [code for code in REASON_WORDS if any(code in c for c in by_area.values())],
        "groups": described,
        "short": sum(g["short"] for g in described),
    }


def carers_needed(session: Session, user) -> dict:
    """The page: people no household can take, by reason and area, and the recruitment targets."""
    require(user, "report:read")
    data = _analyse(session)
    audit(session, actor_of(user), "report.view", changes={"page": "carers_needed", "count": len(data["groups"])})
    return {**data, "reason_words": REASON_WORDS}


def carers_needed_csv(session: Session, user) -> str:
    """The recruitment targets as CSV (counts and household references; no one's name)."""
    require(user, "report:read")
    data = _analyse(session)
    body = csv_text(
        [
            CSV_HEADER,
            *(
                (
                    n,
                    g["people"],
                    len(g["households"]),
                    g["places"],
                    g["short"],
                    "; ".join(f"{k} ({c})" for k, c in g["kinds"]),
                    "; ".join(f"{a} ({c})" for a, c in g["areas"]),
                    "; ".join(f"{w} ({c})" for w, c in g["shared"] + g["needs"]),
                    " ".join(h["reference"] for h in g["households"]),
                )
                for n, g in enumerate(data["groups"], 1)
            ),
        ]
    )
    audit(session, actor_of(user), "report.export", changes={"page": "carers_needed", "format": "csv"})
    return body
