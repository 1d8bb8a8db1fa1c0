"""Generate the synthetic demo scheme in ``data/demo_scheme.json``.

Run ``python -m shared_lives.demo_data`` to regenerate it. Names and details come
from Faker ``en_GB`` with a fixed seed; postcodes are real ones, chosen at random
from the ONS Postcode Directory around Maidstone, Kent, so distances are real.
Nothing here describes a real person.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

from faker import Faker

from shared_lives.households.models import Household
from shared_lives.people.models import Person
from shared_lives.postcodes import _known, _letter_table, normalise
from shared_lives.records import reference_for

OUT = Path(__file__).resolve().parent.parent / "data" / "demo_scheme.json"
VOCAB = json.loads((Path(__file__).resolve().parent.parent / "data" / "vocabularies.json").read_text())
AS_OF = date(2026, 11, 1)
DISTRICTS = (
    [f"ME{i}" for i in range(1, 21)]
    + [f"TN{i}" for i in (9, 10, 11, 12, 15, 23, 24, 27)]
    + ["CT1", "CT2", "DA1", "DA11", "DA12"]
)
COURSES = {
    "First aid": 3,
    "Mental Capacity Act": 3,
    "Safeguarding adults": 3,
    "Medication": 2,
    "Data protection": 2,
    "Equality and diversity": 3,
}


def _postcodes(rng: random.Random, n: int) -> list[str]:
    pool = []
    for letter in "MTCD":
        for compact, (east, north, _la) in _letter_table(letter).items():
            if not _known(east) or not _known(north):
                continue
            outward = compact[:-3]
            if outward in DISTRICTS:
                pool.append(normalise(compact))
    pool.sort()
    return rng.sample(pool, n)


def _some(rng, vocab, lo, hi):
    keys = sorted(VOCAB[vocab])
    return sorted(rng.sample(keys, rng.randint(lo, hi)))


def generate(seed: int = 2026, n_households: int = 72, n_people: int = 48) -> dict:
    rng = random.Random(seed)
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    postcodes = _postcodes(rng, n_households + n_people)
    households = []
    for i in range(n_households):
        surname = fake.last_name()
        main_gender = rng.choice(["female", "female", "female", "male"])
        main_first = fake.first_name_female() if main_gender == "female" else fake.first_name_male()
        members = [{"name": f"{main_first} {surname}", "age": rng.randint(30, 68), "relationship": "Main carer"}]
        carers = []
        types = sorted(rng.sample(["live_in", "short_breaks", "day_support"], rng.randint(1, 3)))
        expires = AS_OF + timedelta(days=rng.randint(-40, 700))
        status = "approved" if rng.random() < 0.9 else rng.choice(["assessment", "suspended"])
        skills = _some(rng, "need", 2, 6)
        carers.append(
            {
                "name": f"{main_first} {surname}",
                "role": "main",
                "gender": main_gender,
                "gives_personal_care": True,
                "approval_status": status,
                "panel_date": str(expires - timedelta(days=730)),
                "approval_expires": str(expires),
                "probationary": rng.random() < 0.15,
                "terms_arrangement_types": types,
                "terms_max_people": rng.choice([1, 1, 2, 2, 3]),
                "terms_conditions": "",
                "skills": skills,
            }
        )
        if rng.random() < 0.5:
            partner_gender = "male" if main_gender == "female" else "female"
            partner_first = fake.first_name_male() if partner_gender == "male" else fake.first_name_female()
            members.append(
                {"name": f"{partner_first} {surname}", "age": rng.randint(30, 70), "relationship": "Partner"}
            )
            carers.append(
                {
                    "name": f"{partner_first} {surname}",
                    "role": "support",
                    "gender": partner_gender,
                    "gives_personal_care": rng.random() < 0.6,
                    "approval_status": status,
                    "panel_date": str(expires - timedelta(days=730)),
                    "approval_expires": str(expires),
                    "probationary": False,
                    "terms_arrangement_types": types,
                    "terms_max_people": carers[0]["terms_max_people"],
                    "terms_conditions": "",
                    "skills": _some(rng, "need", 1, 3),
                }
            )
        for _ in range(rng.choice([0, 0, 1, 2])):
            age = rng.randint(2, 24)
            members.append(
                {
                    "name": f"{fake.first_name()} {surname}",
                    "age": age,
                    "relationship": "Son" if rng.random() < 0.5 else "Daughter",
                }
            )
        pets = [
            {"kind": k, "number": rng.randint(1, 2)}
            for k in rng.sample(["dog", "cat", "rabbit", "fish"], rng.choice([0, 0, 1, 1, 2]))
        ]
        dbs = []
        for m in members:
            if m["age"] >= 16:
                issued = AS_OF - timedelta(days=rng.randint(30, 1200))
                dbs.append(
                    {
                        "adult_name": m["name"],
                        "certificate_number": f"{rng.randint(10**11, 10**12 - 1)}",
                        "issued_on": str(issued),
                        "renew_by": str(issued + timedelta(days=3 * 365)),
                    }
                )
        training = []
        # Most carers keep their mandatory training in date; about one household in twelve
        # has a course that lapsed. Its own random stream leaves the rest of the scheme as it was.
        trng = random.Random(seed * 1000 + i)
        lapsed = trng.choice(sorted(COURSES)) if trng.random() < 0.08 else None
        for c_idx, _c in enumerate(carers):
            for course, years in COURSES.items():
                if c_idx == 0 and course == lapsed:
                    rng.randint(20, 365 * years + 60)  # keep the main stream's draws unchanged
                    done = AS_OF - timedelta(days=365 * years + trng.randint(1, 60))
                else:
                    done = AS_OF - timedelta(days=20 + rng.randint(20, 365 * years + 60) % (365 * years - 140))
                training.append(
                    {
                        "carer": c_idx,
                        "course": course,
                        "completed_on": str(done),
                        "renew_by": str(done + timedelta(days=365 * years)),
                    }
                )
        languages = ["english"] + (
            [rng.choice(sorted(set(VOCAB["language"]) - {"english"}))] if rng.random() < 0.25 else []
        )
        households.append(
            {
                "reference": reference_for(Household.reference_prefix, 1 + i),
                "name": f"The {surname} household",
                "address_line": fake.street_address().replace("\n", ", "),
                "town": rng.choice(
                    [
                        "Maidstone",
                        "Chatham",
                        "Gillingham",
                        "Rochester",
                        "Tonbridge",
                        "Sevenoaks",
                        "Canterbury",
                        "Dartford",
                        "Gravesend",
                        "Aylesford",
                    ]
                ),
                "postcode": postcodes[i],
                "bedrooms_spare": rng.randint(0, 3),
                "ground_floor_bedroom": rng.random() < 0.3,
                "accessible_bedroom": rng.random() < 0.15,
                "step_free": rng.random() < 0.35,
                "adapted_bathroom": rng.random() < 0.2,
                "members": members,
                "pets": pets,
                "smoking": rng.random() < 0.12,
                "languages": languages,
                "faith": rng.choice(["none", "none", "christian", "christian", "muslim", "hindu", "sikh", "jewish"]),
                "cultural_practice": "",
                "lifestyle": rng.choice(["quiet", "mixed", "busy"]),
                "setting": rng.choice(["urban", "suburban", "rural"]),
                "routines": rng.choice(
                    [
                        "Early risers; dinner together at six.",
                        "Flexible routine; out most weekends.",
                        "Quiet evenings at home.",
                    ]
                ),
                "interests": _some(rng, "interest", 2, 6),
                "transport": rng.choice(["Car", "Car and bus pass", "Buses nearby", "Adapted vehicle"]),
                "arrangement_types": types,
                "availability": "Short breaks most weekends" if "short_breaks" in types else "",
                "needs_can_meet": skills,
                "age_min": rng.choice([18, 18, 25, 40]),
                "age_max": rng.choice([65, 80, 100]),
                "cannot_offer": rng.sample(
                    ["behaviour_support", "substance_recovery", "personal_care", "epilepsy"], rng.choice([0, 0, 1])
                ),
                "carers": carers,
                "dbs_checks": dbs,
                "training": training,
            }
        )
    people = []
    for j in range(n_people):
        gender = rng.choice(["female", "male"])
        first = fake.first_name_female() if gender == "female" else fake.first_name_male()
        age = rng.randint(18, 88)
        needs = _some(rng, "need", 1, 3)
        people.append(
            {
                "reference": reference_for(Person.reference_prefix, 1 + j),
                "first_name": first,
                "last_name": fake.last_name(),
                "date_of_birth": str(AS_OF - timedelta(days=age * 365 + rng.randint(0, 364))),
                "gender": gender,
                "status": "waiting",
                "referral_date": str(AS_OF - timedelta(days=rng.randint(5, 200))),
                "referrer_name": fake.name(),
                "referrer_organisation": rng.choice(
                    [
                        "Kent County Council adult social care",
                        "Medway Council adult social care",
                        "Community learning disability team",
                    ]
                ),
                "arrangement_type": rng.choice(["live_in", "live_in", "short_breaks", "day_support"]),
                "needs": needs,
                "support_required": "Support with daily routines and getting out in the community.",
                "risks": "Can become anxious in crowds.",
                "risk_management": "Plan outings ahead; quiet space available.",
                "interests": _some(rng, "interest", 2, 5),
                "allergies": rng.sample(["cat", "dog"], rng.choice([0, 0, 0, 1])),
                "needs_step_free": rng.random() < 0.15,
                "needs_ground_floor": rng.random() < 0.1,
                "access_needs": "",
                "pets": rng.choice(["no", "ok", "ok", "likes"]),
                "smoking": rng.choice(["no", "no", "ok"]),
                "children": rng.choice(["no", "ok", "ok", "likes"]),
                "carer_gender_personal_care": gender if ("personal_care" in needs and rng.random() < 0.5) else None,
                "faith": rng.choice([None, None, "christian", "muslim", "sikh"]),
                "faith_important": rng.random() < 0.2,
                "languages": ["english"],
                "language_important": False,
                "lifestyle": rng.choice(["quiet", "mixed", "busy"]),
                "setting": rng.choice([None, "urban", "suburban", "rural"]),
                "preferred_postcode": postcodes[n_households + j],
                "max_distance_km": rng.choice([10, 15, 20, 30, 40]),
                "capacity": rng.choice(["has_capacity", "has_capacity", "lacks_capacity", "not_assessed"]),
                "decision_maker": "person",
                "representative_name": "",
                "representative_relationship": "",
                "representative_contact": "",
            }
        )
        if people[-1]["capacity"] == "lacks_capacity":
            # Most decisions for someone lacking capacity are best-interests decisions (the
            # relative is consulted); a few have a health and welfare attorney or a welfare deputy.
            people[-1].update(
                decision_maker=("attorney", "deputy", "best_interests", "best_interests")[j % 4],
                representative_name=fake.name(),
                representative_relationship=rng.choice(["Mother", "Father", "Sister", "Brother"]),
                representative_contact=fake.phone_number(),
            )
    arrangements = []
    approved = [
        i
        for i, h in enumerate(households)
        if h["carers"][0]["approval_status"] == "approved"
        and date.fromisoformat(h["carers"][0]["approval_expires"]) > AS_OF
    ]
    for k, (h_idx, p_idx) in enumerate(zip(rng.sample(approved, 6), range(n_people - 6, n_people), strict=True)):
        people[p_idx]["status"] = "matched"
        atype = households[h_idx]["carers"][0]["terms_arrangement_types"][0]
        people[p_idx]["arrangement_type"] = atype
        arrangements.append(
            {
                "person": people[p_idx]["reference"],
                "household": households[h_idx]["reference"],
                "arrangement_type": atype,
                "start_date": str(AS_OF - timedelta(days=60 + 90 * k)),
            }
        )
    _best_interests_arrangement(people, arrangements)
    for a in arrangements:  # everyone else in an arrangement decided for themselves
        person = next(p for p in people if p["reference"] == a["person"])
        if "best_interests" not in a and person["capacity"] == "lacks_capacity":
            person.update(capacity="has_capacity", decision_maker="person")
    return {
        "generated_with_seed": seed,
        "as_of": str(AS_OF),
        "households": households,
        "people": people,
        "arrangements": arrangements,
    }


def _best_interests_arrangement(people: list[dict], arrangements: list[dict]) -> None:
    """The first live-in arrangement is for a person who lacks capacity to decide where to live:
    it went through a best-interests decision, with a Court of Protection authorisation.
    Uses its own Faker seed so the rest of the scheme is generated as before."""
    live_in = next((a for a in arrangements if a["arrangement_type"] == "live_in"), None)
    if live_in is None:  # a generated scheme whose sample has no live-in arrangement
        return
    person = next(p for p in people if p["reference"] == live_in["person"])
    fake = Faker("en_GB")
    fake.seed_instance(1005)
    start = date.fromisoformat(live_in["start_date"])
    person.update(capacity="lacks_capacity", decision_maker="best_interests")
    live_in["best_interests"] = {
        "assessed_on": str(start - timedelta(days=40)),
        "assessor_name": fake.name(),
        "assessor_role": "Social worker",
        "decision_maker": fake.name(),
        "decision_maker_role": "Social worker",
        "consulted": ["family", "unpaid_carers"],
        "person_views": f"{person['first_name']} smiled at the photos of the garden and asked to see the dog again.",
        "wishes": f"{person['first_name']} has always liked being outdoors and near family; dislikes loud places.",
        "less_restrictive": "Support at home with daily visits was tried for six months and was not enough.",
        "liberty_reference": f"COP {fake.numerify('########')}",
        "liberty_expires": str(AS_OF + timedelta(days=45)),
    }


if __name__ == "__main__":
    OUT.write_text(json.dumps(generate(), indent=1, ensure_ascii=False) + "\n")
    print(f"Wrote {OUT}")
