"""Derived metrics (lab/RECORDS.md "Derived values"): computed per repetition
from raw counters, never stored. None where a repetition cannot give one.

The one table of them: compare, the report, the charts, `rculab run`'s
table (summary.py) and `rculab bench`'s console (bench_console.py) all take
their numbers from METRICS. It holds the metrics over the core counters
every point reports, defined here, and those each workload's descriptor
declares over its own counters (lab/records/catalogue.py), built from their
formulas; a workload's headline and throughput are its descriptor's. A
metric reads `.counters` (and, for latencies, `.histogram` where the object
has one), so it applies to a record's repetition and to a row of Google
Benchmark JSON alike."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Optional

from lab.analysis import histogram
from lab.records import catalogue
from lab.records.reader import Point, Repetition


def _rate(count: str) -> Callable[[Repetition], Optional[float]]:
    def per_second(rep: Repetition) -> Optional[float]:
        c = rep.counters
        if count not in c or not c.get("wall_ns", 0) > 0 or c[count] < 0:
            return None
        return c[count] / c["wall_ns"] * 1e9
    return per_second


def _ns_per_op(role: str, excluding: str = "") -> Callable[[Repetition], Optional[float]]:
    """Wall ns (less the time counter `excluding`) per operation per thread
    of the role (reader, updater)."""
    ops, threads = f"{role}_ops", f"{role}_threads"

    def ns_per_op(rep: Repetition) -> Optional[float]:
        c = rep.counters
        time = c.get("wall_ns", 0) - (c.get(excluding, 0) if excluding else 0)
        if not c.get(ops, 0) > 0 or not time > 0 or threads not in c:
            return None
        return time * c[threads] / c[ops]
    return ns_per_op



def _latency(counter: str, q: float) -> Callable[[Repetition], Optional[float]]:
    def value(rep: Repetition) -> Optional[float]:
        c = rep.counters
        if c.get("lat_samples", 0) > 0 and c.get(counter, -1) >= 0:
            return float(c[counter])
        histogram_counts = getattr(rep, "histogram", None)
        if histogram_counts:  # a record without the percentile counters still has its histogram
            counts = {int(i): n for i, n in histogram_counts.items()}
            return float(histogram.percentile(counts, q, rep.max_ns)) if sum(counts.values()) else None
        return None  # no samples: 0 would read as "instant"
    return value


def _raw(counter: str) -> Callable[[Repetition], Optional[float]]:
    def value(rep: Repetition) -> Optional[float]:
        v = rep.counters.get(counter)
        return None if v is None or v < 0 else float(v)  # -1: not exposed by the backend
    return value


def _share(part: str, whole: str) -> Callable[[Repetition], Optional[float]]:
    def share(rep: Repetition) -> Optional[float]:
        c = rep.counters
        return c[part] / c[whole] if c.get(whole, 0) > 0 and c.get(part, -1) >= 0 else None
    return share


def _sampled(counter: str, samples: str) -> Callable[[Repetition], Optional[float]]:
    """A percentile counter, None where its histogram had no sample."""
    def value(rep: Repetition) -> Optional[float]:
        c = rep.counters
        return float(c[counter]) if c.get(samples, 0) > 0 and counter in c else None
    return value


def _ticks_per_op(role: str, rate: str) -> Callable[[Repetition], Optional[float]]:
    """ns_per_op of the role times a ticks-per-ns rate counter (0 or absent: none)."""
    per_op = _ns_per_op(role)

    def ticks(rep: Repetition) -> Optional[float]:
        ns, per_ns = per_op(rep), rep.counters.get(rate, 0)
        return ns * per_ns if ns is not None and per_ns > 0 else None
    return ticks


FORMULAS = {
    "ticks_per_op": _ticks_per_op,
    "rate": lambda a, b: _rate(a),
    "share": _share,
    "raw": lambda a, b: _raw(a),
    "ns_per_op": _ns_per_op,
    "sampled": _sampled,
}


@dataclass(frozen=True)
class Metric:
    name: str
    label: str          # axis / column text
    unit: str
    higher_is_better: bool
    of: Callable[[Repetition], Optional[float]]


# Metrics over the core counters (bench/harness/gb_report.cpp).
CORE_METRICS = (
    Metric("reads_per_s", "read throughput", "reads/s", True, _rate("reader_ops")),
    Metric("ns_per_read", "read-side cost per thread", "ns/read", False, _ns_per_op("reader")),
    Metric("updates_per_s", "update throughput", "updates/s", True, _rate("updater_ops")),
    Metric("lat_p50_ns", "latency p50", "ns", False, _latency("lat_p50_ns", 0.50)),
    Metric("lat_p99_ns", "latency p99", "ns", False, _latency("lat_p99_ns", 0.99)),
    Metric("unreclaimed_final", "unreclaimed at close", "objects", False, _raw("unreclaimed_final")),
    Metric("ns_per_update", "update-side cost per thread", "ns/update", False, _ns_per_op("updater")),
    Metric("syncs_per_s", "synchronize calls", "syncs/s", True, _rate("updater_ops")),
    Metric("reader_ops_per_s", "reader operations", "ops/s", True, _rate("reader_ops")),
)


def _workload_metrics():
    """Each descriptor's metrics; one declared by two workloads must agree."""
    out: Dict[str, Metric] = {}
    specs: Dict[str, catalogue.MetricSpec] = {}
    for w in catalogue.workloads().values():
        for spec in w.metrics:
            if spec.name in specs and specs[spec.name] != spec:
                raise ValueError(f"metric {spec.name}: {w.name}'s descriptor defines it unlike another workload's")
            specs[spec.name] = spec
            out[spec.name] = Metric(spec.name, spec.label, spec.unit, spec.higher_is_better,
                                    FORMULAS[spec.kind](spec.a, spec.b))
    return out.values()


