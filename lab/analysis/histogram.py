"""The harness's log-linear latency histogram (bench/harness/histogram.h) in
Python: bucket bounds, percentiles and CDFs from a record's sparse counts."""
from __future__ import annotations

from typing import Dict, List, Mapping, Tuple

SUB_BITS = 4
SUB = 1 << SUB_BITS  # linear sub-buckets per power of two; exact below SUB


def index_of(value: int) -> int:
    """Bucket index of a value in ns (histogram.h index_of)."""
    if value < SUB:
        return int(value)
    msb = int(value).bit_length() - 1
    shift = msb - SUB_BITS
    sub = (int(value) >> shift) & (SUB - 1)
    return (shift + 1) * SUB + sub


def upper_bound_of(index: int) -> int:
    """Largest value in ns that falls in bucket `index` (histogram.h upper_bound_of)."""
    if index < SUB:
        return index
    shift = index // SUB - 1
    sub = index % SUB
    low = (SUB + sub) << shift
    return low + ((1 << shift) - 1)


def parse_counts(counts: Mapping[str, int]) -> List[Tuple[int, int]]:
    """Sparse {"index": count} -> [(index, count)] sorted by index, empty buckets dropped."""
    return sorted((int(index), int(count)) for index, count in counts.items() if int(count) > 0)


def merge(histograms) -> Dict[int, int]:
    """Sum several records' `counts` (e.g. the repetitions of one point)."""
    total: Dict[int, int] = {}
    for counts in histograms:
        for index, count in parse_counts(counts):
            total[index] = total.get(index, 0) + count
    return total


def percentile(counts: Mapping[int, int], q: float, max_ns: int = None) -> int:
    """Upper bound of the bucket holding the q-quantile, capped at max_ns, like
    latency_histogram::percentile; 0 when empty."""
    items = sorted((int(i), int(c)) for i, c in counts.items() if int(c) > 0)
    total = sum(c for _, c in items)
    if total == 0:
        return 0
    rank = min(max(int(q * total + 0.5), 1), total)
    seen = 0
    for index, count in items:
        seen += count
        if seen >= rank:
            bound = upper_bound_of(index)
            return bound if max_ns is None else min(bound, int(max_ns))
    return int(max_ns or 0)


def cdf(counts: Mapping[int, int]) -> Tuple[List[int], List[float]]:
    """Step CDF: x = each non-empty bucket's upper bound (ns), y = share of
    samples at or below it."""
    items = sorted((int(i), int(c)) for i, c in counts.items() if int(c) > 0)
    total = sum(c for _, c in items)
    xs, ys, seen = [], [], 0
    for index, count in items:
        seen += count
        xs.append(upper_bound_of(index))
        ys.append(seen / total)
    return xs, ys
