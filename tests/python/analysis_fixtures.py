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
