"""The comparison table of `rculab run`: derived metrics per backend from the
pass's Google Benchmark records, and ratios against liburcu twins and `none`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from lab.analysis.metrics import METRICS
from lab.records.gbjson import Record, select
from lab.base.table import format_table

# Our backend -> its liburcu twin (rwlock, ptmutex and none have none; nor urcu-bp).
TWINS = {"qsbr": "urcu-qsbr", "mb": "urcu-mb", "memb": "urcu-memb", "signal": "urcu-signal"}
BASELINE = "none"

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
sync p50/p99 gp_latency, 1 reader + 1 updater: synchronize latency; sync/twin compares p50s like read/twin
syncs/GP     synchronize calls per grace period (sharing); - when the backend does not count grace periods
cb p50 µs    call_rcu, 1 updater, one callback per 10 µs: enqueue-to-invocation latency
cb/s         call_rcu, 1 updater enqueueing flat out: callbacks invoked per second
-            not measured (no such point, or the counter is unknown)"""


@dataclass
class BackendSummary:
    backend: str
    read_ns: Optional[float] = None
    loop_ns: Optional[float] = None
    sync_p50_us: Optional[float] = None
    sync_p99_us: Optional[float] = None
    syncs_per_gp: Optional[float] = None
    cb_p50_us: Optional[float] = None
    callbacks_per_s: Optional[float] = None
    violations: int = 0
    read_vs_twin: Optional[float] = None
    read_vs_none: Optional[float] = None
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


def metric(name: str, record: Optional[Record], scale: float = 1.0) -> Optional[float]:
    """METRICS[name] of one row, scaled; None without the row or the value."""
    value = None if record is None else METRICS[name].of(record)
    return None if value is None else value * scale


def violations(recs: Sequence[Record], backend: str) -> int:
    """Violations over the backend's iteration rows (aggregates only if there are
    no iteration rows, e.g. --benchmark_report_aggregates_only)."""
    own = [r for r in recs if r.backend == backend]
    iterations = [r for r in own if r.aggregate is None]
    if iterations:
        return int(sum(max(r.get("violations") or 0, 0) for r in iterations))
    central = [r.get("violations") or 0 for r in own if r.aggregate in ("mean", "median")]
    return int(round(max(central, default=0)))


def measure(recs: Sequence[Record], backend: str) -> BackendSummary:
    """Everything in a row that needs only this backend's records."""
    s = BackendSummary(backend)
    read = select(recs, READ_POINT[0], backend, **READ_POINT[1])
    s.read_ns = metric("ns_per_read", read)
    s.loop_ns = metric("loop_ns", read)
    sync = select(recs, SYNC_POINT[0], backend, **SYNC_POINT[1])
    s.sync_p50_us = metric("lat_p50_ns", sync, 1e-3)
    s.sync_p99_us = metric("lat_p99_ns", sync, 1e-3)
    s.syncs_per_gp = metric("syncs_per_gp", sync)
    s.cb_p50_us = metric("lat_p50_ns", select(recs, CALLBACK_LATENCY_POINT[0], backend, **CALLBACK_LATENCY_POINT[1]),
                         1e-3)
    s.callbacks_per_s = metric("callbacks_per_s",
                               select(recs, CALLBACK_THROUGHPUT_POINT[0], backend, **CALLBACK_THROUGHPUT_POINT[1]))
    s.violations = violations(recs, backend)
    return s


def summarize(recs: Sequence[Record], backends: Sequence[str],
              notes: Optional[Dict[str, str]] = None) -> List[BackendSummary]:
    """One summary per backend, in the given order, ratios filled in."""
    notes = notes or {}
    rows = [measure(recs, name) for name in backends]
    by_name = {s.backend: s for s in rows}
    baseline = by_name.get(BASELINE)
    for s in rows:
        s.note = notes.get(s.backend, "")
        twin = by_name.get(TWINS.get(s.backend, ""))
        if twin is not None:
            s.read_vs_twin = ratio(s.read_ns, twin.read_ns)
            s.sync_vs_twin = ratio(s.sync_p50_us, twin.sync_p50_us)
        if baseline is not None:
            s.read_vs_none = ratio(s.read_ns, baseline.read_ns)
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


def fmt_ratio(value: Optional[float]) -> str:
    if value is None:
        return "-"
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
    return [s.backend, fmt_amount(s.read_ns), fmt_amount(s.loop_ns), fmt_ratio(s.read_vs_twin),
            fmt_ratio(s.read_vs_none), fmt_amount(s.sync_p50_us), fmt_amount(s.sync_p99_us),
            fmt_ratio(s.sync_vs_twin), fmt_ratio(s.syncs_per_gp), fmt_amount(s.cb_p50_us),
            fmt_rate(s.callbacks_per_s), fmt_violations(s.violations)]


def format_summary(rows: Sequence[BackendSummary]) -> str:
    return format_table(HEADERS, [table_row(s) for s in rows], right_aligned=NUMERIC_COLUMNS)
