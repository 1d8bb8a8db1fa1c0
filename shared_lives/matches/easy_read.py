"""The easy-read page for a proposal: plain words for the person, built from the
engine's plain-words summary and the household's record."""

from __future__ import annotations

from sqlmodel import select

from shared_lives.carers.models import Carer
from shared_lives.households.models import Household
from shared_lives.matches import adapter
from shared_lives.people.models import Person
from shared_lives.rules.distance import distance_km


def _words(term: str) -> str:
    return str(term).replace("_", " ")


def _pets(pets: list) -> list[str]:
    out = []
    for p in pets or []:
        if not isinstance(p, dict) or not p.get("kind"):
            continue
        n = int(p.get("number") or 1)
        kind = _words(p["kind"])
        out.append(f"{n} {kind}{'s' if n > 1 and not kind.endswith('s') and kind != 'fish' else ''}")
    return out


def page_for(session, proposal) -> dict:
    person = session.get(Person, proposal.person_id)
    household = session.get(Household, proposal.household_id)
    carers = session.exec(select(Carer).where(Carer.household_id == household.id).order_by(Carer.id)).all()
    explanation = adapter.pair_explanation(session, person, household)
    km = distance_km((person.easting, person.northing), (household.easting, household.northing))
    who = [f"{c.name}, {'the main carer' if c.role == 'main' else 'a support carer'}" for c in carers]
    for m in household.members or []:
        if isinstance(m, dict) and m.get("name"):
            age = f", {m['age']} years old" if m.get("age") is not None else ""
            rel = f" ({_words(m['relationship'])})" if m.get("relationship") else ""
            who.append(f"{m['name']}{rel}{age}")
    return {
        "proposal": proposal,
        "first_name": person.first_name,
        "household_name": household.name,
        "town": household.town,
        "who": who,
        "pets": _pets(household.pets),
        "likes": [_words(i) for i in household.interests or []],
        "shared": sorted(set(household.interests or []) & set(person.interests or [])),
        "km": round(km, 1) if km is not None else None,
        "miles": round(km / 1.609, 1) if km is not None else None,
        "summary": explanation["summary"],
    }
