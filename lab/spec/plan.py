"""A resolved spec -> the plan: every point rculab-bench lists for the spec's
flag combinations (the C++ side owns some grids, e.g. cs_length's lengths), each
with the exact flags that reproduce it. One listing per (group, placement,
readers, updaters) with a single count each, so a workload that uses only one
count (or none) still gets every value; duplicates collapse by key."""
from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from itertools import product
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from lab.records import gbjson
from lab.base import proc
from lab.base.errors import LabError
from lab.records.points import point_key
from lab.spec.errors import SpecError

PLAN_KIND = "rculab.plan"
PER_POINT_OVERHEAD_S = 0.1  # start-up, calibration, cool-down, the runner: the quick sweep ran 336 processes of a 0.13 s window in 60 s on the 2-PU VM (0.05 s each), heavier points more
LISTING_TIMEOUT_S = 60
# Which spec field a rculab-bench complaint is about.
FLAG_FIELDS = (("--backends", "backends"), ("backend ", "backends"), ("--worker_placement", "worker_placement"),
               ("--placement", "placements"), ("--readers", "readers"), ("--updaters", "updaters"),
               ("--benchmark_filter", "workloads"))  # first match wins: --worker_placement before --placement
TOP_LEVEL_FIELDS = ("worker_placement",)  # the spec's own keys, not a group's


def lab_flags(spec: dict, readers: int, updaters: int, placement: str) -> List[str]:
    flags = [f"--readers={readers}", f"--updaters={updaters}", f"--placement={placement}",
             f"--duration={spec['duration']:g}", f"--warmup={spec['warmup']:g}",
             f"--worker_placement={spec.get('worker_placement', 'free')}"]
    return flags + (["--tolerate_bind_failure"] if spec["tolerate_bind_failure"] else [])


def listing_command(bench: Path, spec: dict, group: dict, readers: int, updaters: int,
                    placement: str) -> List[str]:
    cmd = [str(bench)]
    if group["backends"] != "all":
        cmd.append("--backends=" + ",".join(group["backends"]))
    cmd += lab_flags(spec, readers, updaters, placement)
    if group["workloads"] != "all":
        cmd.append("--benchmark_filter=^(" + "|".join(group["workloads"]) + ")/")
    return cmd + ["--benchmark_list_tests"]


def list_tests(cmd: Sequence[str], field: str, env: Optional[Dict[str, str]] = None) -> List[str]:
    try:
        done = proc.capture(cmd, timeout=LISTING_TIMEOUT_S, env=env)
    except subprocess.TimeoutExpired:
        raise LabError(f"rculab-bench --benchmark_list_tests did not answer within {LISTING_TIMEOUT_S} s") from None
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or [proc.describe_status(done.returncode)])[-1]
        where = next((name if name in TOP_LEVEL_FIELDS else f"{field}.{name}"
                      for flag, name in FLAG_FIELDS if flag in message), field)
        raise SpecError(where, message)
    return [line.strip() for line in done.stdout.splitlines() if line.strip()]


def point_for(listed_name: str, bench_args: List[str]) -> dict:
    """RECORDS.md's point: the name without Google Benchmark's own suffix
    (`/iterations:1/manual_time`), its key, workload, backend and params."""
    name = gbjson.parse_name(listed_name)
    if name.backend is None:
        raise LabError(f"rculab-bench listed {listed_name!r}, which names no backend")
    benchmark = "/".join([name.workload, f"backend:{name.backend}",
                          *(value if key.startswith("#") else f"{key}:{value}" for key, value in name.params)])
    params = {key: int(value) if value.lstrip("-").isdigit() else value for key, value in name.params}
    return {"key": point_key(benchmark), "benchmark": benchmark, "workload": name.workload,
            "backend": name.backend, "params": params,
            "bench_args": [f"--backends={name.backend}", *bench_args], "listed_name": listed_name}


def expand(spec: dict, bench: Path, source: str, env: Optional[Dict[str, str]] = None) -> List[dict]:
    """Every point of the resolved spec, sorted by key."""
    jobs: List[Tuple[str, dict, List[str], List[str]]] = []
    for index, group in enumerate(spec["groups"], start=1):
        for placement, readers, updaters in product(group["placements"], group["readers"], group["updaters"]):
            args = lab_flags(spec, readers, updaters, placement) + [f"--benchmark_repetitions={spec['repetitions']}"]
            jobs.append((f"group[{index}]", group, args,
                         listing_command(bench, spec, group, readers, updaters, placement)))
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            listings = list(pool.map(lambda job: list_tests(job[3], job[0], env), jobs))
    except SpecError as err:
        raise err.located(source) from None
    points: Dict[str, dict] = {}
    seen_workloads: Dict[str, set] = {}
    kept_values: Dict[str, set] = {}
    for (field, group, args, _), names in zip(jobs, listings):
        for listed in names:
            point = point_for(listed, args)
            seen_workloads.setdefault(field, set()).add(point["workload"])
            if not kept_by(group.get("params") or {}, point):
                continue
            points.setdefault(point["key"], point)
            kept_values.setdefault(field, set()).update(
                (name, str(value)) for name, value in point["params"].items())
    for index, group in enumerate(spec["groups"], start=1):
        field = f"group[{index}]"
        wanted = group["workloads"] if group["workloads"] != "all" else []
        missing = [w for w in wanted if w not in seen_workloads.get(field, set())]
        if missing or field not in seen_workloads:
            raise SpecError(f"{field}.workloads", f"{', '.join(missing) or 'this group'}: no benchmark of "
                            f"rculab-bench matches (for backends {group['backends']})", source)
        for name, values in (group.get("params") or {}).items():
            unmatched = [v for v in values if (name, str(v)) not in kept_values.get(field, set())]
            if unmatched:
                raise SpecError(f"{field}.params.{name}", f"{', '.join(map(str, unmatched))}: no point of this "
                                "group has that value (rculab list --json shows each workload's levels)", source)
    return [points[key] for key in sorted(points)]


def kept_by(params: Dict[str, list], point: dict) -> bool:
    """Whether the point passes the group's `params` filter (a parameter the
    point does not have does not filter it)."""
    return all(str(point["params"][name]) in {str(v) for v in values}
               for name, values in params.items() if name in point["params"])


def shard_of(points: List[dict], shard: Optional[dict]) -> List[dict]:
    """Round-robin over the sorted keys: shard i of N takes keys i-1, i-1+N, ..."""
    if not shard:
        return points
    ordered = sorted(points, key=lambda p: p["key"])
    return ordered[shard["index"] - 1::shard["count"]]


def make_plan(spec: dict, points: List[dict], shard: Optional[dict]) -> dict:
    return {"schema_version": 1, "kind": PLAN_KIND, "spec": spec, "seed": spec["seed"],
            "shard": shard, "points": shard_of(points, shard)}


def estimate_seconds(plan: dict) -> float:
    spec = plan["spec"]
    # interleaved: one process per repetition, each with its own start-up
    processes = spec["repetitions"] if spec.get("interleave") and spec["repetitions"] > 1 else 1
    per_point = spec["repetitions"] * (spec["duration"] + spec["warmup"]) + processes * PER_POINT_OVERHEAD_S
    return len(plan["points"]) * per_point
