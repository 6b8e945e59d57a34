"""Compare two sides point by point: two sets (hosts, commits) matched by key,
or two backends of one set matched on everything but the backend. Per point:
ratio of medians (B/A) with its bootstrap CI (from 10 repetitions a side),
the shift B/A as Hodges-Lehmann estimates it with its distribution-free CI
(from 4 repetitions a side), the Mann-Whitney U p-value (exact for small n; none where n cannot reach
significance: "n too small"), the change in percent with a verdict for the
metric's direction, and flags for significance, too few repetitions and
bimodal repetitions. Rows come biggest effect first. Across points: a
geometric mean per workload, per backend and overall, what was not compared
counted per workload and reason, and a verdict on whether the two sides can
be compared at all (comparability.py)."""
from __future__ import annotations

import math
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from lab.analysis import comparability, metrics, stats
from lab.records.reader import Point, ResultSet
from lab.base.errors import LabError

ALPHA = 0.05
# Metrics in ns per read-side section, held to the points' resolution (metrics.resolution_ns).
PER_SECTION_NS = ("ns_per_read",)
# Google Benchmark's compare.py: UTEST_OPTIMAL_REPETITIONS ("lowest reasonable number").
MIN_REPETITIONS = 9


@dataclass
class Side:
    point: Point
    values: List[float]
    labels: List[str]
    indices: List[int]
    summary: stats.Summary
    split: Optional[stats.Split]

    def bimodal_detail(self) -> Optional[dict]:
        if self.split is None:
            return None
        cluster = {i: "low" for i in self.split.low}
        cluster.update({i: "high" for i in self.split.high})
        return {"low_center": self.split.low_center, "high_center": self.split.high_center,
                "repetitions": [{"index": self.indices[i], "value": self.values[i], "label": self.labels[i],
                                 "cluster": cluster[i]} for i in range(len(self.values))]}


@dataclass
class Row:
    point: str                 # what the two sides share (benchmark name, or without backend)
    metric: metrics.Metric
    a: Side
    b: Side
    ratio: float               # median(B) / median(A)
    ratio_ci: Tuple[float, float]
    p_value: Optional[float]   # None where n cannot reach significance (n_too_small)
    shift: Optional[stats.Shift] = None  # Hodges-Lehmann B/A and its 95% CI; None where n is too small
    resolution: Optional[float] = None  # per-section times: the smallest difference the points resolve

    @property
    def below_resolution(self) -> bool:
        """The medians differ by less than the lab resolves: "≈", never a win."""
        return metrics.within_resolution(self.a.summary.median, self.b.summary.median, self.resolution)

    @property
    def n_too_small(self) -> bool:
        """Even A and B fully apart could not give p < ALPHA with these n (3 vs 3: p >= 0.1)."""
        return stats.smallest_p(self.a.summary.n, self.b.summary.n) >= ALPHA

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA

    @property
    def few_repetitions(self) -> bool:
        return min(self.a.summary.n, self.b.summary.n) < MIN_REPETITIONS

    @property
    def better(self) -> Optional[str]:
        """Which side is better, where the difference is significant and resolved; the
        direction is the shift's, so that it agrees with change_pct."""
        if not self.significant or not math.isfinite(self.effect) or self.effect == 1 or self.below_resolution:
            return None
        b_higher = self.effect > 1
        return "b" if b_higher == self.metric.higher_is_better else "a"

    @property
    def effect(self) -> float:
        """B/A: the Hodges-Lehmann shift, else (n too small) the ratio of the medians."""
        return self.shift.estimate if self.shift is not None else self.ratio

    @property
    def change_pct(self) -> Optional[float]:
        """How much B differs from A, in percent of A (+ is a higher value, whatever the direction)."""
        return (self.effect - 1) * 100 if math.isfinite(self.effect) else None

    @property
    def worse_pct(self) -> Optional[float]:
        """The change in the metric's worse direction: +20 is 20% worse, -20 is 20% better."""
        change = self.change_pct
        return None if change is None else -change if self.metric.higher_is_better else change

    @property
    def gain(self) -> Optional[float]:
        """B over A with the metric's direction folded in (above 1: B better), for the geometric means."""
        if not (math.isfinite(self.effect) and self.effect > 0):
            return None
        return self.effect if self.metric.higher_is_better else 1 / self.effect

    @property
    def verdict(self) -> Optional[str]:
        """B against A: better or worse (significant and resolved), ≈ below the resolution, else None."""
        if self.below_resolution:
            return "≈"
        return {"b": "better", "a": "worse"}.get(self.better)


