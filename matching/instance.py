"""Column-oriented inputs: :class:`People`, :class:`Households` and :class:`Instance`.

This is the one input format of the engine.  The app's adapter builds plain
records (dicts) and calls :meth:`Instance.from_records`; the engine turns
them into numpy columns.  Sets (needs, skills, interests, languages, pets,
...) become bitmasks over a :class:`Vocabulary`, so set intersections are
vectorised (``np.bitwise_count(a & b)``).

Person record fields (all optional except ``id``)
-------------------------------------------------
id : hashable
    The person's id (returned in every result).
name : str
    Used in plain-words explanations (default: the id).
easting, northing : float
    Where the person wants to live, metres on the British National Grid.
    Missing: no distance constraint or factor.
max_distance_km : float
    Furthest the person will live from that place (hard constraint).
arrangement_type : str
    One of :data:`ARRANGEMENT_TYPES` (default ``"live_in"``).
needs : iterable of str
    Needs and support required (``"autism"``, ``"personal_care"``, ...).
    Needs listed in :data:`SKILLED_NEEDS` must be among the carers' skills.
age : int
    The person's age in years.
interests, languages : iterable of str
language_required : bool
    The person asked for a carer who speaks one of ``languages``.
faith : str or None
faith_important : bool
    The person asked for a household that shares their faith.
lifestyle : ``"quiet"``, ``"mixed"``, ``"busy"`` or None (no preference)
setting : ``"urban"``, ``"suburban"``, ``"rural"`` or None
pets : ``"no"``, ``"ok"`` (default) or ``"likes"``
allergies : iterable of str
    Pet kinds the person is allergic to (hard constraint).
smoking : ``"no"`` (default) or ``"ok"``
children : ``"no"``, ``"ok"`` (default) or ``"likes"``
needs_step_free, needs_ground_floor : bool
carer_gender : str or None
    Gender of carer required for personal care, only if the person asked.
traits : iterable of str
    Things others in a home may not be able to live with (:data:`DEFAULT_TERMS`
    ``["traits"]``, e.g. ``"smokes"``, ``"night_waking"``).

Household record fields (all optional except ``id``)
----------------------------------------------------
id, name : as for people.
easting, northing : float
    The home, metres on the British National Grid.
free_places : int
    Places free now, already net of terms of approval and scheme limit.  If
    absent it is ``min(capacity, scheme_limit) - len(residents)`` (or
    ``- current``), with ``capacity`` and ``scheme_limit`` defaulting to 3.
arrangement_types : iterable of str
    Arrangement types in the terms of approval.
approval_expires, dbs_expires : ISO date string, ``datetime.date`` or day ordinal
    Missing counts as expired (not approved / no DBS on record).
training_expires : ISO date string, ``datetime.date`` or day ordinal, optional
    When the carers' mandatory training is in date until.  Missing means the
    scheme does not judge training here (never excludes); a caller that does
    judge it passes the date, or ``"0001-01-01"`` when it is not recorded.
smoking : bool
    Someone smokes in the home.
pets : iterable of str
    Kinds of pet in the home (``"dog"``, ``"cat"``, ...).
step_free, ground_floor_bedroom : bool
carer_genders : iterable of str
    Genders of the carers who can give personal care.
skills : iterable of str
    Skills and experience (same terms as people's ``needs``).
cannot_offer : iterable of str
    Needs or support the carers have said they cannot offer (hard constraint).
age_min, age_max : int
    Age range the carers support (soft; default 18 to 120).
interests, languages, faiths : iterable of str
lifestyle, setting : as for people (what the home is like).
has_children : bool
    Children live there (also true if a member is under 18).
residents : list of dict
    People already supported there: ``{"age": int, "lifestyle": str}``.
members : list of dict
    Household members (family): ``{"age": int}``.
cannot_live_with : iterable of str
    Traits anyone living there cannot live with (same terms as people's
    ``traits``).

Examples
--------
>>> inst = Instance.from_records(
...     people=[{"id": "p1", "name": "Sam", "needs": ["autism"], "age": 30}],
...     households=[{"id": "h1", "skills": ["autism"], "free_places": 1,
...                  "approval_expires": "2030-01-01", "dbs_expires": "2030-01-01"}],
...     as_of="2026-11-23")
>>> len(inst.people), len(inst.households), inst.people.name[0]
(1, 1, 'Sam')
>>> inst.vocab.decode("needs", inst.people.needs[0])
['autism']
"""

