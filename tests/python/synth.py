"""Synthetic result sets that follow lab/RECORDS.md (version 1), for tests and
timing: every workload of rculab-bench with counters shaped like the real ones
(read costs and grace-period latencies from the DESIGN/README measurements,
rwlock's lock-word bouncing, oversubscription past the PUs, call_rcu backlogs),
deterministic from a seed. Chosen points are bimodal (some repetitions ran a
thread on another PU: slower, and the label says where) or failed."""
from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

import numpy as np

from lab.analysis import histogram

ALL_BACKENDS = ("qsbr", "mb", "memb", "signal", "rwlock", "ptmutex", "none",
                "urcu-qsbr", "urcu-mb", "urcu-memb", "urcu-signal", "urcu-bp")
WORKLOADS = ("read_cost", "read_scalability", "cs_length", "update_rate", "gp_latency", "call_rcu")
# One uncontended read-side section, ns (DESIGN.md, 16-PU Xeon).
READ_NS = {"none": 0.71, "qsbr": 0.65, "urcu-qsbr": 1.12, "memb": 1.46, "urcu-memb": 4.24, "urcu-memb-percpu": 4.0,
           "signal": 1.34, "urcu-signal": 3.31, "mb": 11.4, "urcu-mb": 63.9, "ptmutex": 25.5,
           "rwlock": 26.0, "urcu-bp": 3.6}
# synchronize with one reader running, ns (README quick table).
SYNC_NS = {"qsbr": 100, "mb": 100, "memb": 700, "signal": 40_000, "rwlock": 100, "ptmutex": 100,
           "urcu-qsbr": 200, "urcu-mb": 200, "urcu-memb": 800, "urcu-memb-percpu": 750, "urcu-signal": 2_311_000,
           "urcu-bp": 1_100}
NO_GP_COUNT = {"urcu-mb", "urcu-memb", "urcu-memb-percpu", "urcu-signal", "urcu-bp"}  # grace_periods = -1
WRAPPED = float(2 ** 64 - 5)  # an unsigned difference that went below zero: the reader fails the point
# call_rcu workers per backend (helper<i>_cpu_ns): ours and urcu-memb-percpu run two, liburcu's flavors one.
CALL_RCU_WORKERS = {"urcu-qsbr": 1, "urcu-mb": 1, "urcu-memb": 1, "urcu-signal": 1, "urcu-bp": 1}
CS_NS = (0, 10, 100, 1000, 10000)
DELAYS_NS = (0, 1000, 100000)
BATCHES = (1, 64)
INTERVALS_NS = (0, 10000)
WALL_NS = 200_000_000
BACKLOG_CAP = 1 << 20


def benchmark_name(workload: str, backend: str, params: Sequence) -> str:
    return "/".join([workload, f"backend:{backend}"] + [f"{k}:{v}" for k, v in params])


def key_of(benchmark: str) -> str:
    return benchmark.replace("/", ".").replace(":", "=")


def grid(backends: Sequence[str], workloads: Sequence[str], readers: Sequence[int],
         updaters: Sequence[int], placement: str) -> List[tuple]:
    """(workload, backend, ordered params) for every point, in registration order."""
    points = []
    for b in backends:
        updates_ok = b != "none"  # none refuses synchronize
        for r in readers:
            if "read_cost" in workloads:
                points.append(("read_cost", b, (("readers", r), ("placement", placement))))
            if "read_scalability" in workloads:
                for u, reclaim in ((0, "none"), (1, "sync"), (1, "call")):
                    if u == 0 or updates_ok:
                        points.append(("read_scalability", b, (("readers", r), ("updaters", u),
                                                               ("reclaim", reclaim), ("placement", placement))))
            if "cs_length" in workloads:
                for cs in CS_NS:
                    points.append(("cs_length", b, (("readers", r), ("cs_ns", cs), ("placement", placement))))
            if "update_rate" in workloads and updates_ok:
                for batch in BATCHES:
                    for delay in DELAYS_NS:
                        points.append(("update_rate", b, (("readers", r), ("updaters", 1), ("delay_ns", delay),
                                                          ("batch", batch), ("placement", placement))))
            if "gp_latency" in workloads and updates_ok:
                for u in updaters:
                    points.append(("gp_latency", b, (("readers", r), ("updaters", u), ("placement", placement))))
        if "call_rcu" in workloads and updates_ok:
            for interval in INTERVALS_NS:
                for u in updaters:
                    points.append(("call_rcu", b, (("readers", 1), ("updaters", u), ("interval_ns", interval),
                                                   ("placement", placement))))
    return points


