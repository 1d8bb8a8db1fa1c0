"""Soft compatibility from both sides, and how the two sides are combined.

Each side scores a pair with factors in ``[0, 1]``:

* the **person's view** of the household (:data:`PERSON_FACTORS`): shared
  interests, quiet or busy home, town or country, a shared language and faith
  *only where the person asked for them*, distance, and children and pets
  where the person has a view;
* the **household's view** of the person (:data:`HOUSEHOLD_FACTORS`): needs
  within the carers' skills and experience, the age range they support,
  shared interests, and fit with *everyone already living there*: the age and
  lifestyle of people already supported and anything a household member
  cannot live with.

A side's score is the weighted mean of the factors that apply to the pair::

    side = sum(w_f * a_f * v_f) / sum(w_f * a_f)

where ``a_f`` is 1 if factor ``f`` applies (the person asked about faith,
someone already lives there, ...) and 0 if not, so nobody is marked down for
a question they did not ask.  A factor's *contribution* is
``w_f * a_f * v_f / sum(w_f * a_f)``; contributions add up to the side score
exactly.  If no factor applies, the side score is a neutral 0.5.

The two sides are combined with the geometric mean::

    total = sqrt(person_side * household_side)

so both sides count: if either side would not choose the pair (score near
0) the total is near 0, however keen the other side is.  ``total`` ranks
shortlists and drives ``optimal`` proposals; ``stable`` proposals use each
side's own score to rank the other side.

Bulk scores are float32; :mod:`matching.explain` recomputes one pair in
float64.
"""

from __future__ import annotations

import functools

import numpy as np

from ._columns import block_views, common, count, distance_km, nonempty, overlap, pair_views
from .weights import DEFAULT_WEIGHTS

__all__ = [
    "DEFAULT_DISTANCE_KM",
    "HOUSEHOLD_FACTORS",
    "PERSON_FACTORS",
    "combine",
    "household_factors",
    "person_factors",
    "score",
    "score_pairs",
]

PERSON_FACTORS = (
    "interests",
    "language",
    "faith",
    "distance",
    "lifestyle",
    "setting",
    "children",
    "pets",
)
HOUSEHOLD_FACTORS = (
    "needs",
    "age",
    "interests",
    "resident_age",
    "members",
    "resident_lifestyle",
)
#: Distance scale when the person set no limit: 0 km scores 1, this far 0.25.
DEFAULT_DISTANCE_KM = 30.0

_F = np.float32


def combine(person_side, household_side):
    """Combine the two sides: ``sqrt(person_side * household_side)``.

    Examples
    --------
    >>> float(combine(0.81, 1.0))
    0.9
    >>> float(combine(0.9, 0.0))
    0.0
    """
    return np.sqrt(np.multiply(person_side, household_side))


def _ratio(num, den):
    return np.minimum(num.astype(_F) / np.maximum(den, 1).astype(_F), _F(1))


def person_factors(P, H, d=None, categorical=True):
    """Yield ``(name, value, applies)`` for the person's view (broadcasting arrays).

    ``categorical=False`` leaves out the factors that depend only on a few
    categories of each side (scored in bulk through a lookup table).
    """
    if d is None:
        d = distance_km(P, H)
    n_int = count(P.interests)
    shared = common(P.interests, H.interests)
    yield "interests", _ratio(shared, np.minimum(n_int, 3)), n_int > 0
    yield "language", overlap(P.languages, H.languages).astype(_F), P.language_required
    yield "faith", overlap(P.faith_mask, H.faiths).astype(_F), P.faith_important
    scale = np.where(np.isfinite(P.max_distance_km), P.max_distance_km, _F(DEFAULT_DISTANCE_KM))
    dist = np.clip(_F(1) - _F(0.75) * d / np.maximum(scale, _F(0.1)), _F(0), _F(1))
    yield "distance", dist, np.isfinite(d)
    if categorical:
        yield from _person_categorical(P, H)


