"""The comparison table of `rculab run`: derived metrics per backend from the
set's points (each metric the median over a point's repetitions, from the
one table in metrics.py), and ratios against liburcu twins and `none`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from lab.analysis import stats
from lab.analysis.metrics import METRICS, resolution_ns, values, within_resolution
from lab.base.table import format_table
from lab.records.reader import Point

# Our backend -> its liburcu twin (rwlock, ptmutex and none have none; nor urcu-bp).
TWINS = {"qsbr": "urcu-qsbr", "mb": "urcu-mb", "memb": "urcu-memb", "signal": "urcu-signal"}
BASELINE = "none"
# The order backends are listed and drawn in: none, ours each beside its
# liburcu twin, liburcu's others, the references, the lock baselines.
BACKEND_ORDER = (BASELINE, "qsbr", "urcu-qsbr", "mb", "urcu-mb", "memb", "urcu-memb", "urcu-memb-percpu", "signal",
                 "urcu-signal", "urcu-bp", "ck_epoch", "rwlock", "ptmutex")


def backend_order(name: str):
    """Sort key: BACKEND_ORDER first, then any other backend by name."""
    return (BACKEND_ORDER.index(name) if name in BACKEND_ORDER else len(BACKEND_ORDER), name)

# The points of the pass (rculab-bench --readers=1 --updaters=1).
READ_POINT = ("read_cost", {"readers": 1})
SYNC_POINT = ("gp_latency", {"readers": 1, "updaters": 1})
# call_rcu runs twice: paced (one callback per 10 us, the reclaimer keeps up)
# for latency, and saturated (enqueue as fast as possible) for throughput.
CALLBACK_LATENCY_POINT = ("call_rcu", {"updaters": 1, "interval_ns": 10000})
CALLBACK_THROUGHPUT_POINT = ("call_rcu", {"updaters": 1, "interval_ns": 0})

HEADERS = ("backend", "read ns", "loop ns", "read/twin", "read/none", "sync p50 µs",
           "sync p99 µs", "sync/twin", "syncs/GP", "cb p50 µs", "cb/s", "violations")
NUMERIC_COLUMNS = range(1, len(HEADERS))

LEGEND = """\
read ns      read_cost, 1 reader: wall time per read-side section (wall_ns x readers / reader_ops)
loop ns      the same loop with an empty body (loop_calib_ns / loop_calib_ops); read ns includes it
read/twin    our read ns / the liburcu twin's (qsbr/urcu-qsbr, mb/urcu-mb, memb/urcu-memb, signal/urcu-signal)
read/none    read ns / none's read ns (none = no read-side code at all)
≈            the two read ns differ by less than the lab resolves: one TSC tick plus the spread of the
             empty-loop calibration over the repetitions (never a win either way)
sync p50/p99 gp_latency, 1 reader + 1 updater: synchronize latency; sync/twin compares p50s like read/twin
syncs/GP     synchronize calls per grace period (sharing); - when the backend does not count grace periods
cb p50 µs    call_rcu, 1 updater, one callback per 10 µs: enqueue-to-invocation latency
cb/s         call_rcu, 1 updater enqueueing flat out: callbacks invoked per second
-            not measured (no such point, or the counter is unknown)
every value is the median over the point's repetitions; violations are their sum"""


@dataclass
class BackendSummary:
    backend: str
    read_ns: Optional[float] = None
    loop_ns: Optional[float] = None
    read_resolution_ns: Optional[float] = None
    sync_p50_us: Optional[float] = None
    sync_p99_us: Optional[float] = None
    syncs_per_gp: Optional[float] = None
    cb_p50_us: Optional[float] = None
    callbacks_per_s: Optional[float] = None
    violations: int = 0
    read_vs_twin: Optional[float] = None
    read_vs_none: Optional[float] = None
    read_vs_twin_resolved: bool = True   # False: the difference is below resolution ("≈")
    read_vs_none_resolved: bool = True
    sync_vs_twin: Optional[float] = None
    note: str = ""  # set when the backend gave no results (skipped, crashed, ...)

    @property
    def flagged(self) -> bool:
        return self.violations > 0


def ratio(numerator: Optional[float], denominator: Optional[float]) -> Optional[float]:
    """numerator / denominator, or None when either is unknown or the denominator
    is not positive (the counters use -1 for "unknown")."""
    if numerator is None or denominator is None or denominator <= 0 or numerator < 0:
        return None
    return numerator / denominator


def find(points: Sequence[Point], workload: str, backend: str, params: Dict[str, object]) -> Optional[Point]:
    """The ok point of `backend` for `workload` whose parameters include `params`."""
    for p in points:
        if (p.ok and p.workload == workload and p.backend == backend
                and all(str(p.params.get(k)) == str(v) for k, v in params.items())):
            return p
    return None