@dataclass
class Comparison:
    mode: str        # "sets" or "backends"
    label_a: str
    label_b: str
    rows: List[Row] = field(default_factory=list)
    not_compared: List[Tuple[str, str]] = field(default_factory=list)  # (point, why)
    verdict: Optional[comparability.Verdict] = None  # what differs between A and B, and what that allows


def side(point: Point, metric: metrics.Metric) -> Optional[Side]:
    pairs = metrics.values(point, metric)
    if not pairs:
        return None
    values = [v for v, _ in pairs]
    return Side(point, values, [r.label for _, r in pairs], [r.index for _, r in pairs],
                stats.summarize(values), stats.bimodal_split(values))


def u_test(a: List[float], b: List[float]) -> Optional[float]:
    """The two-sided p-value, or None where no outcome could be significant."""
    if stats.smallest_p(len(a), len(b)) >= ALPHA:
        return None
    if len(set(a) | set(b)) == 1:
        return 1.0  # all equal: no evidence of a difference
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return stats.rank_sum_p(a, b)


def compare_points(name: str, pa: Point, pb: Point, metric_name: Optional[str]):
    """A Row, or the reason the pair cannot be compared."""
    for which, p in (("A", pa), ("B", pb)):
        if not p.ok:
            reason = (p.error or {}).get("reason", "unknown")
            return f"failed in {which} ({reason})"
    metric = metrics.METRICS[metric_name] if metric_name else metrics.primary_metric(pa)
    sa, sb = side(pa, metric), side(pb, metric)
    if sa is None or sb is None:
        return f"no {metric.name} values in {'A' if sa is None else 'B'}"
    ratio = sb.summary.median / sa.summary.median if sa.summary.median else float("nan")
    resolutions = [metrics.resolution_ns(p) for p in (pa, pb)] if metric.name in PER_SECTION_NS else []
    resolution = max((r for r in resolutions if r is not None), default=None)
    return Row(name, metric, sa, sb, ratio, stats.ratio_interval(sa.values, sb.values),
               u_test(sa.values, sb.values), stats.hodges_lehmann_ratio(sa.values, sb.values), resolution)


def effect_order(row: Row):
    """Biggest |log B/A| first (a halving weighs as much as a doubling); undefined ratios last."""
    e = row.effect
    size = abs(math.log(e)) if math.isfinite(e) and e > 0 else -1.0
    return -size, row.point


def collect(comparison: Comparison, pairs, metric_name: Optional[str]) -> Comparison:
    for name, pa, pb in pairs:
        outcome = compare_points(name, pa, pb, metric_name)
        if isinstance(outcome, Row):
            comparison.rows.append(outcome)
        else:
            comparison.not_compared.append((name, outcome))
    comparison.rows.sort(key=effect_order)
    return comparison


def check_metric(metric_name: Optional[str]) -> None:
    if metric_name is not None and metric_name not in metrics.METRICS:
        raise LabError(f"--metric: unknown metric {metric_name!r} (one of {', '.join(metrics.METRICS)})")


def compare_sets(a: ResultSet, b: ResultSet, metric_name: Optional[str] = None) -> Comparison:
    """Points with the same key in both sets."""
    check_metric(metric_name)
    result = Comparison("sets", a.label, b.label)
    shared = sorted(a.points.keys() & b.points.keys())
    if not shared:
        raise LabError(f"{a.path} and {b.path} have no point in common")
    pairs = [(a.points[k].benchmark or k, a.points[k], b.points[k]) for k in shared]
    for key in sorted(a.points.keys() - b.points.keys()):
        result.not_compared.append((a.points[key].benchmark or key, "only in A"))
    for key in sorted(b.points.keys() - a.points.keys()):
        result.not_compared.append((b.points[key].benchmark or key, "only in B"))
    result.verdict = comparability.set_verdict(a, b, len(shared))
    return collect(result, pairs, metric_name)


