"""Shared fixtures: a fake `rculab-core` and a fake `rculab-bench`, each driven by
a JSON spec, and an environment that keeps the CLI away from apt-get and cmake."""
from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

SHIM = REPO_ROOT / "rculab"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# The fake core reads its canned answers from FAKE_CORE_SPEC and appends each argv
# to FAKE_CORE_LOG (one JSON list a line), so tests can check what was forwarded.
FAKE_CORE_SOURCE = textwrap.dedent("""\
    import json, os, signal, sys
    spec = json.load(open(os.environ["FAKE_CORE_SPEC"]))
    with open(os.environ["FAKE_CORE_LOG"], "a") as log:
        log.write(json.dumps(sys.argv[1:]) + "\\n")
    args = sys.argv[1:]
    if args[:1] == ["list"]:
        listing = {"backends": spec["backends"], "liburcu_version": "0.13.2"}
        print(json.dumps(listing) if "--json" in args else "fake text listing")
        sys.exit(0)
    if args[:1] == ["quick"]:
        print(json.dumps([{"backend": "qsbr", "read_ns": 0.5}]))
        sys.exit(0)
    if args[:1] == ["torture"]:
        backend = args[args.index("--backend") + 1] if "--backend" in args else None
        answer = spec["torture"].get(backend)
        if answer is None:
            print(f"rculab-core: unknown backend '{backend}'", file=sys.stderr)
            sys.exit(2)
        if answer.get("crash"):
            os.kill(os.getpid(), signal.SIGSEGV)
        # "fail_if": flags (e.g. {"--readers": "8", "--churn": true}) that make it fail.
        conditions = answer.get("fail_if")
        if conditions and all((flag in args) if value is True else
                              (flag in args and args[args.index(flag) + 1] == value)
                              for flag, value in conditions.items()):
            answer = {"result": dict(answer["result"], **{"pass": False, "freed_seen": 3})}
        print(json.dumps(answer["result"]) if "--json" in args else "text output ... " + ("PASS" if answer["result"]["pass"] else "FAIL"))
        sys.exit(answer.get("exit", 0 if answer["result"]["pass"] else 1))
    print("rculab-core: unknown subcommand", file=sys.stderr)
    sys.exit(2)
""")


# The fake bench logs each call (argv and RCULAB_COMMIT) to FAKE_BENCH_LOG and
# answers from FAKE_BENCH_SPEC: "rows" per backend (GB JSON rows), "behaviour"
# per backend ("*" without --backends): exit (+ stderr), crash, garbage JSON.
FAKE_BENCH_SOURCE = textwrap.dedent("""\
    import json, os, signal, sys
    spec = json.load(open(os.environ["FAKE_BENCH_SPEC"]))
    with open(os.environ["FAKE_BENCH_LOG"], "a") as log:
        log.write(json.dumps({"argv": sys.argv[1:], "commit": os.environ.get("RCULAB_COMMIT")}) + "\\n")
    flags = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
    backend = flags.get("backends")
    how = spec["behaviour"].get(backend or "*", {})
    if how.get("crash"):
        os.kill(os.getpid(), signal.SIGSEGV)
    if "exit" in how:
        print("Running fake\\n" + how.get("stderr", ""), file=sys.stderr)
        sys.exit(how["exit"])
    names = backend.split(",") if backend else list(spec["rows"])
    for name in names:
        if name not in spec["rows"]:
            print(f"rculab-bench: --backends: unknown backend '{name}'", file=sys.stderr)
            sys.exit(2)
    rows = [row for name in names for row in spec["rows"][name]]
    if "benchmark_out" in flags:
        with open(flags["benchmark_out"], "w") as out:
            out.write("{not json" if how.get("garbage") else json.dumps({"context": spec["context"], "benchmarks": rows}))
    print("fake bench console output")
""")


def pass_document():
    """Real rculab-bench JSON of the run's pass (qsbr, rwlock, none, urcu-qsbr)."""
    return json.loads((FIXTURES / "gb_pass.json").read_text())


