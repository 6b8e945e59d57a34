"""Shared fixtures: a fake `rculab-core` driven by a JSON spec, and an environment
that keeps the CLI away from apt-get and cmake."""
from __future__ import annotations

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
        print(json.dumps(answer["result"]) if "--json" in args else "text output ... " + ("PASS" if answer["result"]["pass"] else "FAIL"))
        sys.exit(answer.get("exit", 0 if answer["result"]["pass"] else 1))
    print("rculab-core: unknown subcommand", file=sys.stderr)
    sys.exit(2)
""")


def backend(name, safe=True, available=True):
    return {"name": name, "mode": "test", "available": available,
            "traits": {"needs_quiescent_states": False, "readers_block_updaters": False,
                       "safe_for_updates": safe, "ours": True, "reference": False}}


def torture_result(name, passed=True, reads=1000, updates=50, sync_calls=40,
                   grace_periods=20, freed_seen=0, max_age=3):
    return {"result": {"backend": name, "pass": passed, "seconds": 2.0, "readers": 4,
                       "reads": reads, "updates": updates, "sync_calls": sync_calls,
                       "grace_periods": grace_periods, "freed_seen": freed_seen,
                       "max_age": max_age, "age_histogram": [1, 2, 3]}}


class FakeCore:
    def __init__(self, directory: Path):
        self.path = directory / "rculab-core"
        self.spec_path = directory / "spec.json"
        self.log_path = directory / "calls.log"
        self.path.write_text(f"#!{sys.executable}\n" + FAKE_CORE_SOURCE)
        self.path.chmod(0o755)
        self.log_path.write_text("")
        self.set(backends=[], torture={})

    def set(self, backends, torture):
        self.spec_path.write_text(json.dumps({"backends": backends, "torture": torture}))

    def calls(self):
        return [json.loads(line) for line in self.log_path.read_text().splitlines()]


@pytest.fixture
def fake_core(tmp_path, monkeypatch):
    """A fake core plugged in through RCULAB_CORE, with set-up switched off."""
    core = FakeCore(tmp_path)
    monkeypatch.setenv("RCULAB_CORE", str(core.path))
    monkeypatch.setenv("RCULAB_SKIP_SETUP", "1")
    monkeypatch.setenv("FAKE_CORE_SPEC", str(core.spec_path))
    monkeypatch.setenv("FAKE_CORE_LOG", str(core.log_path))
    return core


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