def _person_categorical(P, H):
    yield (
        "lifestyle",
        _F(1) - np.abs(P.lifestyle - H.lifestyle).astype(_F) * _F(0.5),
        (P.lifestyle >= 0) & (H.lifestyle >= 0),
    )
    yield (
        "setting",
        _F(1) - np.abs(P.setting - H.setting).astype(_F) * _F(0.5),
        (P.setting >= 0) & (H.setting >= 0),
    )
    kids = H.has_children
    yield (
        "children",
        np.where(P.children == 2, np.where(kids, _F(1), _F(0.25)), np.where(kids, _F(0), _F(1))),
        P.children != 1,
    )
    yield "pets", np.where(nonempty(H.pets), _F(1), _F(0.25)), P.pets == 2


def household_factors(P, H, categorical=True):
    """Yield ``(name, value, applies)`` for the household's view (broadcasting arrays)."""
    n_needs = count(P.needs)
    yield "needs", _ratio(common(P.needs, H.skills), n_needs), n_needs > 0
    gap = np.maximum(np.maximum(H.age_min - P.age, P.age - H.age_max), _F(0))
    yield "age", np.clip(_F(1) - _F(0.1) * gap, _F(0), _F(1)), ~np.isnan(P.age)
    n_hint = count(H.interests)
    yield "interests", _ratio(common(P.interests, H.interests), np.minimum(n_hint, 3)), n_hint > 0
    ages = H.resident_ages
    nearest = None
    for j in range(ages.shape[-1]):
        g = np.abs(P.age - ages[..., j])
        nearest = g if nearest is None else np.fmin(nearest, g)
    yield (
        "resident_age",
        np.clip(_F(1) - (nearest - _F(10)) / _F(30), _F(0), _F(1)),
        ~np.isnan(nearest),
    )
    clash = np.minimum(common(P.traits, H.cannot_live_with), 2).astype(_F)
    yield "members", _F(1) - _F(0.5) * clash, nonempty(H.cannot_live_with)
    if categorical:
        yield from _household_categorical(P, H)


def _household_categorical(P, H):
    yield (
        "resident_lifestyle",
        _F(1) - np.abs(P.lifestyle - H.residents_lifestyle).astype(_F) * _F(0.5),
        (P.lifestyle >= 0) & (H.residents_lifestyle >= 0),
    )


def _accumulate(factors, weights, num=None, den=None):
    # values may be nan where a factor does not apply: np.where drops them
    for name, value, applies in factors:
        w = _F(weights[name])
        if w == 0:
            continue
        part = np.where(applies, value * w, _F(0))
        wa = np.where(applies, w, _F(0))
        if num is None or num.shape != np.broadcast_shapes(num.shape, part.shape):
            num = part if num is None else num + part
        else:
            num += part
        den = wa if den is None else den + wa
    return num, den


def _divide(num, den):
    if num is None:
        num = den = np.zeros((), dtype=_F)
    num, den = np.broadcast_arrays(num, den)
    out = np.full(num.shape, _F(0.5), dtype=_F)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _side(factors, weights):
    return _divide(*_accumulate(factors, weights))


class _Grid:
    """Every combination of the categories the lookup tables cover."""

    def __init__(self, **columns):
        self.__dict__.update(columns)


_N_PCODE, _N_HCODE = 4 * 4 * 3 * 3, 4 * 4 * 2 * 2 * 4


def _person_code(P):
    life, sett = P.lifestyle.astype(np.intp) + 1, P.setting.astype(np.intp) + 1
    return ((life * 4 + sett) * 3 + P.children) * 3 + P.pets


def _household_code(H):
    life, sett = H.lifestyle.astype(np.intp) + 1, H.setting.astype(np.intp) + 1
    kids, pets = H.has_children.astype(np.intp), nonempty(H.pets).astype(np.intp)
    return (((life * 4 + sett) * 2 + kids) * 2 + pets) * 4 + H.residents_lifestyle.astype(np.intp) + 1


