#!/usr/bin/env python3
"""Smoke test of rculab-bench: every (workload, backend) pair that
`rculab-core list --json` promises runs briefly, its name has the catalogue's
parameters, every row carries every documented counter, and no invariant is
violated.

usage: check_bench_smoke.py RCULAB_BENCH [--backends=a,b,...]
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

EXTRA_COUNTERS = {
    "read_cost": ["loop_calib_ops", "loop_calib_ns"],
    "cs_length": ["cs_ns", "cs_spins"],
    "update_rate": ["delay_ns", "batch"],
    "call_rcu": ["cb_invoked_window", "cb_backlog_peak", "barrier_ns", "throttled", "interval_ns"],
    "long_reader": ["long_ops", "long_cpu_ns", "traversals", "long_violations", "replaced", "pending_peak",
                    "pending_bytes_peak", "ref_misses", "srcu_gps", "throttled", "elements"],
    "hash_scan": ["scans", "scan_ns_sum", "lookup_misses", "scan_count_errors", "poisoned_seen", "pending_peak",
                  "pending_bytes_peak", "throttled"],
}
CONTEXT_KEYS = ["rculab_commit", "compiler", "cxx_flags", "liburcu_version", "hwloc_version",
                "benchmark_version", "membarrier_mode", "signal_backend", "full_fence"]


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def check_hwloc_version(recorded):
    """The context must name the hwloc release loaded at run time, the one
    hwloc's own tools report, not the header's API level."""
    tool = shutil.which("lstopo-no-graphics") or shutil.which("lstopo")
    if not tool:
        return
    words = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout.split()
    if words and recorded != words[-1]:
        fail(f"context hwloc_version is {recorded!r}, the library loaded is {words[-1]!r}")


def main():
    bench = sys.argv[1]
    backend_flags = [a for a in sys.argv[2:] if a.startswith("--backends=")]
    core = os.path.join(os.path.dirname(bench), "rculab-core")
    listing = json.loads(subprocess.run([core, "list", "--json"], check=True, capture_output=True,
                                        text=True).stdout)
    backends = {b["name"]: b for b in listing["backends"] if b["available"]}
    if backend_flags:
        wanted = backend_flags[0].split("=", 1)[1].split(",")
        backends = {n: b for n, b in backends.items() if n in wanted}
    counters = subprocess.run([bench, "--list_counters"], check=True, capture_output=True,
                              text=True).stdout.split()
    if len(counters) < 15:
        fail(f"--list_counters printed too few counters: {counters}")

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "smoke.json")
        # 50 ms: longer than a scheduler timeslice under contention, so a
        # thread descheduled for a whole window does not read as a bad point.
        cmd = [bench, "--smoke", "--duration=0.05", "--warmup=0.005", "--tolerate_bind_failure",
               f"--backends={','.join(backends)}", f"--benchmark_out={out}",
               "--benchmark_out_format=json", "--benchmark_format=console"]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            fail(f"rculab-bench exited {done.returncode}: {done.stderr.strip()[-2000:]}")
        with open(out) as f:
            result = json.load(f)

    for key in CONTEXT_KEYS:
        if not result["context"].get(key):
            fail(f"context lacks {key}")
    check_hwloc_version(result["context"]["hwloc_version"])
    catalogue = {w["name"]: w for w in listing["workloads"]}
    seen = set()
    for row in result["benchmarks"]:
        name = row["name"]
        workload, backend = name.split("/")[0], name.split("/")[1].removeprefix("backend:")
        seen.add((workload, backend))
        if workload not in catalogue:
            fail(f"{name}: workload {workload} is not in the catalogue (bench/workloads/catalogue.cpp)")
        keys = [part.split(":")[0] for part in name.split("/")[2:] if ":" in part
                and part.split(":")[0] not in ("iterations", "repeats", "min_time")]
        if keys != catalogue[workload]["params"]:
            fail(f"{name}: parameters {keys}, the catalogue says {catalogue[workload]['params']}")
        if row.get("error_occurred"):
            fail(f"{name}: {row.get('error_message')}")
        for counter in counters + EXTRA_COUNTERS.get(workload, []):
            if counter not in row:
                fail(f"{name}: counter {counter} missing")
        if row["violations"] != 0:
            fail(f"{name}: {row['violations']} invariant violations")
        if row["reader_ops"] + row["updater_ops"] <= 0:
            fail(f"{name}: no operation measured")
        if not row.get("label"):
            fail(f"{name}: no placement label")
    for workload, info in catalogue.items():
        for backend in info["backends"]:
            if backend in backends and (workload, backend) not in seen:
                fail(f"no result for {workload} on {backend}")
        for backend in backends:
            if backend not in info["backends"] and (workload, backend) in seen:
                fail(f"{workload} ran on {backend}, which the catalogue says cannot run it")
    print(f"bench smoke: {len(result['benchmarks'])} benchmarks over {len(backends)} backends, "
          f"{len(counters)} core counters each: OK")


if __name__ == "__main__":
    main()