class Model:
    """Counters of one repetition from the backend, the parameters and the host's PUs."""

    def __init__(self, rng: np.random.Generator, pus: int, samples: int):
        self.rng, self.pus, self.samples = rng, pus, samples

    def noise(self, sigma: float = 0.02) -> float:
        return float(self.rng.lognormal(0.0, sigma))

    def read_ns(self, backend: str, readers: int, cs_ns: float = 0.0) -> float:
        """Wall time of one section on one thread with `readers` running together."""
        base = READ_NS[backend]
        if backend == "rwlock":  # the lock word bounces between readers; longer sections collide less
            base *= min(readers, self.pus) ** 1.5 / (1 + cs_ns / 500)
        elif backend == "ptmutex":
            base *= 1 + 0.02 * readers
        return cs_ns + max(base, 0.05)

    def sync_ns(self, backend: str, readers: int, updaters: int) -> float:
        return SYNC_NS[backend] * (1 + 0.3 * min(readers, self.pus)) * (1 + 0.15 * (updaters - 1))

    def latencies(self, median_ns: float, count: int):
        """Histogram of `count` latencies around median_ns with a tail."""
        count = max(1, min(count, self.samples))
        body = self.rng.lognormal(math.log(median_ns), 0.25, count)
        tail = self.rng.random(count) < 0.02
        body[tail] *= self.rng.uniform(3, 20, int(tail.sum()))
        values = np.maximum(body, 1).astype(np.int64)
        idx = np.unique(np.fromiter((histogram.index_of(int(v)) for v in values), np.int64, len(values)),
                        return_counts=True)
        counts = {str(int(i)): int(n) for i, n in zip(*idx)}
        return counts, int(values.max()), len(values)

    def base(self, readers: int, updaters: int) -> Dict[str, float]:
        wall = WALL_NS * (1 + self.rng.normal(0, 1e-4))
        share = min(1.0, self.pus / max(1, readers + updaters))
        return {"wall_ns": round(wall), "reader_threads": readers, "reader_ops": 0,
                "reader_cpu_ns": round(wall * readers * share), "updater_threads": updaters,
                "updater_ops": 0, "updater_cpu_ns": round(wall * updaters * share), "helper_cpu_ns": 0,
                "lat_samples": 0, "lat_p50_ns": 0, "lat_p90_ns": 0, "lat_p99_ns": 0, "lat_max_ns": 0,
                "sync_calls": 0, "grace_periods": 0, "cb_queued": 0, "cb_pending_peak": 0,
                "unreclaimed_final": 0, "violations": 0, "bind_failures": 0, "migrated_threads": 0}

    def reader_ops(self, c: dict, backend: str, readers: int, cs_ns: float = 0.0, slowdown: float = 1.0) -> None:
        running = min(readers, self.pus)  # past the PUs the threads share them
        c["reader_ops"] = round(c["wall_ns"] * running / (self.read_ns(backend, readers, cs_ns) * slowdown)
                                * self.noise())

    def add_latency(self, c: dict, rep: dict, median_ns: float, count: int) -> None:
        counts, max_ns, n = self.latencies(median_ns, count)
        ints = {int(k): v for k, v in counts.items()}
        c.update(lat_samples=n, lat_p50_ns=histogram.percentile(ints, 0.5, max_ns),
                 lat_p90_ns=histogram.percentile(ints, 0.9, max_ns),
                 lat_p99_ns=histogram.percentile(ints, 0.99, max_ns), lat_max_ns=max_ns)
        rep["latency_histogram"] = {"counts": counts, "max_ns": max_ns}

    def add_workers(self, c: dict, backend: str) -> None:
        """The backend's call_rcu workers' counters (RECORDS.md helper<i>_*)."""
        workers = CALL_RCU_WORKERS.get(backend, 2)
        for i in range(workers):
            c[f"helper{i}_cpu_ns"] = round(c["helper_cpu_ns"] / workers)
            c[f"helper{i}_pu"] = c[f"helper{i}_ran_on_pu"] = -1

    def gp_counters(self, c: dict, backend: str, syncs: int, updaters: int) -> None:
        c["sync_calls"] = syncs
        c["grace_periods"] = -1 if backend in NO_GP_COUNT else max(1, round(syncs / (1 + 0.6 * (updaters - 1))))

    def repetition(self, workload: str, backend: str, p: dict, slowdown: float) -> dict:
        readers, updaters = p.get("readers", 1), p.get("updaters", 0)
        c = self.base(readers, updaters)
        rep = {"counters": c}
        wall = c["wall_ns"]
        if workload == "read_cost":
            self.reader_ops(c, backend, readers, slowdown=slowdown)
            c["loop_calib_ops"] = round(wall / 0.3 * self.noise(0.01))
            c["loop_calib_ns"] = wall
        elif workload == "cs_length":
            self.reader_ops(c, backend, readers, p["cs_ns"], slowdown)
            c["cs_ns"], c["cs_spins"] = p["cs_ns"], round(p["cs_ns"] * 2.9)
        elif workload == "read_scalability":
            interference = 1.0 if updaters == 0 else (1.3 if backend in ("rwlock", "ptmutex") else 1.03)
            self.reader_ops(c, backend, readers, slowdown=slowdown * interference)
            if updaters:
                updates = round(wall / (self.sync_ns(backend, readers, 1) + 300) * self.noise())
                c["updater_ops"] = updates
                if p["reclaim"] == "call":
                    c["cb_queued"] = updates
                    c["unreclaimed_final"] = round(self.rng.uniform(10, 200))
                    c["helper_cpu_ns"] = round(wall * 0.05)
                    self.add_workers(c, backend)
                else:
                    self.gp_counters(c, backend, updates, 1)
        elif workload == "update_rate":
            sync = self.sync_ns(backend, readers, 1)
            per_update = p["delay_ns"] + sync / p["batch"] + 80
            updates = round(wall / per_update * self.noise())
            c["updater_ops"] = updates
            k = {"rwlock": 2e-6, "ptmutex": 1e-6, "mb": 2e-7}.get(backend, 5e-8)
            self.reader_ops(c, backend, readers, slowdown=slowdown * (1 + updates / wall * 1e9 * k))
            self.gp_counters(c, backend, max(1, updates // p["batch"]), 1)
            self.add_latency(c, rep, sync * slowdown, updates // p["batch"])
            c["delay_ns"], c["batch"] = p["delay_ns"], p["batch"]
        elif workload == "gp_latency":
            self.reader_ops(c, backend, readers)
            sync = self.sync_ns(backend, readers, updaters) * slowdown
            syncs = round(wall * updaters / sync)
            c["updater_ops"] = syncs
            self.gp_counters(c, backend, syncs, updaters)
            self.add_latency(c, rep, sync, syncs)
        elif workload == "call_rcu":
            self.reader_ops(c, backend, 1)
            gp = self.sync_ns(backend, 1, 1) * (1.5 if backend.startswith("urcu") else 1.0)
            interval = p["interval_ns"]
            if interval:
                rate = updaters * 1e9 / interval
                latency = (gp * 3 + 20_000) * slowdown
                backlog = rate * latency / 1e9
            else:
                capacity = (8e6 if not backend.startswith("urcu") else 4e6) / slowdown
                rate = min(capacity, 12e6 * updaters ** 0.7)
                backlog = min(BACKLOG_CAP, (12e6 * updaters ** 0.7 - rate) * 0.05 + rate * gp / 1e9 + 64)
                latency = gp * 2 + backlog / rate * 1e9
            invoked = round(rate * wall / 1e9 * self.noise())
            c["updater_ops"] = c["cb_queued"] = invoked + round(backlog)
            c["cb_invoked_window"] = invoked
            # The harness throttles the updaters at the cap.
            c["cb_backlog_peak"] = min(BACKLOG_CAP, round(backlog * self.noise(0.05)))
            c["cb_pending_peak"] = -1 if backend.startswith("urcu") else c["cb_backlog_peak"]
            c["barrier_ns"] = round(gp * 2 * self.noise(0.1))
            c["throttled"] = round(invoked * 0.01) if backlog >= BACKLOG_CAP else 0
            c["interval_ns"] = interval
            c["helper_cpu_ns"] = round(wall * min(1.0, rate / 8e6))
            self.add_workers(c, backend)
            c["unreclaimed_final"] = round(backlog)
            self.add_latency(c, rep, latency, invoked)
            if not interval:  # the sampled backlog: ramps up to its level, then noise
                rep["series"] = {"backlog": {"period_ns": 1_000_000, "values": [
                    round(backlog * min(1.0, k / 20) * self.noise(0.05)) for k in range(wall // 1_000_000)]}}
        return rep


def label(readers: int, updaters: int, pus: int, moved: Optional[int]) -> str:
    """Placement label: role, index, requested PU > PU it ran on (compact)."""
    parts, pu = [], 0
    for role, count in (("reader", readers), ("updater", updaters)):
        for i in range(count):
            ran = moved if (moved is not None and pu == 0) else pu % pus
            parts.append(f"{role}{i}:{pu % pus}>{ran}")
            pu += 1
    return " ".join(parts)


CONTEXT = {"host_name": "synth", "executable": "build/release/rculab-bench", "library_build_type": "release",
           "rculab_commit": "5fb965e0a1b2", "compiler": "12.2.0", "cxx_flags": "-O2 -march=x86-64-v2",
           "liburcu_version": "0.13.2", "hwloc_version": "2.9.0", "benchmark_version": "1.7.1",
           "full_fence": "lock or", "membarrier_mode": "private_expedited", "signal_backend": "SIGUSR2",
           "lab_measure_seconds": "0.200000", "lab_warmup_seconds": "0.050000"}


def write_set(root: Path, profile_id: str = "x86-64-synth-8pu-00000001", set_id: str = "20261123T101500Z-synth",
              seed: int = 1, backends: Sequence[str] = ALL_BACKENDS, workloads: Sequence[str] = WORKLOADS,
              readers: Sequence[int] = (1, 2, 4, 8, 16), updaters: Sequence[int] = (1, 2, 4, 8),
              repetitions: int = 9, pus: int = 8, placement: str = "compact",
              bimodal: Iterable[str] = (), failed: Iterable[str] = (), limit: Optional[int] = None,
              samples: int = 400, commit: str = "5fb965e0a1b2", starved: Iterable[str] = (),
              implausible: Iterable[str] = (), spec: Optional[dict] = None) -> Path:
    """Write results/<profile>/<set>/ under `root`; returns the set's folder.
    `bimodal` / `failed`: point keys to make bimodal / failed (crashed);
    `starved`: failed as the runner fails a point whose updaters completed
    nothing; `implausible`: recorded ok with a counter at 2^64 - 5, which the
    reader turns into a failed point; `limit` keeps that many points (a
    seeded sample) of the grid; `spec`: fields that replace or join the
    manifest's spec (name, duration, ...)."""
    rng = np.random.default_rng(seed)
    model = Model(rng, pus, samples)
    entries = []
    for workload, backend, params in grid(backends, workloads, readers, updaters, placement):
        bench = benchmark_name(workload, backend, params)
        entries.append({"key": key_of(bench), "benchmark": bench, "workload": workload, "backend": backend,
                        "params": dict(params), "bench_args": [f"--readers={dict(params).get('readers', 1)}",
                                                               f"--benchmark_repetitions={repetitions}"]})
    if limit is not None and limit < len(entries):
        # The same grid and limit give the same points whatever the seed, so two sets pair up.
        keep = sorted(np.random.default_rng(0).choice(len(entries), size=limit, replace=False).tolist())
        entries = [entries[i] for i in keep]
    entries.sort(key=lambda e: e["key"])
    folder = Path(root) / profile_id / set_id
    (folder / "points").mkdir(parents=True)
    bimodal, failed = set(bimodal), set(failed)
    context = dict(CONTEXT, rculab_commit=commit, num_cpus=pus, topology_pus=str(pus),
                   topology_cores=str(pus), topology_packages="1")
    order = [entries[i]["key"] for i in rng.permutation(len(entries))]
    by_key = {e["key"]: e for e in entries}
    starved, implausible = set(starved), set(implausible)
    for position, key in enumerate(order):
        point = by_key[key]
        write_point(folder, point, model, repetitions, pus, context, profile_id, set_id, position,
                    bimodal=point["key"] in bimodal, failed=point["key"] in failed)
        if key in starved or key in implausible:
            spoil(folder / "points" / f"{key}.json", "starved" if key in starved else "implausible")
    manifest = {"schema_version": 1, "kind": "rculab.set", "set_id": set_id, "profile_id": profile_id,
                "created_utc": "2026-11-23T10:15:00Z",
                "spec": {"name": "synth", "backends": list(backends), "workloads": list(workloads),
                         "readers": list(readers), "updaters": list(updaters), "repetitions": repetitions,
                         **(spec or {})},
                "seed": seed, "shard": None, "points": entries, "order": order,
                "tool": {"rculab_commit": commit, "bench_binary": "build/release/rculab-bench"}}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return folder


def write_point(folder: Path, point: dict, model: Model, repetitions: int, pus: int, context: dict,
                profile_id: str, set_id: str, position: int, bimodal: bool, failed: bool) -> None:
    params = point["params"]
    readers, updaters = params.get("readers", 1), params.get("updaters", 0)
    reps = []
    for index in range(repetitions):
        # A bimodal point: every third repetition ran reader0 on a far PU, 35% slower.
        moved = bimodal and index % 3 == 1
        rep = model.repetition(point["workload"], point["backend"], params, 1.35 if moved else 1.0)
        rep["index"] = index
        rep["label"] = label(readers, updaters, pus, (pus - 1) if moved else None)
        if moved:
            rep["counters"]["migrated_threads"] = 0  # pinned, just far away
        reps.append(rep)
    error = None
    if failed:
        reps = reps[:2]  # what it produced before the crash
        error = {"reason": "crash", "message": "rculab-bench was killed by SIGSEGV", "exit_status": -11,
                 "stderr_tail": "Segmentation fault"}
    record = {"schema_version": 1, "kind": "rculab.point", "set_id": set_id, "profile_id": profile_id,
              "point": point, "status": "failed" if failed else "ok", "error": error, "repetitions": reps,
              "context": context,
              "host_state": {"loadavg_before": [0.1, 0.1, 0.1], "loadavg_after": [0.9, 0.4, 0.2],
                             "governor": None, "other_cpu_share": 0.01},
              "timing": {"started_utc": "2026-11-23T10:15:02Z", "finished_utc": "2026-11-23T10:15:04Z",
                         "elapsed_s": 1.9},
              "run": {"order_index": position, "attempt": 1, "runner": "synth"}}
    (folder / "points" / f"{point['key']}.json").write_text(json.dumps(record) + "\n")


def spoil(path: Path, how: str) -> None:
    """Turn a written ok record into one the charts must show as failed:
    `starved` (the runner's verdict, every repetition kept) or `implausible`
    (left ok, a counter wrapped: the reader's verdict)."""
    record = json.loads(path.read_text())
    for rep in record["repetitions"]:
        if how == "starved":
            rep["counters"]["updaters_starved"] = 1
        else:
            rep["counters"]["reader_ops"] = WRAPPED
    if how == "starved":
        record["status"] = "failed"
        record["error"] = {"reason": "starved", "message": "the updaters completed nothing in "
                           f"{len(record['repetitions'])} of {len(record['repetitions'])} repetitions"}
    path.write_text(json.dumps(record) + "\n")


def write_profile(profiles_root: Path, profile_id: str, pus: int = 8) -> Path:
    """A minimal hw-profiles/<id>/profile.json for the report."""
    folder = Path(profiles_root) / profile_id
    folder.mkdir(parents=True, exist_ok=True)
    doc = {"schema_version": 1, "kind": "rculab.profile", "profile_id": profile_id,
           "cpu": {"model": "Synthetic Xeon", "pus": pus, "cores": pus, "packages": 1},
           "kernel": "6.1.0", "memory_gib": 16}
    (folder / "profile.json").write_text(json.dumps(doc, indent=1) + "\n")
    return folder / "profile.json"


# ---- the documents' workloads, from the real catalogue --------------------------

# What any family of the documents' workloads reads (analysis/metrics.py and
# plots/ref_call_rcu.py), per thread or per window of WALL_NS.
DOCUMENT_COUNTERS = {"exits": 2_000, "io_completed_window": 50_000, "io_attempted": 60_000, "io_cancelled": 1_000,
                     "pending_byte_ns": 1e15, "bytes_copied": 5e6, "long_ops": 1e5, "pending_bytes_peak": 1e6,
                     "scans": 100, "scan_ns_sum": 1e8, "dead_ns": 1e6, "close_gps": 3_000, "closes_ok": 1_000,
                     "cb_invoked_window": 1e5, "cb_backlog_peak": 100, "barrier_ns": 1e4,
                     "hold_samples": 100, "hold_p50_ns": 2_000}


def parse_listed(name: str):
    """(workload, backend, ordered params) of a `--benchmark_list_tests` line."""
    parts = name.split("/iterations:")[0].split("/")
    pairs = [part.split(":", 1) for part in parts[1:]]
    backend = dict(pairs)["backend"]
    params = [(k, int(v) if v.isdigit() else v) for k, v in pairs if k != "backend"]
    return parts[0], backend, params


def catalogue_names(backends: Sequence[str], readers: Sequence[int] = (1, 2), updaters: Sequence[int] = (1,),
                    skip: Sequence[str] = WORKLOADS, workloads: Optional[dict] = None) -> List[str]:
    """Benchmark names of the catalogue's workloads (but `skip`), as
    `--benchmark_list_tests --readers=.. --updaters=..` spells them, without
    a build: updaters as given, readers too where the descriptor fixes
    none, other parameters over their levels, `always` levels added, the variants, compact
    placement; no `none` backend where the workload needs updates.
    `workloads`: name -> descriptor (catalogue.parse), else the committed catalogue."""
    from lab.records import catalogue
    names = []
    for workload in sorted((workloads or catalogue.workloads()).values(), key=lambda w: w.name):
        if workload.name in skip:
            continue
        choices = []
        for p in workload.params:
            if p.key == "placement":
                levels = ["compact"]
            elif p.key == workload.variant_key:
                levels = [v.name for v in workload.variants]
            else:
                levels = list(updaters if p.key == "updaters" else p.levels or (readers if p.key == "readers" else ()))
                levels += [v for v in p.always if v not in levels]
            choices.append([(p.key, v) for v in levels])
        for backend in (b for b in backends if b != "none" or not workload.needs_updates):
            for combo in itertools.product(*choices):
                names.append(benchmark_name(workload.name, backend, combo))
    return names


def document_repetition(rng, index: int, params: dict) -> dict:
    readers, updaters = int(params.get("readers", 1)), int(params.get("updaters", 0))
    noise = rng.uniform(0.95, 1.05)
    counters = dict(DOCUMENT_COUNTERS, wall_ns=WALL_NS, reader_threads=readers, updater_threads=updaters,
                    reader_ops=round(2e7 * readers * noise), updater_ops=round(1e4 * max(updaters, 1) * noise),
                    lat_samples=400, lat_p50_ns=round(5_000 * noise), lat_p90_ns=15_000, lat_p99_ns=30_000,
                    lat_max_ns=90_000, sync_calls=1_000, grace_periods=900, cb_queued=1e5, cb_pending_peak=100,
                    unreclaimed_final=0, violations=0, bind_failures=0, migrated_threads=0)
    return {"index": index, "label": "", "counters": counters}


def write_listed_set(root: Path, names: Sequence[str], repetitions: int = 3, seed: int = 2,
                     profile_id: str = "x86-64-synth-8pu-00000001",
                     set_id: str = "20261123T101600Z-documents", starved: Iterable[str] = (),
                     implausible: Iterable[str] = ()) -> Path:
    """A set with a point per listed benchmark (the real catalogue's names and
    parameters), every counter the documents' chart families read filled in;
    `starved` / `implausible`: benchmark names to spoil as write_set does."""
    rng = np.random.default_rng(seed)
    folder = Path(root) / profile_id / set_id
    (folder / "points").mkdir(parents=True)
    entries = []
    starved, implausible = set(starved), set(implausible)
    for name in names:
        workload, backend, params = parse_listed(name)
        bench = benchmark_name(workload, backend, params)
        point = {"key": key_of(bench), "benchmark": bench, "workload": workload, "backend": backend,
                 "params": dict(params), "bench_args": []}
        entries.append(point)
        reps = [document_repetition(rng, i, point["params"]) for i in range(repetitions)]
        record = {"schema_version": 1, "kind": "rculab.point", "set_id": set_id, "profile_id": profile_id,
                  "point": point, "status": "ok", "error": None, "repetitions": reps, "context": dict(CONTEXT)}
        (folder / "points" / f"{point['key']}.json").write_text(json.dumps(record) + "\n")
        if name in starved or name in implausible:
            spoil(folder / "points" / f"{point['key']}.json", "starved" if name in starved else "implausible")
    manifest = {"schema_version": 1, "kind": "rculab.set", "set_id": set_id, "profile_id": profile_id,
                "created_utc": "2026-11-23T10:16:00Z", "spec": {"name": "documents"}, "seed": seed, "shard": None,
                "points": entries, "order": [e["key"] for e in entries], "tool": {}}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return folder
