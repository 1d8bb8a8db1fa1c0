"""The one versioned configuration of factor weights.

Every score, shortlist and proposal records :data:`WEIGHTS_VERSION`, so a
coordinator can always tell which weights produced a suggestion.  Change a
weight only together with the version string.

Each side's score is a weighted mean of the factors that *apply* to the pair
(see :mod:`matching.scoring`): a factor the person did not ask for (faith,
language) or that has nothing to look at (no one living there yet) is left
out, and the remaining weights are renormalised.  The weights below are
therefore relative importances within one side, not absolute points.

>>> WEIGHTS_VERSION
'2026-11-1'
>>> sorted(WEIGHTS["person"])[:3]
['children', 'distance', 'faith']
>>> all(w > 0 for side in WEIGHTS.values() for w in side.values())
True
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = ["FACTOR_LABELS", "WEIGHTS", "WEIGHTS_VERSION", "Weights"]

WEIGHTS_VERSION = "2026-11-1"

#: The person's view of the household.
_PERSON = {
    "interests": 3.0,  # shared interests and hobbies
    "lifestyle": 2.0,  # quiet / busy home
    "setting": 1.0,  # urban / suburban / rural
    "language": 2.0,  # a shared language, only where the person asked for it
    "faith": 2.0,  # faith and culture, only where the person asked for it
    "distance": 2.0,  # close to where the person wants to live
    "children": 1.0,  # children in the home, where the person has a view
    "pets": 1.0,  # pets, where the person likes them
}

#: The household's view of the person.
_HOUSEHOLD = {
    "needs": 3.0,  # the person's needs are within the carers' skills and experience
    "age": 1.5,  # within the age range the carers said they support
    "interests": 1.5,  # things to do together
    "resident_age": 1.0,  # age gap to people already supported there
    "resident_lifestyle": 1.5,  # quiet/busy fit with people already supported there
    "members": 2.0,  # nothing anyone living there cannot live with
}

WEIGHTS = MappingProxyType({"person": MappingProxyType(_PERSON), "household": MappingProxyType(_HOUSEHOLD)})

#: Short labels a coordinator reads in an explanation.
FACTOR_LABELS = MappingProxyType(
    {
        ("person", "interests"): "Shared interests",
        ("person", "lifestyle"): "Quiet or busy home",
        ("person", "setting"): "Town or country",
        ("person", "language"): "Language",
        ("person", "faith"): "Faith and culture",
        ("person", "distance"): "Distance",
        ("person", "children"): "Children in the home",
        ("person", "pets"): "Pets",
        ("household", "needs"): "Needs within carers' skills",
        ("household", "age"): "Age range the carers support",
        ("household", "interests"): "Shared interests",
        ("household", "resident_age"): "Age of people already living there",
        ("household", "resident_lifestyle"): "Fit with people already living there",
        ("household", "members"): "Fit with everyone in the household",
    }
)


class Weights:
    """A versioned set of weights (the default is :data:`WEIGHTS`).

    Parameters
    ----------
    person, household : mapping of str to float, optional
        Factor weights per side; missing factors take the default weight.
    version : str
        A label recorded on every result.

    Examples
    --------
    >>> w = Weights(person={"distance": 4.0}, version="local-1")
    >>> w.person["distance"], w.person["interests"], w.version
    (4.0, 3.0, 'local-1')
    """

    def __init__(self, person=None, household=None, version=WEIGHTS_VERSION):
        p = dict(_PERSON)
        p.update(person or {})
        h = dict(_HOUSEHOLD)
        h.update(household or {})
        unknown = (set(p) - set(_PERSON)) | (set(h) - set(_HOUSEHOLD))
        if unknown:
            raise ValueError(f"unknown factors: {sorted(unknown)}")
        if any(v < 0 for v in (*p.values(), *h.values())):
            raise ValueError("weights must be non-negative")
        self.person = MappingProxyType(p)
        self.household = MappingProxyType(h)
        self.version = version

    def __repr__(self):
        return f"Weights(version={self.version!r})"


DEFAULT_WEIGHTS = Weights()