def without_backend(point: Point) -> str:
    """The benchmark name with its backend part removed."""
    parts = point.benchmark.split("/") if point.benchmark else [point.key]
    return "/".join(p for p in parts if not p.startswith("backend:"))


def compare_backends(s: ResultSet, backend_a: str, backend_b: str,
                     metric_name: Optional[str] = None) -> Comparison:
    """Points of one set whose keys differ only in the backend."""
    check_metric(metric_name)
    by_backend: Dict[str, Dict[tuple, Point]] = {backend_a: {}, backend_b: {}}
    for point in s.points.values():
        if point.backend in by_backend:
            by_backend[point.backend][point.param_key()] = point
    for name, found in by_backend.items():
        if not found:
            present = sorted({p.backend for p in s.points.values()})
            raise LabError(f"{s.path}: no point for backend {name!r} (backends here: {', '.join(present)})")
    result = Comparison("backends", f"{backend_a} ({s.label})", f"{backend_b} ({s.label})")
    a, b = by_backend[backend_a], by_backend[backend_b]
    pairs = []
    for param_key in sorted(a.keys() & b.keys()):
        pairs.append((without_backend(a[param_key]), a[param_key], b[param_key]))
    for param_key in sorted(a.keys() - b.keys()):
        result.not_compared.append((without_backend(a[param_key]), f"only {backend_a}"))
    for param_key in sorted(b.keys() - a.keys()):
        result.not_compared.append((without_backend(b[param_key]), f"only {backend_b}"))
    if not pairs:
        raise LabError(f"{s.path}: {backend_a} and {backend_b} share no point")
    result.verdict = comparability.backends_verdict(backend_a, backend_b)
    return collect(result, pairs, metric_name)


def workload_of(name: str) -> str:
    """A point's workload from its name: benchmark names and keys both start with it."""
    return name.split("/")[0].split(".")[0]


@dataclass
class Geomean:
    group: str             # "workload", "backend" or "overall"
    name: str
    points: int            # rows in the group that count (≈ rows do not: no resolved difference)
    gain: Optional[float]  # geometric mean of Row.gain: above 1, B better
    better: int            # significant, B better
    worse: int
    unresolved: int        # ≈: below the resolution

    @property
    def gain_pct(self) -> Optional[float]:
        return None if self.gain is None else (self.gain - 1) * 100


def geomean_of(group: str, name: str, rows: List[Row]) -> Geomean:
    counted = [r for r in rows if not r.below_resolution and r.gain is not None]
    gain = math.exp(sum(math.log(r.gain) for r in counted) / len(counted)) if counted else None
    return Geomean(group, name, len(counted), gain, sum(r.verdict == "better" for r in rows),
                   sum(r.verdict == "worse" for r in rows), sum(r.below_resolution for r in rows))


def geomeans(c: Comparison) -> List[Geomean]:
    """Per workload, per backend (two sets: each backend's points; two backends: one group, so none), overall."""
    out = []
    groups = [("workload", lambda r: r.a.point.workload)]
    if c.mode == "sets":
        groups.append(("backend", lambda r: r.a.point.backend))
    for group, key in groups:
        for name in sorted({key(r) for r in c.rows}):
            out.append(geomean_of(group, name, [r for r in c.rows if key(r) == name]))
    out.append(geomean_of("overall", "OVERALL_GEOMEAN", c.rows))
    return out


def not_compared_counts(c: Comparison) -> List[Tuple[str, List[Tuple[str, int]]]]:
    """(workload, [(why, how many), most first]) for each workload with points not compared."""
    by_workload: Dict[str, Counter] = {}
    for point, why in c.not_compared:
        by_workload.setdefault(workload_of(point), Counter())[why] += 1
    return [(w, sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))) for w, counts in sorted(by_workload.items())]


def regressions(c: Comparison, threshold_pct: float) -> List[Row]:
    """Rows where B is significantly worse than A (p < ALPHA, resolved) by more than threshold_pct."""
    return [r for r in c.rows if r.verdict == "worse" and r.worse_pct is not None and r.worse_pct > threshold_pct]
