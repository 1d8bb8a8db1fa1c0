"""Explanations: every factor's verdict, and words written for that verdict."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import Instance, explain
from matching.bench import synthetic
from matching.explain import AGAINST_AT, FOR_AT, LOW_BELOW, WORDS, summary, verdict
from matching.instance import DEFAULT_TERMS, LIFESTYLES, SETTINGS

from .conftest import AS_OF, make
from .wording import NEGATIVE_PHRASES, POSITIVE_PHRASES, phrase_clashes, templates_of

T = DEFAULT_TERMS


def _some(rng, terms, hi):
    k = int(rng.integers(0, hi + 1))
    return [str(t) for t in rng.choice(list(terms), size=min(k, len(terms)), replace=False)]


def _maybe(rng, values):
    return values[int(rng.integers(len(values)))]


def generated(seed):
    """A small instance whose records vary every field explanations read, empty and missing ones included."""
    rng = np.random.default_rng(seed)
    interests = list(T["interests"])[:6]
    life = [*LIFESTYLES, None]
    sett = [*SETTINGS, None]
    people = []
    for i in range(int(rng.integers(1, 4))):
        people.append(
            {
                "id": f"p{i}",
                "name": _maybe(rng, ["Janice", "Sam", "Ade"]),
                "easting": float(rng.uniform(0, 60_000)),
                "northing": float(rng.uniform(0, 60_000)),
                "max_distance_km": _maybe(rng, [None, 5.0, 12.5, 40.0]),
                "age": _maybe(rng, [None, 18, 25, 44, 61, 80, 95]),
                "interests": _some(rng, interests, 5),
                "needs": _some(rng, T["needs"], 5),
                "languages": _some(rng, T["languages"], 2),
                "language_required": bool(rng.random() < 0.4),
                "faith": _maybe(rng, [None, *T["faiths"][:3]]),
                "faith_important": bool(rng.random() < 0.5),
                "lifestyle": _maybe(rng, life),
                "setting": _maybe(rng, sett),
                "children": _maybe(rng, ["no", "ok", "likes"]),
                "pets": _maybe(rng, ["ok", "likes"]),
                "traits": _some(rng, T["traits"], 3),
            }
        )
    households = []
    for j in range(int(rng.integers(1, 4))):
        lo = _maybe(rng, [18, 25, 40, 65])
        households.append(
            {
                "id": f"h{j}",
                "name": _maybe(rng, ["The Gardner household", "The Patels"]),
                "easting": float(rng.uniform(0, 60_000)),
                "northing": float(rng.uniform(0, 60_000)),
                "free_places": 1,
                "arrangement_types": ["live_in"],
                "approval_expires": "2030-01-01",
                "dbs_expires": "2030-01-01",
                "skills": _some(rng, T["needs"], 10),
                "age_min": lo,
                "age_max": lo + _maybe(rng, [10, 30, 60]),
                "interests": _some(rng, interests, 5),
                "languages": _some(rng, T["languages"], 2),
                "faiths": _some(rng, T["faiths"][:3], 1),
                "lifestyle": _maybe(rng, life),
                "setting": _maybe(rng, sett),
                "has_children": bool(rng.random() < 0.4),
                "pets": _some(rng, T["pets"][:3], 1),
                "residents": [
                    {"age": _maybe(rng, [20, 35, 50, 70, 90]), "lifestyle": _maybe(rng, life)}
                    for _ in range(int(rng.integers(0, 3)))
                ],
                "cannot_live_with": _some(rng, T["traits"], 3),
            }
        )
    return Instance.from_records(people, households, as_of=AS_OF)


def _check_pair(inst, i, j):
    """Every property an explanation must hold; returns the templates its words came from."""
    e = explain(inst, i, j)
    p, h, v = inst.people, inst.households, inst.vocab
    used = set()
    sides = {"person": [], "household": []}
    for f in e["factors"]:
        sides[f["side"]].append(f)
        # the verdict is the engine's one rule over the value
        assert f["verdict"] == ("neutral" if f["factor"] == "neutral" else verdict(f["value"]))
        # the words come from templates written for this factor and this verdict, and no other verdict's
        keys = templates_of(f["words"])
        assert keys, f["words"]
        assert {k[1] for k in keys} == {f["verdict"]}, (f["words"], keys)
        assert f["factor"] in {k[0] for k in keys}, (f["words"], keys)
        assert not phrase_clashes(f["words"], f["verdict"], e["person_name"]), f
        used |= {k for k in keys if k[0] == f["factor"]}
        if f["factor"] == "interests":
            shared = v.decode("interests", p.interests[i] & h.interests[j])
            # every shared interest is a reason for, or partly for; none is a reason against
            assert f["verdict"] == ("against" if not shared else f["verdict"])
            assert (f["verdict"] in ("for", "partly")) == bool(shared)
        if f["factor"] in ("lifestyle", "setting", "resident_lifestyle"):
            mine = p.setting[i] if f["factor"] == "setting" else p.lifestyle[i]
            theirs = {"lifestyle": h.lifestyle, "setting": h.setting, "resident_lifestyle": h.residents_lifestyle}
            # a mismatch is never a reason for
            assert (f["verdict"] == "for") == (mine == theirs[f["factor"]][j])
    for side, items in sides.items():
        assert math.isclose(math.fsum(f["contribution"] for f in items), e[f"{side}_side"], abs_tol=1e-9)
        assert math.isclose(math.fsum(f["contribution"] + f["shortfall"] for f in items), 1.0, abs_tol=1e-9)
    worst = e["most_against"]
    if worst is not None:
        assert worst["verdict"] in ("against", "partly")
        assert worst["shortfall"] == max(f["shortfall"] for f in e["factors"] if f["verdict"] in ("against", "partly"))
    if e["allowed"] and e["total"] < LOW_BELOW:
        assert e["summary"].startswith("This may not be a good match.")
        assert f"The biggest thing against it: {worst['words']}." in e["summary"]
    assert 2 <= len(e["summary"].split(". ")) <= 4
    return used


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_words_match_their_verdict_on_generated_records(seed):
    inst = generated(seed)
    for i in range(len(inst.people)):
        for j in range(len(inst.households)):
            _check_pair(inst, i, j)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([30.0, 80.0, 400.0]), st.booleans())
def test_words_match_their_verdict_on_synthetic_schemes(seed, side_km, limits):
    inst = synthetic(6, 6, seed=seed, side_km=side_km, max_km=(10.0, 40.0) if limits else None)
    for i in range(6):
        for j in range(6):
            _check_pair(inst, i, j)


def test_the_generators_reach_every_template():
    # otherwise the property tests above would prove little about the templates they miss
    used = set()
    for seed in range(300):
        inst = generated(seed)
        for i in range(len(inst.people)):
            for j in range(len(inst.households)):
                used |= _check_pair(inst, i, j)
    used |= _check_pair(make({"interests": []}, {"interests": []}), 0, 0)
    assert set(WORDS) - used == set()


def test_templates_use_only_the_phrases_of_their_verdict():
    for (factor, said, *_), template in WORDS.items():
        text = template.lower()
        if said == "for":
            assert not [p for p in NEGATIVE_PHRASES if p in text], (factor, template)
        if said == "against":
            assert not [p for p in POSITIVE_PHRASES if p in text], (factor, template)


def test_verdict_thresholds_are_the_ones_documented():
    assert verdict(FOR_AT) == "for" and verdict(AGAINST_AT) == "against"
    assert verdict((FOR_AT + AGAINST_AT) / 2) == "partly"


def _factor(e, side, name):
    (f,) = [f for f in e["factors"] if f["side"] == side and f["factor"] == name]
    return f


def test_one_shared_interest_of_three_is_partly_for():
    inst = make(
        {"name": "Janice", "interests": ["church", "gardening", "films"]},
        {"name": "The Gardner household", "interests": ["church", "football"]},
    )
    f = _factor(explain(inst, 0, 0), "person", "interests")
    assert f["verdict"] == "partly"
    assert f["words"] == "The Gardner household share 1 of Janice's 3 interests: church"
    f = _factor(explain(inst, 0, 0), "household", "interests")
    assert (f["verdict"], f["words"]) == ("partly", "Janice shares 1 of The Gardner household's 2 interests: church")


def test_no_interests_in_common_is_against():
    f = _factor(explain(make({"interests": ["music"]}, {"interests": ["football"]}), 0, 0), "person", "interests")
    assert (f["verdict"], f["words"]) == ("against", "Sam and The Patels have no interests in common on record")


@pytest.mark.parametrize(
    ("want", "have", "said", "words"),
    [
        ("busy", "busy", "for", "The Patels have a busy home, as Sam would like"),
        ("mixed", "busy", "partly", "The Patels have a busy home, not quite the mixed home Sam would like"),
        ("quiet", "busy", "against", "Sam would like a quiet home, but The Patels have a busy home"),
    ],
)
def test_a_lifestyle_mismatch_is_never_for(want, have, said, words):
    f = _factor(explain(make({"lifestyle": want}, {"lifestyle": have}), 0, 0), "person", "lifestyle")
    assert (f["verdict"], f["words"]) == (said, words)


def test_graded_factors_say_how_far_off_they_are():
    inst = make(
        {"age": 48, "needs": ["autism", "epilepsy", "dementia", "diabetes"], "max_distance_km": 20},
        {"age_min": 18, "age_max": 43, "skills": ["autism", "epilepsy", "dementia"], "easting": 511_000},
    )
    e = explain(inst, 0, 0)
    age, needs = _factor(e, "household", "age"), _factor(e, "household", "needs")
    assert (age["verdict"], age["words"]) == (
        "partly",
        "Sam (48) is 5 years outside the age range The Patels support (18 to 43)",
    )
    assert (needs["verdict"], needs["words"]) == (
        "for",
        "Carers have experience of 3 of Sam's 4 needs: epilepsy, dementia and autism",
    )
    dist = _factor(e, "person", "distance")
    assert (dist["verdict"], dist["words"]) == (
        "partly",
        "10.0 km from where Sam wants to live: within 20 km, but not close",
    )


def test_a_low_total_says_what_weighs_most_against_it():
    inst = make(
        {"lifestyle": "quiet", "setting": "rural", "interests": ["music"], "pets": "likes", "age": 30},
        {"lifestyle": "busy", "setting": "urban", "interests": ["football"], "pets": [], "age_min": 18, "age_max": 40},
    )
    e = explain(inst, 0, 0)
    assert e["allowed"] and e["total"] < LOW_BELOW
    # no interests in common costs the household's side half its score, more than anything else costs
    assert (e["most_against"]["side"], e["most_against"]["factor"]) == ("household", "interests")
    assert e["summary"] == (
        "This may not be a good match. The biggest thing against it: "
        "Sam and The Patels have no interests in common on record. "
        "Sam (30) is within the age range The Patels support (18 to 40). "
        "Sam and the carers decide together."
    )
    assert summary(e) == e["summary"]
