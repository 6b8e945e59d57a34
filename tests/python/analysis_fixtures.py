"""Shared helpers for the analysis tests: small synthetic sets and hand-made points."""
from __future__ import annotations

from pathlib import Path

from lab.records.reader import Point, Repetition

import synth

SMALL = dict(backends=("qsbr", "urcu-qsbr", "rwlock", "signal", "none"), readers=(1, 2, 4, 16),
             updaters=(1, 4), repetitions=9, pus=8)
BIMODAL_KEY = "read_scalability.backend=qsbr.readers=4.updaters=0.reclaim=none.placement=compact"
UNIMODAL_KEY = "read_scalability.backend=qsbr.readers=2.updaters=0.reclaim=none.placement=compact"
FAILED_KEY = "gp_latency.backend=signal.readers=2.updaters=4.placement=compact"


def small_set(root: Path, **overrides) -> Path:
    args = dict(SMALL, bimodal=[BIMODAL_KEY], failed=[FAILED_KEY])
    args.update(overrides)
    return synth.write_set(root, **args)


def point_with_reads(values, backend="qsbr", labels=None, key="read_scalability.backend=qsbr.readers=1") -> Point:
    """A read_scalability point whose reads/s per repetition are `values`
    (wall_ns = 1 s, so reader_ops is the rate)."""
    reps = [Repetition(i, {"wall_ns": 1e9, "reader_ops": float(v), "reader_threads": 1},
                       (labels or [""] * len(values))[i]) for i, v in enumerate(values)]
    return Point(key=key, benchmark=key.replace(".", "/").replace("=", ":"), workload="read_scalability",
                 backend=backend, params={"readers": 1}, status="ok", error=None, repetitions=reps,
                 context={}, path=Path(key + ".json"))


def read_cost_point(backend, ns_per_read, loop_ns=(0.30, 0.31, 0.32), tsc_per_ns=2.5):
    """A read_cost point at 1 reader whose sections cost `ns_per_read` (one value per repetition)."""
    reps = [Repetition(i, {"wall_ns": 1e8, "reader_threads": 1, "reader_ops": 1e8 / ns,
                           "loop_calib_ns": loop * 1e6, "loop_calib_ops": 1e6, "tsc_per_ns": tsc_per_ns}, "")
            for i, (ns, loop) in enumerate(zip(ns_per_read, loop_ns))]
    key = f"read_cost.backend={backend}.readers=1.placement=compact"
    return Point(key=key, benchmark=f"read_cost/backend:{backend}/readers:1/placement:compact", workload="read_cost",
                 backend=backend, params={"readers": 1, "placement": "compact"}, status="ok", error=None,
                 repetitions=reps, context={}, path=Path(key + ".json"))
