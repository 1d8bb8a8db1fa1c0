"""Hard constraints: which (person, household) pairs are excluded, and why.

A pair is *allowed* only when no hard constraint excludes it.  Each reason is
one bit of a ``uint16`` mask, so a coordinator can always see every reason a
pair was excluded, not just the first.  :data:`REASONS` maps bits to codes and
plain words; :func:`exclusion_reasons` writes the full sentences for one pair.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._columns import block_views, distance_km, nonempty, overlap, pair_views
from .instance import ARRANGEMENT_TYPES

__all__ = ["REASONS", "Reason", "constraint_mask", "exclusion_reasons", "hard_constraints"]


@dataclass(frozen=True)
class Reason:
    """One hard constraint: its bit, a stable code and plain words."""

    bit: int
    code: str
    message: str

    @property
    def flag(self):
        """The reason as a bitmask value."""
        return 1 << self.bit


REASONS = (
    Reason(0, "no_free_place", "No free place in this household"),
    Reason(1, "arrangement_not_approved", "This type of support is not in the carers' approval"),
    Reason(2, "approval_expired", "The carers' approval has expired or is not recorded"),
    Reason(3, "dbs_expired", "A DBS check has expired or is not recorded"),
    Reason(4, "smoking", "Someone smokes in the home and the person cannot live with smoking"),
    Reason(5, "pet_allergy", "The household has a pet the person is allergic to"),
    Reason(6, "no_pets", "The household has pets and the person does not want to live with pets"),
    Reason(7, "not_step_free", "The person needs step-free access and the home is not step-free"),
    Reason(8, "no_ground_floor", "The person needs a ground-floor bedroom and there is none"),
    Reason(9, "carer_gender", "No carer of the gender the person asked for personal care"),
    Reason(10, "too_far", "Further away than the person wants to live"),
    Reason(11, "needs_unmet", "The carers do not have the skills for some of the person's needs"),
    Reason(12, "cannot_offer", "The carers have said they cannot offer support the person needs"),
    Reason(13, "training_expired", "The carers' mandatory training has expired or is not recorded"),
)
_BY_CODE = {r.code: r for r in REASONS}


def _reasons(P, H, as_of, d=None):
    u16 = np.uint16
    no_place = H.free_places <= 0
    out = no_place.astype(u16)  # bit 0
    out = out | (~overlap(P.arrangement_mask, H.arrangement_types)).astype(u16) << u16(1)
    out |= (H.approval_expires < as_of).astype(u16) << u16(2)
    out |= (H.dbs_expires < as_of).astype(u16) << u16(3)
    out |= ((P.smoking == 0) & H.smoking).astype(u16) << u16(4)
    out |= overlap(P.allergies, H.pets).astype(u16) << u16(5)
    out |= ((P.pets == 0) & nonempty(H.pets)).astype(u16) << u16(6)
    out |= (P.needs_step_free & ~H.step_free).astype(u16) << u16(7)
    out |= (P.needs_ground_floor & ~H.ground_floor_bedroom).astype(u16) << u16(8)
    gender_asked = nonempty(P.carer_gender_mask)
    out |= (gender_asked & ~overlap(P.carer_gender_mask, H.carer_genders)).astype(u16) << u16(9)
    d = distance_km(P, H) if d is None else d
    out |= _too_far(d, P).astype(u16) << u16(10)
    unmet = nonempty(P.skilled_needs & ~H.skills)
    out |= unmet.astype(u16) << u16(11)
    out |= overlap(P.needs, H.cannot_offer).astype(u16) << u16(12)
    out |= (H.training_expires < as_of).astype(u16) << u16(13)
    return out


class _Columns:
    """A bag of columns a :class:`~matching._columns.View` can read."""

    def __init__(self, **columns):
        self.__dict__.update(columns)


def packed_columns(instance):
    """Pack the hard constraints into a few uint64 columns per side.

    A household's *features* (bit 0: a free place and valid approval and
    DBS; arrangement types; smoking; step-free; ground-floor bedroom; carer
    genders; pet kinds) are tested against each person's *required* and
    *forbidden* features with two mask tests, so bulk scans need only
    ``allowed`` and never the reasons.  Returns ``None`` when a vocabulary is
    too large to pack (the caller then uses the reasons).
    """
    p, h, v = instance.people, instance.households, instance.vocab
    n_pets, n_genders = len(v.terms["pets"]), len(v.terms["genders"])
    if v.words("needs") > 1 or n_pets > 32 or n_genders > 16 or len(ARRANGEMENT_TYPES) > 6:
        return None
    u = np.uint64
    valid = (
        (h.free_places > 0)
        & (h.approval_expires >= instance.as_of)
        & (h.dbs_expires >= instance.as_of)
        & (h.training_expires >= instance.as_of)
    )
    features = (
        valid.astype(u)
        | (h.arrangement_types[:, 0] << u(1))
        | (h.smoking.astype(u) << u(7))
        | (h.step_free.astype(u) << u(8))
        | (h.ground_floor_bedroom.astype(u) << u(9))
        | (h.carer_genders[:, 0] << u(10))
        | (h.pets[:, 0] << u(26))
    )
    required = (
        u(1)
        | (p.arrangement_mask[:, 0] << u(1))
        | (p.needs_step_free.astype(u) << u(8))
        | (p.needs_ground_floor.astype(u) << u(9))
        | (p.carer_gender_mask[:, 0] << u(10))
    )
    all_pets = u(((1 << n_pets) - 1) << 26)
    forbidden = (
        ((p.smoking == 0).astype(u) << u(7)) | (p.allergies[:, 0] << u(26)) | np.where(p.pets == 0, all_pets, u(0))
    )
    people = _Columns(
        required=required,
        forbidden=forbidden,
        max_distance_km=p.max_distance_km,
        skilled_needs=p.skilled_needs[:, 0],
        needs=p.needs[:, 0],
        easting=p.easting,
        northing=p.northing,
    )
    households = _Columns(
        features=features,
        no_skill=~h.skills[:, 0],
        cannot_offer=h.cannot_offer[:, 0],
        easting=h.easting,
        northing=h.northing,
        valid=valid,
    )
    return people, households


def _too_far(d, P):
    """Beyond the person's limit, or a household with no known place when the person
    has a place and a limit (its distance cannot be shown to be within it)."""
    limit = P.max_distance_km
    return (d > limit) | (np.isnan(d) & np.isfinite(limit) & np.isfinite(P.east_km))


def _allowed_packed(P, H, d):
    """``allowed`` from :func:`packed_columns` views (same answer as the reasons)."""
    f = H.features
    req = P.required
    ok = (f & req) == req
    ok &= (f & P.forbidden) == 0
    ok &= ~_too_far(d, P)
    ok &= (P.skilled_needs & H.no_skill) == 0
    ok &= (P.needs & H.cannot_offer) == 0
    return ok


def hard_constraints(instance, people_idx=None, households_idx=None, pairs=None):
    """Allowed mask and reason bits for a block of pairs, or for a list of pairs.

    Parameters
    ----------
    instance : Instance
    people_idx, households_idx : array of int, optional
        Rows and columns of the block (default: everyone).
    pairs : tuple of two int arrays, optional
        ``(person_index, household_index)``; if given, the result is 1-d.

    Returns
    -------
    allowed : bool array
        ``True`` where no hard constraint excludes the pair.
    reasons : uint16 array
        Bit ``r.bit`` set for each :data:`REASONS` entry ``r`` that applies.

    Examples
    --------
    >>> from matching.instance import Instance
    >>> inst = Instance.from_records(
    ...     [{"id": "p", "allergies": ["dog"]}],
    ...     [{"id": "a", "pets": ["dog"], "free_places": 1, "arrangement_types": ["live_in"],
    ...       "approval_expires": "2030-01-01", "dbs_expires": "2030-01-01"},
    ...      {"id": "b", "free_places": 1, "arrangement_types": ["live_in"],
    ...       "approval_expires": "2030-01-01", "dbs_expires": "2030-01-01"}],
    ...     as_of="2026-11-23")
    >>> allowed, reasons = hard_constraints(inst)
    >>> allowed.tolist()
    [[False, True]]
    >>> [r.code for r in REASONS if reasons[0, 0] & r.flag]
    ['pet_allergy']
    """
    p, h = instance.people, instance.households
    if pairs is not None:
        P, H = pair_views(p, h, np.asarray(pairs[0]), np.asarray(pairs[1]))
    else:
        pidx = np.arange(len(p)) if people_idx is None else np.asarray(people_idx)
        P, H = block_views(p, h, pidx, households_idx)
    reasons = _reasons(P, H, instance.as_of)
    return reasons == 0, reasons


def constraint_mask(instance, people_idx=None, households_idx=None):
    """Just the allowed mask of :func:`hard_constraints`.

    >>> from matching.instance import Instance
    >>> constraint_mask(Instance.from_records([{"id": 1}], [{"id": 2}])).tolist()
    [[False]]
    """
    return hard_constraints(instance, people_idx, households_idx)[0]


def _terms(vocab, name, mask):
    return ", ".join(t.replace("_", " ") for t in vocab.decode(name, mask))


def exclusion_reasons(instance, person, household):
    """Plain-words reasons a pair is excluded (empty list if it is allowed).

    Parameters
    ----------
    instance : Instance
    person, household : int
        Positions in ``instance.people`` and ``instance.households``.

    Returns
    -------
    list of dict
        ``{"code": str, "message": str}`` per reason, in :data:`REASONS` order.

    Examples
    --------
    >>> from matching.instance import Instance
    >>> inst = Instance.from_records(
    ...     [{"id": "p", "name": "Sam", "allergies": ["dog"]}],
    ...     [{"id": "h", "name": "The Patels", "pets": ["dog"], "free_places": 0,
    ...       "arrangement_types": ["live_in"],
    ...       "approval_expires": "2030-01-01", "dbs_expires": "2030-01-01"}],
    ...     as_of="2026-11-23")
    >>> for r in exclusion_reasons(inst, 0, 0):
    ...     print(r["code"], "-", r["message"])
    no_free_place - No free place at The Patels
    pet_allergy - The Patels have a dog and Sam is allergic to dogs
    """
    _, bits = hard_constraints(instance, pairs=([person], [household]))
    bits = int(bits[0])
    p, h, v = instance.people, instance.households, instance.vocab
    name, hname = p.name[person], h.name[household]
    out = []
    for r in REASONS:
        if not bits & r.flag:
            continue
        msg = r.message
        if r.code == "no_free_place":
            msg = f"No free place at {hname}"
        elif r.code == "arrangement_not_approved":
            kind = ARRANGEMENT_TYPES[int(p.arrangement[person])].replace("_", " ")
            msg = f"{hname} are not approved for {kind} support"
        elif r.code == "approval_expired":
            msg = f"The approval of {hname} has expired or is not recorded"
        elif r.code == "dbs_expired":
            msg = f"A DBS check at {hname} has expired or is not recorded"
        elif r.code == "smoking":
            msg = f"Someone smokes at {hname} and {name} cannot live with smoking"
        elif r.code == "pet_allergy":
            pets = v.decode("pets", h.pets[household] & p.allergies[person])
            msg = f"{hname} have a {' and a '.join(pets)} and {name} is allergic to " + (
                " and ".join(t + "s" for t in pets)
            )
        elif r.code == "no_pets":
            msg = (
                f"{hname} have pets ({_terms(v, 'pets', h.pets[household])}) and {name} does not want to live with pets"
            )
        elif r.code == "not_step_free":
            msg = f"{name} needs step-free access and the home of {hname} is not step-free"
        elif r.code == "no_ground_floor":
            msg = f"{name} needs a ground-floor bedroom and {hname} do not have one"
        elif r.code == "carer_gender":
            g = _terms(v, "genders", p.carer_gender_mask[person])
            msg = f"{name} asked for a {g} carer for personal care and {hname} have none"
        elif r.code == "too_far":
            P, H = pair_views(p, h, np.array([person]), np.array([household]))
            d = float(distance_km(P, H)[0])
            lim = float(p.max_distance_km[person])
            msg = f"{hname} are {d:.1f} km away; {name} wants to live within {lim:g} km"
        elif r.code == "needs_unmet":
            miss = _terms(v, "needs", p.skilled_needs[person] & ~h.skills[household])
            msg = f"The carers at {hname} do not list skills for: {miss}"
        elif r.code == "cannot_offer":
            what = _terms(v, "needs", p.needs[person] & h.cannot_offer[household])
            msg = f"{hname} have said they cannot offer: {what}"
        elif r.code == "training_expired":
            msg = f"Mandatory training of the carers at {hname} has expired or is not recorded"
        out.append({"code": r.code, "message": msg})
    return out
