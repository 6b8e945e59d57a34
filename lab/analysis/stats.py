"""Summary statistics of a point's repetitions, honest for small n: the
median with a distribution-free confidence interval from order statistics
(95% once n >= 6; below that the widest interval, min to max, and the
confidence it really has: 75% at n = 3), the CV, a two-cluster (bimodality)
test, a bootstrap CI of a ratio of medians only from 10 values a side, and an
exact Mann-Whitney test that says when n cannot reach significance at all.
Deterministic: the bootstrap uses a fixed seed, and the resampling indices
depend only on the sample size."""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import List, Optional, Sequence, Tuple

import numpy as np

from lab.analysis.median_ci import CONFIDENCE, median_interval

BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20261123
# Bimodality: the best split into a low and a high cluster (each >= 2 values and
# >= 20% of them) must explain this share of the variance (Otsu's criterion; a
# normal sample's best split explains about 64%) ...
BIMODAL_VARIANCE_SHARE = 0.9
# ... and the clusters' centres must be this far apart, relative to the median,
# above the latency histogram's 6.25% buckets, so a p50 that alternates between two
# adjacent buckets does not count.
BIMODAL_MIN_GAP = 0.10
BIMODAL_MIN_VALUES = 6
# A bootstrap of a ratio of medians needs this many values a side to mean anything.
RATIO_CI_MIN_VALUES = 10
# Up to this many splits the Mann-Whitney test enumerates them all (exact).
EXACT_TEST_MAX_SPLITS = 20_000  # 8 against 8: 12 870


@dataclass
class Summary:
    n: int
    median: float
    ci_low: float
    ci_high: float
    cv: Optional[float]   # stddev / mean; None for n < 2 or mean 0
    mean: float
    ci_confidence: float = CONFIDENCE  # what [ci_low, ci_high] really covers (below CONFIDENCE for n < 6)


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
    low, high, confidence = median_interval(v)
    mean = float(v.mean())
    cv = float(v.std(ddof=1) / mean) if len(v) > 1 and mean != 0 else None
    return Summary(len(v), median, low, high, cv, mean, confidence)


def ratio_interval(a: Sequence[float], b: Sequence[float]):
    """95% bootstrap CI of median(b) / median(a), resampling a and b
    independently; (nan, nan) below RATIO_CI_MIN_VALUES values a side, where
    the resampled medians are little more than the extremes."""
    if min(len(a), len(b)) < RATIO_CI_MIN_VALUES:
        return float("nan"), float("nan")
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


@dataclass
class Shift:
    """Hodges-Lehmann estimate of the ratio B/A (the median of every pairwise
    ratio b / a) and its distribution-free CI, the interval of pairwise ratios
    the Mann-Whitney test would not reject; `confidence` is what it covers
    (exact without ties), at least CONFIDENCE."""
    estimate: float
    low: float
    high: float
    confidence: float


@lru_cache(maxsize=256)
def _u_counts(m: int, n: int) -> Tuple[int, ...]:
    """How many of the C(m + n, m) orderings of m A's and n B's give each
    Mann-Whitney U = 0 .. m n (no ties): f(u; m, n) = f(u - n; m - 1, n) + f(u; m, n - 1)."""
    if m == 0 or n == 0:
        return (1,)
    with_a_last, with_b_last = _u_counts(m - 1, n), _u_counts(m, n - 1)
    return tuple((with_a_last[u - n] if 0 <= u - n < len(with_a_last) else 0) +
                 (with_b_last[u] if u < len(with_b_last) else 0) for u in range(m * n + 1))


# Beyond this many pairs the U distribution is taken as normal for the CI's rank.
EXACT_SHIFT_MAX_PAIRS = 2500


def _shift_rank(m: int, n: int) -> Tuple[int, float]:
    """(k, coverage): the CI is the k-th smallest and k-th largest pairwise
    ratio, k the largest with P(U < k) <= (1 - CONFIDENCE) / 2; k = 0 where
    even the widest interval (min to max) covers less than CONFIDENCE."""
    tail = (1 - CONFIDENCE) / 2
    if m * n > EXACT_SHIFT_MAX_PAIRS:
        k = int(m * n / 2 - 1.959964 * math.sqrt(m * n * (m + n + 1) / 12))
        return max(k, 0), CONFIDENCE
    counts, total = _u_counts(m, n), math.comb(m + n, m)
    below, k = 0, 0
    while below + counts[k] <= tail * total:  # P(U <= k) still within the tail
        below += counts[k]
        k += 1
    return k, 1 - 2 * below / total


def hodges_lehmann_ratio(a: Sequence[float], b: Sequence[float]) -> Optional[Shift]:
    """The shift B/A on a log scale (the metrics are positive, their changes
    multiplicative); None where a value is not positive or n cannot give a
    95% interval (3 against 3: the widest covers 90%)."""
    if not a or not b or min(a) <= 0 or min(b) <= 0:
        return None
    k, coverage = _shift_rank(len(a), len(b))
    if k == 0:
        return None
    ratios = sorted(y / x for x in a for y in b)
    middle = len(ratios) // 2
    estimate = ratios[middle] if len(ratios) % 2 else (ratios[middle - 1] * ratios[middle]) ** 0.5
    return Shift(estimate, ratios[k - 1], ratios[-k], coverage)


def smallest_p(n_a: int, n_b: int) -> float:
    """The smallest two-sided p-value a rank test can give n_a against n_b
    values (every one of A below every one of B): 2 / C(n_a + n_b, n_a)."""
    return min(1.0, 2 / math.comb(n_a + n_b, n_a)) if n_a and n_b else 1.0


def rank_sum_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p-value of the Mann-Whitney (rank-sum) test, exact by
    enumerating every split of the pooled ranks (ties get mid-ranks) where
    there are at most EXACT_TEST_MAX_SPLITS, else scipy's normal approximation."""
    pooled = list(a) + list(b)
    n_a, n = len(a), len(pooled)
    if math.comb(n, n_a) > EXACT_TEST_MAX_SPLITS:
        from scipy.stats import mannwhitneyu
        return float(mannwhitneyu(a, b, alternative="two-sided").pvalue)
    order = sorted(range(n), key=lambda i: pooled[i])
    ranks = [0.0] * n
    i = 0
    while i < n:  # mid-ranks for ties
        j = i
        while j + 1 < n and pooled[order[j + 1]] == pooled[order[i]]:
            j += 1
        for t in range(i, j + 1):
            ranks[order[t]] = (i + j) / 2 + 1
        i = j + 1
    expected = n_a * (n + 1) / 2
    observed = abs(sum(ranks[:n_a]) - expected)
    splits = extreme = 0
    for chosen in itertools.combinations(ranks, n_a):
        splits += 1
        extreme += abs(sum(chosen) - expected) >= observed - 1e-9
    return extreme / splits
