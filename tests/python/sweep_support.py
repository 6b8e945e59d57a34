"""A fake rculab-bench for sweep tests: it lists and runs two workloads the way
the real one names them, logs every run, and misbehaves on request per
benchmark (crash, exit, violations, error row, no rows, garbage, hang,
jittery throughput, or counters of its choosing)."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

from conftest import FakeProgram

FAKE_SOURCE = textwrap.dedent("""\
    import json, os, random, re, signal, sys, time
    spec = json.load(open(os.environ["FAKE_SWEEP_SPEC"]))
    flags = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
    known = spec["backends"]
    backends = flags["backends"].split(",") if "backends" in flags else known
    for b in backends:
        if b not in known:
            print(f"rculab-bench: --backends: unknown backend '{b}' (one of: {','.join(known)})", file=sys.stderr)
            sys.exit(2)
    placement = flags.get("placement", "compact")
    if placement not in ("compact", "scatter"):
        print(f"rculab-bench: --placement: expected compact|scatter|cores|smt, got '{placement}'", file=sys.stderr)
        sys.exit(2)
    worker_placement = flags.get("worker_placement", "free")
    if worker_placement not in ("free", "compact", "scatter", "cores", "smt"):
        print(f"rculab-bench: --worker_placement: expected free|compact|scatter|cores|smt, got '{worker_placement}'",
              file=sys.stderr)
        sys.exit(2)
    readers = [int(x) for x in flags.get("readers", "1").split(",")]
    updaters = [int(x) for x in flags.get("updaters", "1").split(",")]
    names = []
    for b in backends:
        names += [f"read_cost/backend:{b}/readers:{r}/placement:{placement}" for r in readers]
        if b != "none":
            names += [f"gp_latency/backend:{b}/readers:{readers[-1]}/updaters:{u}/placement:{placement}" for u in updaters]
    names = [n + "/iterations:1/manual_time" for n in names]
    if "benchmark_filter" in flags:
        names = [n for n in names if re.search(flags["benchmark_filter"], n)]
    if "--benchmark_list_tests" in sys.argv:
        print("\\n".join(names))
        sys.exit(0)
    with open(os.environ["FAKE_SWEEP_LOG"], "a") as log:
        log.write(json.dumps({"argv": sys.argv[1:], "names": names, "commit": os.environ.get("RCULAB_COMMIT")}) + "\\n")
    time.sleep(spec.get("sleep", 0))
    how = {}
    for n in names:
        how.update(spec["behaviour"].get(n.rsplit("/iterations:", 1)[0], {}))
    if how.get("hang"):
        time.sleep(60)
    if how.get("crash"):
        os.kill(os.getpid(), signal.SIGSEGV)
    if "exit" in how:
        print("rculab-bench: error: " + how.get("stderr", "fake failure"), file=sys.stderr)
        sys.exit(how["exit"])
    rows = []
    for n in names:
        for rep in range(int(flags.get("benchmark_repetitions", "1"))):
            row = {"name": n, "run_name": n, "run_type": "iteration", "repetitions": 1, "repetition_index": rep,
                   "threads": 1, "iterations": 1, "real_time": 1.0, "cpu_time": 1.0, "time_unit": "ms",
                   "wall_ns": 1e7 + rep, "reader_ops": 1000.0 * (rep + 1), "reader_threads": 1.0,
                   "violations": float(how.get("violations", 0)), "lat_samples": 0.0, "lat_max_ns": 0.0,
                   "updaters_starved": float(how.get("starved", 0)),
                   "label": "reader0:0>0"}
            if n.startswith("gp_latency"):
                row.update({"lat_samples": 5.0, "lat_max_ns": 900.0, "lat_h37": 2.0, "lat_h40": 3.0})
            row.update(how.get("counters", {}))
            if how.get("jitter"):  # a host that never settles: each run's throughput differs
                row["reader_ops"] *= 1 + how["jitter"] * random.random()
            if how.get("error_row"):
                row.update({"error_occurred": True, "error_message": "fake error row"})
            rows.append(row)
    if how.get("no_rows"):
        rows = []
    rows.append({"name": names[0] + "_median", "run_type": "aggregate", "aggregate_name": "median",
                 "wall_ns": 1.0} if names else {})
    rows = [r for r in rows if r]
    with open(flags["benchmark_out"], "w") as out:
        out.write("{not json" if how.get("garbage") else
                  json.dumps({"context": {"rculab_commit": os.environ.get("RCULAB_COMMIT", "x"), "fake": "yes"},
                              "benchmarks": rows}))
""")


class FakeSweepBench(FakeProgram):
    def __init__(self, directory: Path):
        super().__init__(directory, "rculab-bench", FAKE_SOURCE, "sweep-bench-spec.json", "sweep-bench.log")
        self.set()

    def set(self, behaviour=None, sleep=0.0, backends=("qsbr", "mb", "none")):
        """behaviour: benchmark name (without GB's suffix) -> {"crash": true, ...}."""
        self.spec_path.write_text(json.dumps({"behaviour": behaviour or {}, "sleep": sleep,
                                              "backends": list(backends)}))

    def runs(self):
        """The benchmark each run process ran (GB suffix stripped), in order."""
        lines = self.log_path.read_text().splitlines()
        return [name.rsplit("/iterations:", 1)[0] for line in lines for name in json.loads(line)["names"]]


def write_spec(directory: Path, text: str, name: str = "spec.toml") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text))
    return path


# One process per point (interleave = false): most sweep tests count and order
# processes; test_sweep_passes.py runs the interleaved passes.
SMALL_SPEC = """\
    name = "small"
    seed = 7
    repetitions = 2
    interleave = false
    duration = 0.01
    warmup = 0
    [[group]]
    workloads = ["read_cost", "gp_latency"]
    backends = ["qsbr", "mb"]
    readers = [1, 2]
    updaters = [1, 2]
    """


def sets_of(results: Path):
    return sorted(d for d in results.glob("*/*") if (d / "manifest.json").exists())


def only_set(results: Path) -> Path:
    found = sets_of(results)
    assert len(found) == 1, found
    return found[0]


def manifest_of(set_dir: Path) -> dict:
    return json.loads((set_dir / "manifest.json").read_text())


def records_of(set_dir: Path) -> dict:
    return {p.name[:-5]: json.loads(p.read_text()) for p in (set_dir / "points").glob("*.json")}

