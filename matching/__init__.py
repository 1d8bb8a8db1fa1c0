"""Shared Lives Match: the matching engine.

numpy, scipy and networkx, with numba kernels for the hot loops; no web
framework, no database.  The engine
suggests and explains; people decide.  See ``matching/README.md``.
"""

from .constraints import REASONS, constraint_mask, exclusion_reasons, hard_constraints
from .explain import VERDICTS, explain, most_against, summary
from .instance import ARRANGEMENT_TYPES, Households, Instance, People, Vocabulary
from .optimal import max_compatibility, max_compatibility_sparse
from .proposals import load_instance, propose, solve
from .recruitment import Shortfall, nearest_reasons, shortfalls
from .scoring import combine, score, score_pairs
from .shortlist import Shortlists, preference_lists, shortlists
from .stable import (
    blocking_pairs,
    deferred_acceptance,
    deferred_acceptance_arrays,
    household_ranks,
    is_stable,
    is_valid,
    validity_issues,
)
from .weights import WEIGHTS, WEIGHTS_VERSION, Weights

check_stability = is_stable
check_validity = is_valid

__all__ = [
    "ARRANGEMENT_TYPES",
    "REASONS",
    "VERDICTS",
    "WEIGHTS",
    "WEIGHTS_VERSION",
    "Households",
    "Instance",
    "People",
    "Shortfall",
    "Shortlists",
    "Vocabulary",
    "Weights",
    "blocking_pairs",
    "check_stability",
    "check_validity",
    "combine",
    "constraint_mask",
    "deferred_acceptance",
    "deferred_acceptance_arrays",
    "exclusion_reasons",
    "explain",
    "hard_constraints",
    "household_ranks",
    "is_stable",
    "is_valid",
    "load_instance",
    "max_compatibility",
    "max_compatibility_sparse",
    "most_against",
    "nearest_reasons",
    "preference_lists",
    "propose",
    "score",
    "score_pairs",
    "shortfalls",
    "shortlists",
    "solve",
    "summary",
    "validity_issues",
]
