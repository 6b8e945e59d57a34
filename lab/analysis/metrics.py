"""Derived metrics (lab/RECORDS.md "Derived values"): computed per repetition
from raw counters, never stored. None where a repetition cannot give one.

The one table of them: compare, the report, the charts, `rculab run`'s
table (summary.py) and `rculab bench`'s console (bench_console.py) all take
their numbers from METRICS. A metric reads `.counters` (and, for latencies,
`.histogram` where the object has one), so it applies to a record's
repetition and to a row of Google Benchmark JSON alike."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Optional

from lab.analysis import histogram
from lab.records.reader import Point, Repetition


def _rate(count: str) -> Callable[[Repetition], Optional[float]]:
    def per_second(rep: Repetition) -> Optional[float]:
        c = rep.counters
        if count not in c or not c.get("wall_ns", 0) > 0 or c[count] < 0:
            return None
        return c[count] / c["wall_ns"] * 1e9
    return per_second


def _ns_per_op(role: str) -> Callable[[Repetition], Optional[float]]:
    """Wall ns per operation per thread of the role (reader, updater)."""
    ops, threads = f"{role}_ops", f"{role}_threads"

    def ns_per_op(rep: Repetition) -> Optional[float]:
        c = rep.counters
        if not c.get(ops, 0) > 0 or "wall_ns" not in c or threads not in c:
            return None
        return c["wall_ns"] * c[threads] / c[ops]
    return ns_per_op


_ns_per_read = _ns_per_op("reader")


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


@dataclass(frozen=True)
class Metric:
    name: str
    label: str          # axis / column text
    unit: str
    higher_is_better: bool
    of: Callable[[Repetition], Optional[float]]


METRICS: Dict[str, Metric] = {m.name: m for m in (
    Metric("reads_per_s", "read throughput", "reads/s", True, _rate("reader_ops")),
    Metric("ns_per_read", "read-side cost per thread", "ns/read", False, _ns_per_read),
    Metric("updates_per_s", "update throughput", "updates/s", True, _rate("updater_ops")),
    Metric("callbacks_per_s", "callbacks invoked", "callbacks/s", True, _rate("cb_invoked_window")),
    Metric("lat_p50_ns", "latency p50", "ns", False, _latency("lat_p50_ns", 0.50)),
    Metric("lat_p99_ns", "latency p99", "ns", False, _latency("lat_p99_ns", 0.99)),
    Metric("cb_backlog_peak", "call_rcu backlog peak", "callbacks", False, _raw("cb_backlog_peak")),
    Metric("unreclaimed_final", "unreclaimed at close", "objects", False, _raw("unreclaimed_final")),
    Metric("barrier_ns", "rcu_barrier latency", "ns", False, _raw("barrier_ns")),
    Metric("ns_per_update", "update-side cost per thread", "ns/update", False, _ns_per_op("updater")),
    Metric("exits_per_s", "thread exits", "exits/s", True, _rate("exits")),
    Metric("io_completed_per_s", "I/Os completed", "I/Os/s", True, _rate("io_completed_window")),
    Metric("cancelled_share", "I/Os cancelled", "share of attempts", False, _share("io_cancelled", "io_attempted")),
    Metric("pending_bytes_avg", "bytes awaiting reclamation (time average)", "bytes", False,
           _share("pending_byte_ns", "wall_ns")),
    Metric("bytes_per_update", "bytes copied per update", "bytes", False, _share("bytes_copied", "updater_ops")),
    Metric("syncs_per_s", "synchronize calls", "syncs/s", True, _rate("updater_ops")),
    Metric("reader_ops_per_s", "reader operations", "ops/s", True, _rate("reader_ops")),
    Metric("loop_ns", "empty read loop per iteration", "ns", False, _share("loop_calib_ns", "loop_calib_ops")),
    Metric("syncs_per_gp", "synchronize calls per grace period", "syncs/GP", False,
           _share("sync_calls", "grace_periods")),
)}

# The headline metric of each workload: what compare and the report tables show.
PRIMARY = {
    "read_cost": "ns_per_read",
    "read_scalability": "reads_per_s",
    "cs_length": "ns_per_read",
    "update_rate": "updates_per_s",
    "gp_latency": "lat_p50_ns",
}


# The throughput of each workload, as `rculab bench`'s console shows it.
RATE = {
    "read_cost": "reads_per_s",
    "read_scalability": "reads_per_s",
    "cs_length": "reads_per_s",
    "update_rate": "updates_per_s",
    "gp_latency": "syncs_per_s",
    "call_rcu": "callbacks_per_s",
}


def rate_metric(workload: str) -> Metric:
    return METRICS[RATE.get(workload, "reader_ops_per_s")]


def primary_metric(point: Point) -> Metric:
    if point.workload == "call_rcu":
        # Paced runs measure latency; flat-out runs (interval 0) throughput.
        return METRICS["lat_p50_ns" if point.params.get("interval_ns", 0) else "callbacks_per_s"]
    return METRICS[PRIMARY.get(point.workload, "reads_per_s")]


def values(point: Point, metric: Metric):
    """(value, repetition) for every repetition that yields the metric."""
    out = []
    for rep in point.repetitions:
        v = metric.of(rep)
        if v is not None:
            out.append((v, rep))
    return out

# long_reader (bench/workloads/long_reader.h): the long reader's elements/s
# and the peak bytes of retired elements waiting for reclamation; its
# headline is the unrelated updaters' grace-period latency.
METRICS.update({m.name: m for m in (
    Metric("long_elements_per_s", "long reader throughput", "elements/s", True, _rate("long_ops")),
    Metric("pending_bytes_peak", "retired, unfreed memory peak", "bytes", False, _raw("pending_bytes_peak")),
)})
PRIMARY["long_reader"] = "lat_p50_ns"


# hash_scan (bench/workloads/hash_scan.h): mean full-table scan time; its
# headline is the lookup throughput next to the scans.
def _scan_ns(rep: Repetition) -> Optional[float]:
    c = rep.counters
    if not c.get("scans", 0) > 0 or "scan_ns_sum" not in c:
        return None
    return c["scan_ns_sum"] / c["scans"]


METRICS["scan_ns"] = Metric("scan_ns", "full-table scan time", "ns", False, _scan_ns)
PRIMARY["hash_scan"] = "reads_per_s"


# percpu_ref (bench/workloads/percpu_ref.h): a get + put pair's cost per
# reader over the time the ref was live (gets fail while it is dead between
# kill and reinit: `dead_ns` of the window); kill -> release is lat_*.
def _ns_per_live_pair(rep: Repetition) -> Optional[float]:
    c = rep.counters
    live = c.get("wall_ns", 0) - c.get("dead_ns", 0)
    if not c.get("reader_ops", 0) > 0 or not live > 0 or "reader_threads" not in c:
        return None
    return live * c["reader_threads"] / c["reader_ops"]


METRICS["ns_per_live_pair"] = Metric("ns_per_live_pair", "get + put per reader while live", "ns", False,
                                     _ns_per_live_pair)
PRIMARY["percpu_ref"] = "ns_per_live_pair"

# retrigger_gp (bench/workloads/retrigger_gp.h): grace periods waited for
# per successful close; its headline is open()/close() calls per second.
METRICS["gps_per_close"] = Metric("gps_per_close", "grace periods per close", "GPs/close", False,
                                  _share("close_gps", "closes_ok"))
PRIMARY["retrigger_gp"] = "updates_per_s"
