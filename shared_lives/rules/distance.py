"""Distance between two places on the British National Grid."""

from __future__ import annotations

import math


def distance_km(a: tuple[float | None, float | None], b: tuple[float | None, float | None]) -> float | None:
    """Straight-line distance in kilometres between two grid points in metres; None if either is unknown.

    The engine's mask computes the same formula column-wise (``matching._columns.distance_km``).

    >>> distance_km((576000.0, 156000.0), (579000.0, 160000.0))
    5.0
    >>> distance_km((576000.0, 156000.0), (None, None)) is None
    True
    """
    if None in (a[0], a[1], b[0], b[1]):
        return None
    return math.hypot(a[0] - b[0], a[1] - b[1]) / 1000.0