@functools.lru_cache(maxsize=16)
def _tables(person_weights, household_weights):
    pc = np.arange(_N_PCODE)[:, None]
    hc = np.arange(_N_HCODE)[None, :]
    P = _Grid(
        lifestyle=(pc // 36 - 1).astype(np.int8),
        setting=((pc // 9) % 4 - 1).astype(np.int8),
        children=((pc // 3) % 3).astype(np.int8),
        pets=(pc % 3).astype(np.int8),
    )
    H = _Grid(
        lifestyle=(hc // 64 - 1).astype(np.int8),
        setting=((hc // 16) % 4 - 1).astype(np.int8),
        has_children=((hc // 8) % 2).astype(bool),
        pets=((hc // 4) % 2).astype(np.uint64)[..., None],
        residents_lifestyle=(hc % 4 - 1).astype(np.int8),
    )
    assert (_person_code(P) == pc).all() and (_household_code(H) == hc).all()
    shape = (_N_PCODE, _N_HCODE)
    out = []
    for factors, weights in (
        (_person_categorical(P, H), dict(person_weights)),
        (_household_categorical(P, H), dict(household_weights)),
    ):
        num, den = _accumulate(factors, weights)
        for a in (num, den):
            a = np.zeros(shape, _F) if a is None else np.broadcast_to(a, shape)
            out.append(np.ascontiguousarray(a, dtype=_F).ravel())
    return tuple(out)


def _lookup(P, H, weights):
    tables = _tables(tuple(sorted(weights.person.items())), tuple(sorted(weights.household.items())))
    return _person_code(P) * _N_HCODE + _household_code(H), tables


def _person_side(P, H, weights, d=None, idx=None):
    # categorical factors come from a lookup table (one gather instead of a
    # dozen passes); the sums equal person_factors' up to float32 rounding
    idx, (pn, pd, _, _) = _lookup(P, H, weights) if idx is None else idx
    return _divide(*_accumulate(person_factors(P, H, d, categorical=False), weights.person, pn[idx], pd[idx]))


def _household_side(P, H, weights, idx=None):
    idx, (_, _, hn, hd) = _lookup(P, H, weights) if idx is None else idx
    return _divide(*_accumulate(household_factors(P, H, categorical=False), weights.household, hn[idx], hd[idx]))


def _scores(P, H, weights, d=None):
    idx = _lookup(P, H, weights)
    p = _person_side(P, H, weights, d, idx)
    h = _household_side(P, H, weights, idx)
    return p, h, np.sqrt(p * h)


def score(instance, people_idx=None, households_idx=None, weights=DEFAULT_WEIGHTS):
    """Scores of a block of pairs: ``(person_side, household_side, total)``.

    Scores ignore hard constraints (see :func:`matching.hard_constraints`);
    arrays are float32 of shape ``(len(people_idx), len(households_idx))``.
    Use blocks: never ask for 10,000 x 10,000 at once.

    Examples
    --------
    >>> from matching.instance import Instance
    >>> inst = Instance.from_records(
    ...     [{"id": "p", "interests": ["music"], "lifestyle": "quiet"}],
    ...     [{"id": "a", "interests": ["music"], "lifestyle": "quiet"},
    ...      {"id": "b", "interests": ["football"], "lifestyle": "busy"}])
    >>> p, h, t = score(inst)
    >>> p.round(3).tolist(), h.round(3).tolist(), t.round(3).tolist()
    ([[1.0, 0.0]], [[1.0, 0.0]], [[1.0, 0.0]])
    """
    pidx = np.arange(len(instance.people)) if people_idx is None else np.asarray(people_idx)
    P, H = block_views(instance.people, instance.households, pidx, households_idx)
    return _scores(P, H, weights)


def score_pairs(instance, person_index, household_index, weights=DEFAULT_WEIGHTS):
    """Scores of a list of pairs: ``(person_side, household_side, total)``, each 1-d.

    Examples
    --------
    >>> from matching.instance import Instance
    >>> inst = Instance.from_records([{"id": "p", "needs": ["autism"]}],
    ...                              [{"id": "a", "skills": ["autism"]}, {"id": "b"}])
    >>> score_pairs(inst, [0, 0], [0, 1])[1].tolist()
    [1.0, 0.0]
    """
    P, H = pair_views(
        instance.people,
        instance.households,
        np.asarray(person_index, dtype=np.intp),
        np.asarray(household_index, dtype=np.intp),
    )
    return _scores(P, H, weights)