from __future__ import annotations

import datetime as _dt
import functools
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "ARRANGEMENT_TYPES",
    "DEFAULT_TERMS",
    "LIFESTYLES",
    "SETTINGS",
    "SKILLED_NEEDS",
    "Households",
    "Instance",
    "People",
    "Vocabulary",
    "to_ordinal",
]

ARRANGEMENT_TYPES = (
    "live_in",
    "short_breaks",
    "day_support",
    "emergency",
    "home_from_hospital",
    "outreach",
)
LIFESTYLES = ("quiet", "mixed", "busy")
SETTINGS = ("urban", "suburban", "rural")
_PETS_PREF = ("no", "ok", "likes")
_SMOKING_PREF = ("no", "ok")
_CHILDREN_PREF = ("no", "ok", "likes")

#: Needs a household can take on only if the carers list them as a skill.
SKILLED_NEEDS = frozenset(
    {
        "personal_care",
        "medication",
        "epilepsy",
        "dementia",
        "behaviour_support",
        "autism",
        "moving_and_handling",
        "peg_feeding",
        "diabetes",
        "mental_health",
    }
)

#: Controlled vocabularies; terms met in the records are added after these.
DEFAULT_TERMS = {
    "needs": (
        "personal_care",
        "medication",
        "epilepsy",
        "dementia",
        "behaviour_support",
        "autism",
        "learning_disability",
        "mental_health",
        "physical_disability",
        "sensory_impairment",
        "older_age",
        "moving_and_handling",
        "peg_feeding",
        "diabetes",
        "daily_living",
        "community_access",
    ),
    "interests": (
        "gardening",
        "music",
        "cooking",
        "football",
        "walking",
        "arts_and_crafts",
        "animals",
        "swimming",
        "films",
        "reading",
        "games",
        "church",
        "dancing",
        "computers",
        "trains",
        "fishing",
    ),
    "languages": ("english", "welsh", "polish", "urdu", "punjabi", "bengali", "bsl"),
    "faiths": ("christian", "muslim", "hindu", "sikh", "jewish", "buddhist"),
    "pets": ("dog", "cat", "bird", "rabbit", "fish", "horse"),
    "genders": ("female", "male", "non_binary"),
    "traits": (
        "smokes",
        "loud_music",
        "night_waking",
        "has_pet",
        "behaviour_that_challenges",
        "early_riser",
    ),
}


#: A day ordinal later than any real date: "not judged, never expires".
NOT_JUDGED = _dt.date.max.toordinal()


def to_ordinal(value):
    """Turn an ISO date, a ``date`` or a day ordinal into a day ordinal.

    ``None`` becomes ``-1`` (never valid).

    >>> to_ordinal("2026-11-23") == to_ordinal(_dt.date(2026, 11, 23))
    True
    >>> to_ordinal(None)
    -1
    """
    if value is None or value == "":
        return -1
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, _dt.datetime):
        return value.date().toordinal()
    if isinstance(value, _dt.date):
        return value.toordinal()
    return _dt.date.fromisoformat(str(value)[:10]).toordinal()


