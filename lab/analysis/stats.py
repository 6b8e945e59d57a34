"""Summary statistics of a point's repetitions: median, 95% bootstrap CI of the
median, CV, and a two-cluster (bimodality) test. Deterministic: the bootstrap
uses a fixed seed, and the resampling indices depend only on the sample size."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import List, Optional, Sequence

import numpy as np

BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20261123
CONFIDENCE = 0.95
# Bimodality: the best split into a low and a high cluster (each >= 2 values and
# >= 20% of them) must explain this share of the variance (Otsu's criterion; a
# normal sample's best split explains about 64%) ...
BIMODAL_VARIANCE_SHARE = 0.9
# ... and the clusters' centres must be this far apart, relative to the median,
# above the latency histogram's 6.25% buckets, so a p50 that alternates between two
# adjacent buckets does not count.
BIMODAL_MIN_GAP = 0.10
BIMODAL_MIN_VALUES = 6


@dataclass
class Summary:
    n: int
    median: float
    ci_low: float
    ci_high: float
    cv: Optional[float]   # stddev / mean; None for n < 2 or mean 0
    mean: float


@lru_cache(maxsize=64)
def median_positions(n: int, salt: int = 0):
    """For BOOTSTRAP_RESAMPLES resamples of n values drawn with replacement: the
    positions, in the sorted sample, of each resample's middle element(s).
    Resampling sorted values with sorted indices keeps them sorted, so the
    median of a resample is a lookup, not a partition (10 000 points in seconds)."""
    rng = np.random.default_rng([BOOTSTRAP_SEED, n, salt])
    rows = np.sort(rng.integers(0, n, size=(BOOTSTRAP_RESAMPLES, n)), axis=1)
    return rows[:, (n - 1) // 2], rows[:, n // 2]


def bootstrap_medians(values: np.ndarray, salt: int = 0) -> np.ndarray:
    ordered = np.sort(np.asarray(values, float))
    low, high = median_positions(len(ordered), salt)
    return (ordered[low] + ordered[high]) / 2


def percentile_interval(samples: np.ndarray):
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return float(low), float(high)


def summarize(values: Sequence[float]) -> Optional[Summary]:
    if len(values) == 0:
        return None
    v = np.asarray(values, dtype=float)
    median = float(np.median(v))
    low, high = (median, median) if len(v) == 1 else percentile_interval(bootstrap_medians(v))
    mean = float(v.mean())
    cv = float(v.std(ddof=1) / mean) if len(v) > 1 and mean != 0 else None
    return Summary(len(v), median, low, high, cv, mean)


def ratio_interval(a: Sequence[float], b: Sequence[float]):
    """95% bootstrap CI of median(b) / median(a), resampling a and b independently."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    ma = bootstrap_medians(a, salt=1)
    mb = bootstrap_medians(b, salt=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = mb / ma
    ratios = ratios[np.isfinite(ratios)]
    return percentile_interval(ratios) if len(ratios) else (float("nan"), float("nan"))


@dataclass
class Split:
    low: List[int]    # positions (in the input order) of the low cluster
    high: List[int]
    variance_share: float
    low_center: float
    high_center: float


def bimodal_split(values: Sequence[float]) -> Optional[Split]:
    """The two clusters when the values clearly form two, else None."""
    n = len(values)
    if n < BIMODAL_MIN_VALUES:
        return None
    v = np.asarray(values, float)
    order = np.argsort(v, kind="stable")
    s = v[order]
    total = float(((s - s.mean()) ** 2).sum())
    if total == 0:
        return None
    smallest = max(2, int(np.ceil(0.2 * n)))
    best_k, best_share = None, 0.0
    for k in range(smallest, n - smallest + 1):
        lo, hi = s[:k], s[k:]
        between = k * (n - k) / n * (lo.mean() - hi.mean()) ** 2
        if between / total > best_share:
            best_k, best_share = k, between / total
    if best_k is None or best_share < BIMODAL_VARIANCE_SHARE:
        return None
    lo_c, hi_c = float(np.median(s[:best_k])), float(np.median(s[best_k:]))
    if (hi_c - lo_c) < BIMODAL_MIN_GAP * abs(float(np.median(s))):
        return None
    return Split(sorted(order[:best_k].tolist()), sorted(order[best_k:].tolist()), best_share, lo_c, hi_c)
