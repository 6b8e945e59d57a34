#!/usr/bin/env python3
"""Smoke test of rculab-bench: every (workload, backend) pair that
`rculab-core list --json` promises runs briefly, its name has the parameters
its descriptor declares, every row carries the core counters and the
descriptor's own, and no invariant is violated (`violations` and each of the
descriptor's checks are 0).

usage: check_bench_smoke.py RCULAB_BENCH [--backends=a,b,...]
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

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


def posix_escape(text):
    """Escapes what is special in Google Benchmark's POSIX extended regex.
    (re.escape also escapes '-', and POSIX rejects that escape: the filter
    then fails to compile and rculab-bench ran nothing.)"""
    return "".join("\\" + c if c in ".^$*+?()[]{}|\\" else c for c in text)


def run_bench(bench, flags):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "smoke.json")
        cmd = [bench, "--warmup=0.005", "--tolerate_bind_failure", *flags, f"--benchmark_out={out}",
               "--benchmark_out_format=json", "--benchmark_format=console"]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            fail(f"rculab-bench exited {done.returncode}: {done.stderr.strip()[-2000:]}")
        with open(out) as f:
            result = json.load(f)
    if not result["benchmarks"]:
        fail(f"rculab-bench ran nothing for {flags}")
    return result


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

    # 50 ms: longer than a scheduler timeslice under contention, so a thread
    # descheduled for a whole window does not read as a bad point.
    result = run_bench(bench, ["--smoke", "--duration=0.05", f"--backends={','.join(backends)}"])
    retried = []
    for index, row in enumerate(result["benchmarks"]):
        if row.get("reader_ops", 0) + row.get("updater_ops", 0) <= 0 and not row.get("error_occurred"):
            # A loaded host (sanitizers, other builds) can keep every thread of a
            # point off the CPUs for a whole short window: measure that point
            # again, longer, once; a point that still measures nothing fails.
            again = run_bench(bench, ["--duration=0.3", f"--backends={row['name'].split('/')[1][8:]}",
                                      "--benchmark_filter=^" + posix_escape(row["name"]) + "$", "--smoke"])
            result["benchmarks"][index] = again["benchmarks"][0]
            retried.append(row["name"])

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
            fail(f"{name}: workload {workload} is not in the catalogue (bench/workloads/all.h)")
        keys = [part.split(":")[0] for part in name.split("/")[2:] if ":" in part
                and part.split(":")[0] not in ("iterations", "repeats", "min_time")]
        declared = [p["key"] for p in catalogue[workload]["params"]]
        if keys != declared:
            fail(f"{name}: parameters {keys}, its descriptor says {declared}")
        if row.get("error_occurred"):
            fail(f"{name}: {row.get('error_message')}")
        for counter in counters + [c["name"] for c in catalogue[workload]["counters"]]:
            if counter not in row:
                fail(f"{name}: counter {counter} missing")
        if row["violations"] != 0:
            fail(f"{name}: {row['violations']} invariant violations")
        for check in catalogue[workload]["checks"]:
            if row[check] != 0:
                fail(f"{name}: {check} = {row[check]} (must be 0)")
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
          f"{len(counters)} core counters each: OK"
          + (f" (measured again, longer: {', '.join(retried)})" if retried else ""))


if __name__ == "__main__":
    main()