@dataclass(frozen=True)
class Vocabulary:
    """Controlled vocabularies mapping terms to bit positions.

    Parameters
    ----------
    terms : dict of str to tuple of str
        For each vocabulary (``needs``, ``interests``, ``languages``,
        ``faiths``, ``pets``, ``genders``, ``traits``) its terms in bit order.

    Examples
    --------
    >>> v = Vocabulary.build([{"interests": ["kayaking"]}], [])
    >>> v.words("interests")
    1
    >>> v.decode("interests", v.encode("interests", ["kayaking", "music"]))
    ['music', 'kayaking']
    """

    terms: dict
    _index: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        index = {k: {t: i for i, t in enumerate(v)} for k, v in self.terms.items()}
        object.__setattr__(self, "_index", index)

    @classmethod
    def build(cls, people, households):
        """Defaults plus every term met in the records (sorted, so deterministic)."""
        found = {k: set() for k in DEFAULT_TERMS}
        pfields = {
            "needs": "needs",
            "interests": "interests",
            "languages": "languages",
            "allergies": "pets",
            "traits": "traits",
        }
        hfields = {
            "skills": "needs",
            "cannot_offer": "needs",
            "interests": "interests",
            "languages": "languages",
            "faiths": "faiths",
            "pets": "pets",
            "carer_genders": "genders",
            "cannot_live_with": "traits",
        }
        for rec in people:
            for f, voc in pfields.items():
                found[voc].update(_norm_set(rec.get(f)))
            if rec.get("faith"):
                found["faiths"].add(_norm(rec["faith"]))
            if rec.get("carer_gender"):
                found["genders"].add(_norm(rec["carer_gender"]))
        for rec in households:
            for f, voc in hfields.items():
                found[voc].update(_norm_set(rec.get(f)))
        terms = {}
        for k, default in DEFAULT_TERMS.items():
            extra = sorted(found[k] - set(default))
            terms[k] = tuple(default) + tuple(extra)
        return cls(terms)

    def words(self, name):
        """Number of uint64 words in a bitmask of vocabulary ``name``."""
        return max(1, (len(self.terms[name]) + 63) // 64)

    def encode(self, name, values):
        """Bitmask (1-d uint64 array of :meth:`words` words) of a set of terms."""
        return _masks(self, name, [values])[0]

    def code(self, name, value):
        """Position of a single term, or -1 for ``None``."""
        if value is None or value == "":
            return -1
        t = _norm(value)
        if t not in self._index[name]:
            raise ValueError(f"unknown term {t!r} in vocabulary {name!r}")
        return self._index[name][t]

    def decode(self, name, mask):
        """Terms set in a bitmask, in vocabulary order."""
        mask = np.asarray(mask, dtype=np.uint64).reshape(-1)
        out = []
        for i, t in enumerate(self.terms[name]):
            if int(mask[i // 64]) >> (i % 64) & 1:
                out.append(t)
        return out


def _norm(value):
    if type(value) is str:  # the common case, remembered: a scheme uses a few hundred terms
        return _norm_str(value)
    return str(value).strip().lower().replace(" ", "_").replace("-", "_")


@functools.lru_cache(maxsize=4096)
def _norm_str(value: str) -> str:
    return value.strip().lower().replace(" ", "_").replace("-", "_")


def _norm_set(values):
    if values is None:
        return set()
    if isinstance(values, str):
        values = [values]
    return {t for t in (_norm(v) for v in values if v is not None) if t}  # a blank value is no term


def _cat(value, choices, what, default=-1):
    if value is None or value == "" or value == "any":
        return default
    v = _norm(value)
    if v not in choices:
        raise ValueError(f"{what} must be one of {choices} or None, not {value!r}")
    return choices.index(v)


def _bool(value):
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y"}
    return bool(value)


def _float(value, default=np.nan):
    return default if value is None or value == "" else float(value)


def _masks(vocab, name, column):
    """Bitmasks (rows of :meth:`Vocabulary.words` uint64 words) of a column of term sets: each
    set becomes a Python integer first, then every word of every row is written at once."""
    words = vocab.words(name)
    if not column:  # no records on this side (nobody waiting, no household yet)
        return np.zeros((0, words), dtype=np.uint64)
    idx = vocab._index[name]
    ints = []
    for values in column:
        mask = 0
        for t in _norm_set(values):
            if t not in idx:
                raise ValueError(f"unknown term {t!r} in vocabulary {name!r}")
            mask |= 1 << idx[t]
        ints.append(mask)
    out = np.empty((len(column), words), dtype=np.uint64)
    low = (1 << 64) - 1
    for w in range(words):
        out[:, w] = np.fromiter(((m >> (64 * w)) & low for m in ints), dtype=np.uint64, count=len(ints))
    return out


@dataclass(frozen=True)
class People:
    """People seeking support, one array entry per person.

    Attributes
    ----------
    ids : tuple
    name : tuple of str
    easting, northing : float64 arrays (metres; nan when unknown)
    max_distance_km : float32 array (inf when no limit)
    arrangement : int8 array, index into :data:`ARRANGEMENT_TYPES`
    needs, skilled_needs : uint64 arrays (n, words) over ``vocab.terms["needs"]``
    age : float32 array (nan when unknown)
    interests, languages : uint64 bitmask arrays
    language_required, faith_important : bool arrays
    faith : int16 array (-1 none)
    lifestyle, setting : int8 arrays (-1 no preference)
    pets, smoking, children : int8 arrays: pets/children 0 no, 1 ok, 2 likes;
        smoking 0 no, 1 ok
    allergies : uint64 bitmask over ``vocab.terms["pets"]``
    needs_step_free, needs_ground_floor : bool arrays
    carer_gender : int8 array (-1 none), index into ``vocab.terms["genders"]``
    traits : uint64 bitmask over ``vocab.terms["traits"]``
    faith_mask, carer_gender_mask, arrangement_mask : uint64 bitmasks of the
        single ``faith``, ``carer_gender`` and ``arrangement`` (0 when none)
    """

    ids: tuple
    name: tuple
    easting: np.ndarray
    northing: np.ndarray
    max_distance_km: np.ndarray
    arrangement: np.ndarray
    needs: np.ndarray
    skilled_needs: np.ndarray
    age: np.ndarray
    interests: np.ndarray
    languages: np.ndarray
    language_required: np.ndarray
    faith: np.ndarray
    faith_important: np.ndarray
    lifestyle: np.ndarray
    setting: np.ndarray
    pets: np.ndarray
    allergies: np.ndarray
    smoking: np.ndarray
    children: np.ndarray
    needs_step_free: np.ndarray
    needs_ground_floor: np.ndarray
    carer_gender: np.ndarray
    traits: np.ndarray
    faith_mask: np.ndarray
    carer_gender_mask: np.ndarray
    arrangement_mask: np.ndarray

    def __len__(self):
        return len(self.ids)

    @classmethod
    def from_records(cls, records, vocab, skilled_needs=SKILLED_NEEDS):
        """Build the columns from a list of person dicts (fields in the module doc)."""
        r = list(records)
        g = [rec.get for rec in r]
        ids = tuple(rec["id"] for rec in r)
        if len(set(ids)) != len(ids):
            raise ValueError("person ids must be unique")
        skilled = vocab.encode("needs", [t for t in skilled_needs if t in vocab._index["needs"]])
        needs = _masks(vocab, "needs", [f("needs") for f in g])
        return cls(
            ids=ids,
            name=tuple(str(rec.get("name") or rec["id"]) for rec in r),
            easting=np.array([_float(f("easting")) for f in g], dtype=np.float64),
            northing=np.array([_float(f("northing")) for f in g], dtype=np.float64),
            max_distance_km=np.array([_float(f("max_distance_km"), np.inf) for f in g], dtype=np.float32),
            arrangement=np.array(
                [_cat(f("arrangement_type"), ARRANGEMENT_TYPES, "arrangement_type", 0) for f in g],
                dtype=np.int8,
            ),
            needs=needs,
            skilled_needs=needs & skilled[None, :],
            age=np.array([_float(f("age")) for f in g], dtype=np.float32),
            interests=_masks(vocab, "interests", [f("interests") for f in g]),
            languages=_masks(vocab, "languages", [f("languages") for f in g]),
            language_required=np.array([_bool(f("language_required")) for f in g], dtype=bool),
            faith=np.array([vocab.code("faiths", f("faith")) for f in g], dtype=np.int16),
            faith_important=np.array([_bool(f("faith_important")) and bool(f("faith")) for f in g], dtype=bool),
            lifestyle=np.array([_cat(f("lifestyle"), LIFESTYLES, "lifestyle") for f in g], np.int8),
            setting=np.array([_cat(f("setting"), SETTINGS, "setting") for f in g], np.int8),
            pets=np.array([_cat(f("pets"), _PETS_PREF, "pets", 1) for f in g], np.int8),
            allergies=_masks(vocab, "pets", [f("allergies") for f in g]),
            smoking=np.array([_cat(f("smoking"), _SMOKING_PREF, "smoking", 0) for f in g], np.int8),
            children=np.array([_cat(f("children"), _CHILDREN_PREF, "children", 1) for f in g], np.int8),
            needs_step_free=np.array([_bool(f("needs_step_free")) for f in g], dtype=bool),
            needs_ground_floor=np.array([_bool(f("needs_ground_floor")) for f in g], dtype=bool),
            carer_gender=np.array([vocab.code("genders", f("carer_gender")) for f in g], dtype=np.int8),
            traits=_masks(vocab, "traits", [f("traits") for f in g]),
            faith_mask=_masks(vocab, "faiths", [f("faith") for f in g]),
            carer_gender_mask=_masks(vocab, "genders", [f("carer_gender") for f in g]),
            arrangement_mask=np.array(
                [[1 << _cat(f("arrangement_type"), ARRANGEMENT_TYPES, "arrangement_type", 0)] for f in g],
                dtype=np.uint64,
            ).reshape(len(r), 1),
        )


@dataclass(frozen=True)
class Households:
    """Approved carer households, one array entry per household.

    Attributes
    ----------
    ids, name : tuples
    easting, northing : float64 arrays (metres)
    free_places : int32 array
    arrangement_types : uint64 array (n, 1), bit i for ``ARRANGEMENT_TYPES[i]``
    approval_expires, dbs_expires : int64 day ordinals (-1 missing)
    training_expires : int64 day ordinals (a far-future ordinal when not judged)
    smoking, step_free, ground_floor_bedroom, has_children : bool arrays
    pets : uint64 bitmask over ``vocab.terms["pets"]``
    carer_genders : uint64 bitmask over ``vocab.terms["genders"]``
    skills, cannot_offer : uint64 bitmasks over ``vocab.terms["needs"]``
    age_min, age_max : float32 arrays
    interests, languages, faiths : uint64 bitmasks
    lifestyle, setting : int8 arrays (-1 unknown)
    resident_ages : float32 array (n, r), nan padded: people already supported
    residents_lifestyle : int8 (-1 no one supported yet or unknown)
    cannot_live_with : uint64 bitmask over ``vocab.terms["traits"]``
    """

    ids: tuple
    name: tuple
    easting: np.ndarray
    northing: np.ndarray
    free_places: np.ndarray
    arrangement_types: np.ndarray
    approval_expires: np.ndarray
    dbs_expires: np.ndarray
    training_expires: np.ndarray
    smoking: np.ndarray
    pets: np.ndarray
    step_free: np.ndarray
    ground_floor_bedroom: np.ndarray
    carer_genders: np.ndarray
    skills: np.ndarray
    cannot_offer: np.ndarray
    age_min: np.ndarray
    age_max: np.ndarray
    interests: np.ndarray
    languages: np.ndarray
    faiths: np.ndarray
    lifestyle: np.ndarray
    setting: np.ndarray
    has_children: np.ndarray
    resident_ages: np.ndarray
    residents_lifestyle: np.ndarray
    cannot_live_with: np.ndarray

    def __len__(self):
        return len(self.ids)

    @classmethod
    def from_records(cls, records, vocab):
        """Build the columns from a list of household dicts (fields in the module doc)."""
        r = list(records)
        g = [rec.get for rec in r]
        ids = tuple(rec["id"] for rec in r)
        if len(set(ids)) != len(ids):
            raise ValueError("household ids must be unique")
        free = []
        for f in g:
            if f("free_places") is not None:
                free.append(int(f("free_places")))
            else:
                cap = min(int(f("capacity") or 3), int(f("scheme_limit") or 3), 3)
                cur = f("current")
                cur = len(f("residents") or []) if cur is None else int(cur)
                free.append(cap - cur)
        nres = max([len(f("residents") or []) for f in g] + [1])
        rages = np.full((len(r), nres), np.nan, dtype=np.float32)
        rlife = np.full(len(r), -1, dtype=np.int8)
        for i, f in enumerate(g):
            res = f("residents") or []
            for j, x in enumerate(res):
                rages[i, j] = _float(x.get("age"))
            codes = {_cat(x.get("lifestyle"), LIFESTYLES, "lifestyle") for x in res} - {-1}
            if codes:
                # several people already living there: their common ground, or "mixed"
                rlife[i] = codes.pop() if len(codes) == 1 else 1
        has_children = []
        for f in g:
            kids = any(_float(m.get("age"), 99) < 18 for m in (f("members") or []))
            has_children.append(_bool(f("has_children")) or kids)
        arr = np.zeros((len(r), 1), dtype=np.uint64)
        for i, f in enumerate(g):
            for t in _norm_set(f("arrangement_types")):
                if t not in ARRANGEMENT_TYPES:
                    raise ValueError(f"unknown arrangement type {t!r}")
                arr[i, 0] |= np.uint64(1 << ARRANGEMENT_TYPES.index(t))
        return cls(
            ids=ids,
            name=tuple(str(rec.get("name") or rec["id"]) for rec in r),
            easting=np.array([_float(f("easting")) for f in g], dtype=np.float64),
            northing=np.array([_float(f("northing")) for f in g], dtype=np.float64),
            free_places=np.array(free, dtype=np.int32),
            arrangement_types=arr,
            approval_expires=np.array([to_ordinal(f("approval_expires")) for f in g], np.int64),
            dbs_expires=np.array([to_ordinal(f("dbs_expires")) for f in g], np.int64),
            training_expires=np.array(
                [NOT_JUDGED if f("training_expires") in (None, "") else to_ordinal(f("training_expires")) for f in g],
                np.int64,
            ),
            smoking=np.array([_bool(f("smoking")) for f in g], dtype=bool),
            pets=_masks(vocab, "pets", [f("pets") for f in g]),
            step_free=np.array([_bool(f("step_free")) for f in g], dtype=bool),
            ground_floor_bedroom=np.array([_bool(f("ground_floor_bedroom")) for f in g], bool),
            carer_genders=_masks(vocab, "genders", [f("carer_genders") for f in g]),
            skills=_masks(vocab, "needs", [f("skills") for f in g]),
            cannot_offer=_masks(vocab, "needs", [f("cannot_offer") for f in g]),
            age_min=np.array([_float(f("age_min"), 18) for f in g], dtype=np.float32),
            age_max=np.array([_float(f("age_max"), 120) for f in g], dtype=np.float32),
            interests=_masks(vocab, "interests", [f("interests") for f in g]),
            languages=_masks(vocab, "languages", [f("languages") for f in g]),
            faiths=_masks(vocab, "faiths", [f("faiths") for f in g]),
            lifestyle=np.array([_cat(f("lifestyle"), LIFESTYLES, "lifestyle") for f in g], np.int8),
            setting=np.array([_cat(f("setting"), SETTINGS, "setting") for f in g], np.int8),
            has_children=np.array(has_children, dtype=bool),
            resident_ages=rages,
            residents_lifestyle=rlife,
            cannot_live_with=_masks(vocab, "traits", [f("cannot_live_with") for f in g]),
        )


@dataclass(frozen=True)
class Instance:
    """People, households, their shared vocabulary and the date checks use.

    Attributes
    ----------
    people : People
    households : Households
    vocab : Vocabulary
    as_of : int
        Day ordinal used for approval and DBS expiry checks.
    """

    people: People
    households: Households
    vocab: Vocabulary
    as_of: int

    @classmethod
    def from_records(cls, people, households, as_of=None, skilled_needs=SKILLED_NEEDS):
        """Build an instance from lists of plain dicts.

        Parameters
        ----------
        people, households : list of dict
            Records with the fields listed in the module documentation.
        as_of : date, ISO string or ordinal, optional
            Date for expiry checks (default: today).
        skilled_needs : set of str
            Needs that require a matching carer skill (hard constraint).
        """
        people = list(people)
        households = list(households)
        vocab = Vocabulary.build(people, households)
        as_of = _dt.date.today() if as_of is None else as_of
        return cls(
            people=People.from_records(people, vocab, skilled_needs),
            households=Households.from_records(households, vocab),
            vocab=vocab,
            as_of=to_ordinal(as_of),
        )
