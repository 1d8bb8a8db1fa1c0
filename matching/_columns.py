"""Broadcasting views so one formula serves a block of pairs and a list of pairs.

A block view reshapes person columns to ``(B, 1)`` and household columns to
``(1, m)``; a pair view gathers both to ``(K,)``.  Bitmask columns keep their
trailing word axis.  Scoring and constraint formulas are written once against
these views and numpy broadcasting does the rest.
"""

from __future__ import annotations

import numpy as np


class View:
    """Lazy, cached access to columns of ``source`` at ``index``."""

    __slots__ = ("_axis", "_cache", "_idx", "_src")

    def __init__(self, source, index, axis):
        # axis: None -> pair mode (1-d gather); 0 -> rows (B, 1); 1 -> columns (1, m)
        self._src = source
        self._idx = index
        self._axis = axis
        self._cache = {}

    def __getattr__(self, name):
        cache = self._cache
        if name in cache:
            return cache[name]
        if name in ("east_km", "north_km"):
            col = getattr(self._src, "easting" if name == "east_km" else "northing")
            col = (col * 1e-3).astype(np.float32)
        else:
            col = getattr(self._src, name)
        if self._idx is not None:
            col = np.take(col, self._idx, axis=0)
        if self._axis == 0:
            col = col[:, None] if col.ndim == 1 else col[:, None, :]
        elif self._axis == 1:
            col = col[None, :] if col.ndim == 1 else col[None, :, :]
        cache[name] = col
        return col


def block_views(people, households, pidx, hidx=None):
    """Views for the block ``pidx`` x ``hidx`` (all households when ``None``)."""
    return View(people, pidx, 0), View(households, hidx, 1)


def pair_views(people, households, pi, hi):
    """Views for the pairs ``(pi[k], hi[k])``."""
    return View(people, pi, None), View(households, hi, None)


def common(a, b):
    """Number of terms two bitmask columns share (uint8/uint16)."""
    if a.shape[-1] == 1 and b.shape[-1] == 1:
        return np.bitwise_count(a[..., 0] & b[..., 0])
    return np.bitwise_count(a & b).sum(axis=-1, dtype=np.uint16)


def overlap(a, b):
    """True where two bitmask columns share a term."""
    if a.shape[-1] == 1 and b.shape[-1] == 1:
        return (a[..., 0] & b[..., 0]) != 0
    return ((a & b) != 0).any(axis=-1)


def count(a):
    """Number of terms in a bitmask column."""
    if a.shape[-1] == 1:
        return np.bitwise_count(a[..., 0])
    return np.bitwise_count(a).sum(axis=-1, dtype=np.uint16)


def nonempty(a):
    """True where a bitmask column has any term."""
    if a.shape[-1] == 1:
        return a[..., 0] != 0
    return (a != 0).any(axis=-1)


def distance_km(P, H):
    """Straight-line distance in km (float32; nan where a place is unknown)."""
    dx = P.east_km - H.east_km
    dy = P.north_km - H.north_km
    return np.sqrt(dx * dx + dy * dy)