def _table() -> Dict[str, Metric]:
    own = list(_workload_metrics())
    clash = {m.name for m in CORE_METRICS} & {m.name for m in own}
    if clash:
        raise ValueError(f"workload descriptors redefine core metrics: {sorted(clash)}")
    return {m.name: m for m in (*CORE_METRICS, *own)}


METRICS: Dict[str, Metric] = _table()


def rate_metric(workload: str) -> Metric:
    """The workload's throughput, as `rculab bench`'s console shows it."""
    w = catalogue.workload(workload)
    return METRICS[w.throughput if w else "reader_ops_per_s"]


def primary_metric(point: Point) -> Metric:
    """The workload's headline: what compare and the report tables show. A
    paced point (its descriptor's pacing parameter non-zero) measures latency."""
    w = catalogue.workload(point.workload)
    if w is None:
        return METRICS["reads_per_s"]
    if w.paced_by and point.params.get(w.paced_by, 0):
        return METRICS[w.paced_headline]
    return METRICS[w.headline]


def values(point: Point, metric: Metric):
    """(value, repetition) for every repetition that yields the metric."""
    out = []
    for rep in point.repetitions:
        v = metric.of(rep)
        if v is not None:
            out.append((v, rep))
    return out


def resolution_ns(point: Optional[Point]) -> Optional[float]:
    """The smallest difference in a per-section time (ns_per_read) this point
    can resolve: one time-stamp-counter tick (read_cost's tsc_per_ns) plus the
    spread of its empty-loop calibration over the repetitions (the same loop
    timed again). None where the point has neither."""
    if point is None:
        return None
    ticks = [r.counters.get("tsc_per_ns", 0) for r in point.repetitions]
    loops = [v for v, _ in values(point, METRICS["loop_ns"])] if "loop_ns" in METRICS else []
    if not any(t > 0 for t in ticks) and len(loops) < 2:
        return None
    tick = 1 / max(ticks) if any(t > 0 for t in ticks) else 0.0
    return tick + (max(loops) - min(loops) if len(loops) > 1 else 0.0)


def within_resolution(a: Optional[float], b: Optional[float], *resolutions: Optional[float]) -> bool:
    """Whether two per-section times differ by less than the coarser point resolves."""
    known = [r for r in resolutions if r is not None]
    return a is not None and b is not None and bool(known) and abs(a - b) <= max(known)
