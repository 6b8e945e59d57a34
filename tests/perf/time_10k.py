#!/usr/bin/python3
"""Time load, validate, compare and plot on a synthetic set of 10 000 point records (not
part of the test suite: speed belongs in benchmarks). Target: < 30 s each on
the 2-core development VM. Usage: /usr/bin/python3 tests/perf/time_10k.py [DIR]"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "python")]

import synth  # noqa: E402
from lab.analysis import load  # noqa: E402

RECORDS = 10_000


def timed(label: str, argv) -> float:
    start = time.monotonic()
    result = subprocess.run([str(REPO / "rculab"), *argv], capture_output=True, text=True)
    elapsed = time.monotonic() - start
    if result.returncode != 0:
        sys.exit(f"{label} failed: {result.stderr.strip()}")
    print(f"{label:<38} {elapsed:6.1f} s")
    return elapsed


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="rculab-10k-"))
    start = time.monotonic()
    # 46 reader counts x every workload and backend is just over 10 000 points.
    a = synth.write_set(root, set_id="perf-a", seed=1, readers=range(1, 47), repetitions=9, limit=RECORDS,
                        samples=200)
    b = synth.write_set(root, set_id="perf-b", seed=2, readers=range(1, 47), repetitions=9, limit=RECORDS,
                        samples=200, commit="0123456789ab")
    print(f"generated 2 x {RECORDS} records in {time.monotonic() - start:.0f} s under {root}")
    start = time.monotonic()
    rs = load.load_set(a)
    print(f"{'load (in process)':<38} {time.monotonic() - start:6.1f} s  ({len(rs.points)} records)")
    timed("validate SET", ["validate", str(a)])
    timed("compare SET_A SET_B", ["compare", str(a), str(b)])
    timed("compare SET --backends qsbr,urcu-qsbr", ["compare", str(a), "--backends", "qsbr,urcu-qsbr"])
    timed("compare SET_A SET_B --json", ["compare", str(a), str(b), "--json"])
    timed("plot SET", ["plot", str(a)])
    timed("plot SET_A SET_B (overlaid)", ["plot", str(a), str(b), "--out", str(root / "overlay")])


if __name__ == "__main__":
    main()