def metric(name: str, point: Optional[Point], scale: float = 1.0) -> Optional[float]:
    """The median over the point's repetitions of METRICS[name], scaled; None
    without the point or the value."""
    found = [v for v, _ in values(point, METRICS[name])] if point is not None else []
    summary = stats.summarize(found)
    return None if summary is None else summary.median * scale


def violations(points: Sequence[Point], backend: str) -> int:
    """Violations over every repetition of the backend's points (failed ones too)."""
    return int(sum(max(rep.counters.get("violations") or 0, 0)
                   for p in points if p.backend == backend for rep in p.repetitions))


def measure(points: Sequence[Point], backend: str) -> BackendSummary:
    """Everything in a row that needs only this backend's points."""
    s = BackendSummary(backend)
    read = find(points, READ_POINT[0], backend, READ_POINT[1])
    s.read_ns = metric("ns_per_read", read)
    s.loop_ns = metric("loop_ns", read)
    s.read_resolution_ns = resolution_ns(read)
    sync = find(points, SYNC_POINT[0], backend, SYNC_POINT[1])
    s.sync_p50_us = metric("lat_p50_ns", sync, 1e-3)
    s.sync_p99_us = metric("lat_p99_ns", sync, 1e-3)
    s.syncs_per_gp = metric("syncs_per_gp", sync)
    s.cb_p50_us = metric("lat_p50_ns", find(points, CALLBACK_LATENCY_POINT[0], backend, CALLBACK_LATENCY_POINT[1]),
                         1e-3)
    s.callbacks_per_s = metric("callbacks_per_s",
                               find(points, CALLBACK_THROUGHPUT_POINT[0], backend, CALLBACK_THROUGHPUT_POINT[1]))
    s.violations = violations(points, backend)
    return s


def summarize(points: Sequence[Point], backends: Sequence[str],
              notes: Optional[Dict[str, str]] = None) -> List[BackendSummary]:
    """One summary per backend, in the given order, ratios filled in."""
    notes = notes or {}
    rows = [measure(points, name) for name in backends]
    by_name = {s.backend: s for s in rows}
    baseline = by_name.get(BASELINE)
    for s in rows:
        s.note = notes.get(s.backend, "")
        twin = by_name.get(TWINS.get(s.backend, ""))
        if twin is not None:
            s.read_vs_twin = ratio(s.read_ns, twin.read_ns)
            s.read_vs_twin_resolved = not within_resolution(s.read_ns, twin.read_ns, s.read_resolution_ns,
                                                            twin.read_resolution_ns)
            s.sync_vs_twin = ratio(s.sync_p50_us, twin.sync_p50_us)
        if baseline is not None:
            s.read_vs_none = ratio(s.read_ns, baseline.read_ns)
            s.read_vs_none_resolved = not within_resolution(s.read_ns, baseline.read_ns, s.read_resolution_ns,
                                                            baseline.read_resolution_ns)
    return rows


def fmt_amount(value: Optional[float]) -> str:
    """ns / µs: three significant digits for small values, whole numbers above."""
    if value is None:
        return "-"
    if value < 10:
        return f"{value:.2f}"
    if value < 100:
        return f"{value:.1f}"
    return f"{value:.0f}"


def fmt_ratio(value: Optional[float], resolved: bool = True) -> str:
    if value is None:
        return "-"
    if not resolved:
        return "≈"
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def fmt_rate(value: Optional[float]) -> str:
    if value is None:
        return "-"
    for factor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= factor:
            return f"{value / factor:.2f}{suffix}"
    return f"{value:.0f}"


def fmt_violations(count: int) -> str:
    return f"FAIL ({count})" if count > 0 else "0"


def table_row(s: BackendSummary) -> List[str]:
    if s.note:
        return [s.backend, s.note]  # a note row: free text after the name
    return [s.backend, fmt_amount(s.read_ns), fmt_amount(s.loop_ns), fmt_ratio(s.read_vs_twin, s.read_vs_twin_resolved),
            fmt_ratio(s.read_vs_none, s.read_vs_none_resolved), fmt_amount(s.sync_p50_us), fmt_amount(s.sync_p99_us),
            fmt_ratio(s.sync_vs_twin), fmt_ratio(s.syncs_per_gp), fmt_amount(s.cb_p50_us),
            fmt_rate(s.callbacks_per_s), fmt_violations(s.violations)]


def format_summary(rows: Sequence[BackendSummary]) -> str:
    return format_table(HEADERS, [table_row(s) for s in rows], right_aligned=NUMERIC_COLUMNS)
