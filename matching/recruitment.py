"""Where carers are needed: people who compete for too few places.

The allowed pairs (:func:`matching.hard_constraints`) form a bipartite graph between
people and households' free places. By Hall's theorem everyone could be offered a
place at once exactly when every set ``S`` of people can reach at least ``|S|``
places. A maximum matching (Hopcroft-Karp) and König's theorem find the sets that
cannot: the people **outside** the minimum vertex cover built from the matching are
those reachable from an unmatched person by alternating paths; together they reach
only places already matched among themselves, so they outnumber their places by
exactly the number left unmatched. That set does not depend on which maximum
matching was found (Dulmage-Mendelsohn): it is the smallest set of greatest shortfall,
so no one is in it who has places enough without the others. Split into connected components, each is a
group of people and the few households they all depend on: a recruitment target.

This suggests where to recruit; it never decides who is offered what.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from networkx.algorithms import bipartite

from .constraints import REASONS

__all__ = ["Shortfall", "nearest_reasons", "shortfalls"]


@dataclass(frozen=True)
class Shortfall:
    """People who together can go only to ``households``, which have ``places`` free places.

    ``short`` = ``len(people) - places`` (at least 1): how many of them cannot be offered
    a place at the same time, however places are shared out.
    """

    people: tuple
    households: tuple
    places: int

    @property
    def short(self) -> int:
        return len(self.people) - self.places


def shortfalls(allowed, capacities):
    """Groups of people whose allowed households have fewer free places than them.

    Parameters
    ----------
    allowed : bool array (n_people, n_households)
        ``True`` where no hard constraint excludes the pair.
    capacities : int array (n_households,)
        Free places per household; a household with none takes no one.

    Returns
    -------
    list of Shortfall
        Largest shortfall first. People with no allowed household at all are
        groups with no households. Empty when everyone can be offered a place at once.

    Examples
    --------
    Three people can only go to household 0, which has one free place; person 3 can go
    to household 0 or 1:

    >>> allowed = np.array([[1, 0], [1, 0], [1, 0], [1, 1]], dtype=bool)
    >>> [(g.people, g.households, g.places, g.short) for g in shortfalls(allowed, [1, 1])]
    [((0, 1, 2), (0,), 1, 2)]

    With two free places in household 0, only one person is short:

    >>> [(g.people, g.short) for g in shortfalls(allowed, [2, 1])]
    [((0, 1, 2), 1)]
    >>> shortfalls(allowed, [3, 1])
    []
    """
    allowed = np.asarray(allowed, dtype=bool)
    caps = np.maximum(np.asarray(capacities, dtype=np.int64), 0)
    n_people = allowed.shape[0]
    graph = nx.Graph()
    people = [("p", i) for i in range(n_people)]
    graph.add_nodes_from(people, bipartite=0)
    # One node per free place: a household with 2 free places can take two people.
    slots = {j: [("h", j, k) for k in range(int(caps[j]))] for j in np.flatnonzero(caps).tolist()}
    for nodes in slots.values():
        graph.add_nodes_from(nodes, bipartite=1)
    rows, cols = np.nonzero(allowed)
    graph.add_edges_from(
        (("p", i), slot) for i, j in zip(rows.tolist(), cols.tolist(), strict=True) for slot in slots.get(j, ())
    )
    matching = bipartite.hopcroft_karp_matching(graph, top_nodes=people)
    cover = bipartite.to_vertex_cover(graph, matching, top_nodes=people)
    # König: people outside the cover reach only places inside it, all matched among them.
    deficient = [p for p in people if p not in cover]
    if not deficient:
        return []
    reached = {h for p in deficient for h in graph[p]}
    groups = []
    for part in nx.connected_components(graph.subgraph(deficient + sorted(reached))):
        who = tuple(sorted(node[1] for node in part if node[0] == "p"))
        where = tuple(sorted({node[1] for node in part if node[0] == "h"}))
        groups.append(Shortfall(who, where, int(caps[list(where)].sum()) if where else 0))
    groups.sort(key=lambda g: (-g.short, -len(g.people), g.people))
    return groups


def nearest_reasons(reasons):
    """For each person, the reason codes on their nearest households (those with the fewest reasons).

    What stands between a person with no allowed household and the households they
    come closest to: removing any one of these reasons would get them nearer a match.

    Parameters
    ----------
    reasons : uint16 array (n_people, n_households)
        Reason bits from :func:`matching.hard_constraints`.

    Returns
    -------
    list of list of str
        Codes in :data:`matching.REASONS` order; empty for a person with an allowed
        household (or when there are no households).

    Examples
    --------
    >>> smoking, too_far, no_place = (1 << 4), (1 << 10), (1 << 0)
    >>> nearest_reasons(np.array([[smoking | too_far, no_place], [0, too_far]], dtype=np.uint16))
    [['no_free_place'], []]
    """
    reasons = np.asarray(reasons, dtype=np.uint16)
    if reasons.size == 0:
        return [[] for _ in range(reasons.shape[0])]
    counts = np.zeros(reasons.shape, dtype=np.int64)
    for r in REASONS:
        counts += (reasons & np.uint16(r.flag)) > 0
    fewest = counts.min(axis=1)
    out = []
    for i in range(reasons.shape[0]):
        if fewest[i] == 0:
            out.append([])
            continue
        bits = int(np.bitwise_or.reduce(reasons[i, counts[i] == fewest[i]]))
        out.append([r.code for r in REASONS if bits & r.flag])
    return out