def bench_rows(name, template=None, **counters):
    """The pass's rows for `name`: its own from the fixture, else a copy of
    `template`'s (default qsbr) renamed; `counters` overrides values in every row."""
    doc = pass_document()
    def owner(row):
        return row["name"].split("/")[1].split(":", 1)[1]
    names = {owner(row) for row in doc["benchmarks"]}
    source = template or (name if name in names else "qsbr")
    rows = [copy.deepcopy(row) for row in doc["benchmarks"] if owner(row) == source]
    for row in rows:
        for field in ("name", "run_name"):
            row[field] = row[field].replace(f"/backend:{source}/", f"/backend:{name}/")
        row.update(counters)
    return rows


def backend(name, safe=True, available=True, unavailable_reason=None):
    listed = {"name": name, "mode": "test", "available": available,
              "traits": {"needs_quiescent_states": False, "readers_block_updaters": False,
                         "safe_for_updates": safe, "ours": True, "reference": False}}
    if unavailable_reason is not None:
        listed["unavailable_reason"] = unavailable_reason
    return listed


def torture_result(name, passed=True, reads=1000, updates=50, sync_calls=40,
                   grace_periods=20, freed_seen=0, max_age=3):
    return {"result": {"backend": name, "pass": passed, "seconds": 2.0, "readers": 4,
                       "reads": reads, "updates": updates, "sync_calls": sync_calls,
                       "grace_periods": grace_periods, "freed_seen": freed_seen,
                       "max_age": max_age, "age_histogram": [1, 2, 3]}}


def write_fake_program(path: Path, source: str) -> Path:
    """An executable Python script at `path`, run by this interpreter."""
    path.write_text(f"#!{sys.executable}\n" + source)
    path.chmod(0o755)
    return path


class FakeProgram:
    """An executable Python script at directory/name, driven by a JSON spec file
    and logging to an (empty) log file."""

    def __init__(self, directory: Path, name: str, source: str, spec_name: str, log_name: str):
        self.path = write_fake_program(directory / name, source)
        self.spec_path = directory / spec_name
        self.log_path = directory / log_name
        self.log_path.write_text("")


class FakeBench(FakeProgram):
    def __init__(self, directory: Path):
        super().__init__(directory, "rculab-bench", FAKE_BENCH_SOURCE, "bench-spec.json", "bench-calls.log")
        self.set(rows={})

    def set(self, rows, behaviour=None):
        """rows: backend -> GB JSON rows; behaviour: backend (or "*") -> dict."""
        self.spec_path.write_text(json.dumps({"rows": rows, "behaviour": behaviour or {},
                                              "context": pass_document()["context"]}))

    def calls(self):
        return [json.loads(line)["argv"] for line in self.log_path.read_text().splitlines()]

    def commits(self):
        return [json.loads(line)["commit"] for line in self.log_path.read_text().splitlines()]


class FakeCore(FakeProgram):
    def __init__(self, directory: Path):
        super().__init__(directory, "rculab-core", FAKE_CORE_SOURCE, "spec.json", "calls.log")
        self.bench = FakeBench(directory)
        self.set(backends=[], torture={})

    def set(self, backends, torture, bench_rows_by_backend=None, bench_behaviour=None):
        """Also gives the fake bench rows for every listed backend unless told."""
        self.spec_path.write_text(json.dumps({"backends": backends, "torture": torture}))
        if bench_rows_by_backend is None:
            bench_rows_by_backend = {b["name"]: bench_rows(b["name"]) for b in backends}
        self.bench.set(bench_rows_by_backend, bench_behaviour)

    def calls(self):
        return [json.loads(line) for line in self.log_path.read_text().splitlines()]


