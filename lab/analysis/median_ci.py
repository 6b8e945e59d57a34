"""The median's distribution-free confidence interval from order statistics,
with the standard library alone: the bundle's runner judges adaptive
repetitions with it on hosts without numpy."""
from __future__ import annotations

import math
from typing import Sequence, Tuple

CONFIDENCE = 0.95


def median_interval(values: Sequence[float]) -> Tuple[float, float, float]:
    """(low, high, confidence): order statistics x(k) and x(n+1-k) around the
    median, k the largest whose interval still covers the median with
    CONFIDENCE (binomial, distribution-free); where no k does (n < 6), min and
    max with the confidence they have."""
    v = sorted(float(x) for x in values)
    n = len(v)
    if n == 1:
        return v[0], v[0], 0.0
    def coverage(k: int) -> float:  # P(x(k) <= median <= x(n+1-k))
        return 1 - 2 * sum(math.comb(n, i) for i in range(k)) / 2 ** n
    k = 1
    while k + 1 <= (n + 1) // 2 and coverage(k + 1) >= CONFIDENCE:
        k += 1
    return v[k - 1], v[n - k], coverage(k)