@pytest.fixture
def fake_core(tmp_path, monkeypatch):
    """A fake core and bench plugged in through RCULAB_CORE / RCULAB_BENCH, with
    set-up switched off."""
    core = FakeCore(tmp_path)
    monkeypatch.setenv("RCULAB_CORE", str(core.path))
    monkeypatch.setenv("RCULAB_BENCH", str(core.bench.path))
    monkeypatch.setenv("RCULAB_SKIP_SETUP", "1")
    monkeypatch.setenv("FAKE_CORE_SPEC", str(core.spec_path))
    monkeypatch.setenv("FAKE_CORE_LOG", str(core.log_path))
    monkeypatch.setenv("FAKE_BENCH_SPEC", str(core.bench.spec_path))
    monkeypatch.setenv("FAKE_BENCH_LOG", str(core.bench.log_path))
    return core


@pytest.fixture
def run_sweep_bench(fake_core, tmp_path, monkeypatch):
    """For `rculab run`: fake_core answers list/torture, and this fake bench
    (tests/python/sweep_support.py), which knows every backend name, answers
    the quick sweep; results and profiles go to tmp_path."""
    from sweep_support import FakeSweepBench
    (tmp_path / "sweep").mkdir()
    bench = FakeSweepBench(tmp_path / "sweep")
    bench.set(backends=("qsbr", "mb", "memb", "signal", "rwlock", "ptmutex", "none", "urcu-qsbr",
                        "urcu-mb", "urcu-memb", "urcu-signal", "urcu-bp", "ghost"))
    bench.results = tmp_path / "results"
    monkeypatch.setenv("RCULAB_BENCH", str(bench.path))
    monkeypatch.setenv("RCULAB_RESULTS", str(bench.results))
    monkeypatch.setenv("RCULAB_HW_PROFILES", str(tmp_path / "hw-profiles"))
    monkeypatch.setenv("FAKE_SWEEP_SPEC", str(bench.spec_path))
    monkeypatch.setenv("FAKE_SWEEP_LOG", str(bench.log_path))
    # The fake lists two workloads; the real quick preset names all of them
    # (tests/python/test_presets.py holds it to the catalogue and the binary).
    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "quick.toml").write_text('name = "quick"\nrepetitions = 1\nduration = 0.2\nwarmup = 0.05\n'
                                        '[[group]]\nworkloads = "all"\nreaders = [1]\nupdaters = [1]\n')
    from lab.spec import parse
    monkeypatch.setattr(parse, "PRESETS_DIR", presets)
    return bench


@pytest.fixture
def fake_bench(fake_core):
    return fake_core.bench


def run_shim(*args, cwd=None, env=None):
    """Run ./rculab as a user would, from any directory."""
    return subprocess.run([str(SHIM), *args], cwd=cwd or "/", env=env or os.environ.copy(),
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)


def run_cli(argv, capture):
    """Run the CLI in-process; return (exit status, stdout, stderr). `capture` is
    capsys, or capfd where a child process writes to the terminal directly."""
    from lab import cli
    try:
        status = cli.main(list(argv))
    except SystemExit as exit_:
        status = exit_.code
    captured = capture.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def sweep_env(tmp_path, monkeypatch):
    """A fake rculab-bench for sweeps (tests/python/sweep_support.py), results
    and hw-profiles roots in tmp_path, set-up skipped, and the host taken as
    quiet (a loaded test machine would otherwise re-run noisy points)."""
    from lab.runner import hoststate
    from sweep_support import FakeSweepBench
    monkeypatch.setattr(hoststate, "noise_reasons", lambda other_share, steal: [])
    monkeypatch.setenv("RCULAB_NOISY_RERUNS", "0")  # and in the sweeps it starts as processes
    bench = FakeSweepBench(tmp_path)
    bench.results = tmp_path / "results"
    monkeypatch.setenv("RCULAB_BENCH", str(bench.path))
    monkeypatch.setenv("RCULAB_SKIP_SETUP", "1")
    monkeypatch.setenv("RCULAB_RESULTS", str(bench.results))
    monkeypatch.setenv("RCULAB_HW_PROFILES", str(tmp_path / "hw-profiles"))
    monkeypatch.setenv("FAKE_SWEEP_SPEC", str(bench.spec_path))
    monkeypatch.setenv("FAKE_SWEEP_LOG", str(bench.log_path))
    return bench
