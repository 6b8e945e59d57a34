"""Every bad input to the lab's three programs is one clear error (issue 10.4).

For every command of `rculab`, `rculab-core` and `rculab-bench`, a table of
malformed invocations: unknown backends and workloads, zero / negative / huge /
non-numeric thread counts and durations, bad placements, malformed comma lists,
unknown flags, missing values, unreadable, missing or malformed files, bad
environment variables. (tests/python/test_cli_errors.py and
test_sweep_bad_input.py hold more; this file does not repeat them.)

The rule, the same for the three programs:
  1. the exit status is above 0 (an error, not a crash by a signal);
  2. stderr is exactly one line, ending in a newline, that starts with the
     program's prefix; a pointer to the help, where there is one, is part of
     that line ("... (see: rculab run --help)"), never a usage block after it;
  3. stdout is empty: no partial result, no header of a table that never came
     (one exception: `rculab validate` prints its verdict line there);
  4. the case's folder, which holds every output path a case names and the
     result and host-profile roots, is byte for byte as it was: no output file
     created, none overwritten, no half-written one left behind.

The C++ programs run as processes with a timeout; `rculab` runs in-process
(a fresh interpreter per case would cost seconds) under an alarm. Where a case
must be refused by `rculab` itself, the C++ programs it would reach are
tripwires: they leave a file behind (rule 4) and print to stdout (rule 3), so
a case that is wrongly accepted fails at once instead of running a sweep.
"""
from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import tarfile
from pathlib import Path

import pytest

from conftest import REPO_ROOT, run_cli

BUILD = REPO_ROOT / "build" / "release"
CORE = BUILD / "rculab-core"
BENCH = BUILD / "rculab-bench"
TIMEOUT_S = 30
SET_ID = "20261123T101500Z-synth"
PROFILE_ID = "x86-64-synth-8pu-00000001"
PREFIX = {"rculab": "rculab: error: ", "rculab-core": "rculab: ", "rculab-bench": "rculab-bench: "}

# Files every case may name: {missing} does not exist, {existing} must stay as
# it is, {dir} is an empty folder, {garbage} is not JSON, {spec:NAME} is SPECS[NAME].
EXISTING_TEXT = "an existing file: must stay as it is\n"
SPECS = {
    "tiny": 'name = "tiny"\nrepetitions = 1\nduration = 0.01\nwarmup = 0\n'
            '[[group]]\nworkloads = ["read_cost"]\nbackends = ["qsbr"]\n',
    "zero_readers": '[[group]]\nworkloads = ["read_cost"]\nbackends = ["qsbr"]\nreaders = [0]\n',
    "huge_readers": '[[group]]\nworkloads = ["read_cost"]\nbackends = ["qsbr"]\nreaders = [100000]\n',
    "readers_as_text": '[[group]]\nworkloads = ["read_cost"]\nbackends = ["qsbr"]\nreaders = "1,,2"\n',
    "zero_duration": 'duration = 0\n[[group]]\nworkloads = ["read_cost"]\nbackends = ["qsbr"]\n',
    "huge_duration": 'duration = 1e9\n[[group]]\nworkloads = ["read_cost"]\nbackends = ["qsbr"]\n',
    "infinite_warmup": 'warmup = inf\n[[group]]\nworkloads = ["read_cost"]\nbackends = ["qsbr"]\n',
    "huge_repetitions": 'repetitions = 1000000\n[[group]]\nworkloads = ["read_cost"]\nbackends = ["qsbr"]\n',
    "unknown_workload": '[[group]]\nworkloads = ["read_cost", "nope"]\nbackends = ["qsbr"]\n',
    "only_unknown_workload": '[[group]]\nworkloads = ["nope"]\nbackends = ["qsbr"]\n',
    "update_workload_on_none": '[[group]]\nworkloads = ["gp_latency"]\nbackends = ["none"]\n',
    "unknown_backend": '[[group]]\nworkloads = ["read_cost"]\nbackends = ["qsbr", "nope"]\n',
    "empty_backend": '[[group]]\nworkloads = ["read_cost"]\nbackends = ["qsbr", ""]\n',
}

# ---- rculab-core: argv (a shell-quoted string), environment ---------------------------

CORE_CASES = [
    ("", {}),
    ("--bogus", {}),
    ("help-me", {}),
    ("list --json=yes", {}),
    ("list --json extra", {}),
    ("list -j", {}),
    ("torture --backend ''", {}),
    ("torture --backend mb --backend", {}),
    ("torture --backend mb --readers ''", {}),
    ("torture --backend mb --readers 4097", {}),
    ("torture --backend mb --readers 2.5", {}),
    ("torture --backend mb --seconds nan", {}),
    ("torture --backend mb --seconds inf", {}),
    ("torture --backend mb --seconds 86401", {}),
    ("torture --backend mb --seed -1", {}),
    ("torture --backend mb --seed 18446744073709551616", {}),
    ("torture --backend mb --extra-updaters -1", {}),
    ("torture --backend mb --json=yes", {}),
    ("torture --backend mb extra", {}),
    ("torture --backend memb", {"RCULAB_MEMB_DISABLE": "1"}),
    ("torture --backend signal", {"RCULAB_SIGNAL_NUM": "abc"}),
    ("torture --backend signal", {"RCULAB_SIGNAL_NUM": "12abc"}),
    ("torture --backend signal", {"RCULAB_SIGNAL_NUM": "9"}),
    ("quick --backend nope", {}),
    ("quick --backend", {}),
    ("quick --iterations 0", {}),
    ("quick --iterations 999", {}),
    ("quick --iterations 1e3", {}),
    ("quick --iterations -1000", {}),
    ("quick --iterations 1000000000001", {}),
    ("quick --samples 0", {}),
    ("quick --samples 1000001", {}),
    ("quick --samples x", {}),
    ("quick --bogus", {}),
    ("quick --backend memb", {"RCULAB_MEMB_DISABLE": "1"}),
    ("quick --backend signal", {"RCULAB_SIGNAL_NUM": "abc"}),
    ("calibrate --seconds inf", {}),
    ("calibrate --seconds 86401", {}),
    ("calibrate --seconds ''", {}),
    ("calibrate --json --json=1", {}),
    ("host --xml {missing}/topology.xml", {}),
    ("host --xml {dir}", {}),
    ("host --json --xml {missing}/topology.xml", {}),
    ("host extra", {}),
    ("quick --backend qsbr", {"RCULAB_CALL_RCU_WORKERS": "0"}),
    ("torture --backend qsbr", {"RCULAB_CALL_RCU_WORKERS": "many"}),
]

# ---- rculab-bench ---------------------------------------------------------------------

BENCH_CASES = [
    ("--backends=nope", {}),
    ("--backends=qsbr,nope", {}),
    ("--backends=,,", {}),
    ("--backends=qsbr,,mb", {}),
    ("--backends=qsbr,", {}),
    ("--backends=", {}),
    ("--backends", {}),
    ("--backends nope", {}),
    ("--readers 0", {}),
    ("--readers --smoke", {}),
    ("--readers=0", {}),
    ("--readers=-1", {}),
    ("--readers=65537", {}),
    ("--readers=99999999999999999999999", {}),
    ("--readers=two", {}),
    ("--readers=1.5", {}),
    ("--readers=1,,2", {}),
    ("--readers=,", {}),
    ("--updaters=0", {}),
    ("--updaters=1,x", {}),
    ("--updaters=", {}),
    ("--duration=0", {}),
    ("--duration=-1", {}),
    ("--duration=3601", {}),
    ("--duration=nan", {}),
    ("--duration=inf", {}),
    ("--duration=abc", {}),
    ("--duration", {}),
    ("--warmup=-0.1", {}),
    ("--warmup=3601", {}),
    ("--warmup=x", {}),
    ("--placement=diagonal", {}),
    ("--placement=", {}),
    ("--placement=compact,scatter", {}),
    ("--reader_placement=nope", {}),
    ("--updater_placement=Compact", {}),
    ("--worker_placement=", {}),
    ("--tolerate_bind_failure=yes", {}),
    ("--smoke=1", {}),
    ("--list_counters=true", {}),
    ("--bogus", {}),
    ("--bogus --other", {}),
    ("-x", {}),
    ("stray", {}),
    ("--benchmark_bogus=1", {}),
    ("--benchmark_filter=nomatch", {}),
    ("--benchmark_filter=^read_cost/ --backends=none --benchmark_filter=^gp_latency/", {}),
    ("--benchmark_filter=(", {}),
    ("--benchmark_filter=", {}),
    ("--benchmark_filter", {}),
    ("--benchmark_list_tests --benchmark_filter=nomatch", {}),
    ("--benchmark_list_tests=maybe", {}),
    ("--benchmark_repetitions=0", {}),
    ("--benchmark_repetitions=-1", {}),
    ("--benchmark_repetitions=abc", {}),
    ("--benchmark_repetitions=99999999999", {}),
    ("--benchmark_repetitions=1001", {}),
    ("--benchmark_repetitions", {}),
    ("--benchmark_min_time=-1", {}),
    ("--benchmark_min_time=0", {}),
    ("--benchmark_min_time=abc", {}),
    ("--benchmark_min_time=1e9", {}),
    ("--benchmark_min_warmup_time=-1", {}),
    ("--benchmark_enable_random_interleaving=sometimes", {}),
    ("--benchmark_report_aggregates_only=2", {}),
    ("--benchmark_display_aggregates_only=x", {}),
    ("--benchmark_counters_tabular=maybe", {}),
    ("--benchmark_format=xml", {}),
    ("--benchmark_format=", {}),
    ("--benchmark_out_format=yaml", {}),
    ("--benchmark_time_unit=h", {}),
    ("--benchmark_color=", {}),
    ("--benchmark_color=purple", {}),
    ("--benchmark_context=nokey", {}),
    ("--benchmark_context==v", {}),
    ("--v=abc", {}),
    ("--v=-1", {}),
    ("--benchmark_out=", {}),
    ("--benchmark_out", {}),
    ("--benchmark_out={missing}/out.json", {}),
    ("--benchmark_out={dir}", {}),
    ("--benchmark_out={missing} --benchmark_filter=nomatch", {}),
    ("--benchmark_out={existing} --benchmark_filter=nomatch", {}),
    ("--benchmark_out={existing} --benchmark_filter=(", {}),
    ("--benchmark_out={existing} --bogus", {}),
    ("--benchmark_out={existing} --benchmark_repetitions=0", {}),
    ("--benchmark_out={existing} --benchmark_out_format=xml", {}),
    ("--benchmark_out={existing} --backends=memb", {"RCULAB_MEMB_DISABLE": "1"}),
    ("--backends=signal", {"RCULAB_SIGNAL_NUM": "abc"}),
    ("--backends=signal --benchmark_list_tests", {"RCULAB_SIGNAL_NUM": "0"}),
    ("--benchmark_out={existing} --backends=qsbr", {"RCULAB_CALL_RCU_WORKERS": "-1"}),
]

# ---- rculab: argv, environment, the real binaries it may use ---------------------------
# "core" / "bench": the case needs that real binary (its answer is the error);
# every other binary is a tripwire.

RCULAB_CASES = [
    # crosscheck
    ("crosscheck --rounds 0", {}, set()),
    ("crosscheck --seconds nan", {}, set()),
    ("crosscheck --bogus", {}, set()),
    # run
    ("run --backends nope", {}, {"core"}),
    ("run --backends qsbr,nope", {}, {"core"}),
    ("run --backends qsbr,", {}, set()),
    ("run --readers -1", {}, set()),
    ("run --readers 100000", {}, set()),
    ("run --seconds inf", {}, set()),
    ("run --seconds 1e9", {}, set()),
    ("run --seconds -1", {}, set()),
    ("run --duration nan", {}, set()),
    ("run --duration 1e9", {}, set()),
    ("run --no-charts=yes", {}, set()),
    ("run", {"RCULAB_CORE": "{missing}"}, set()),
    ("run", {"RCULAB_CORE": "{garbage}"}, set()),
    ("run", {"RCULAB_BENCH": "{dir}"}, {"core"}),
    # test (fails in argument parsing; set-up and ctest are tripwires too)
    ("test --bogus", {}, set()),
    ("test extra", {}, set()),
    ("test --preset", {}, set()),
    # bench: rculab-bench's own answer comes through, once
    ("bench --backends=nope", {}, {"bench"}),
    ("bench --backends=qsbr,,mb", {}, {"bench"}),
    ("bench --readers=0", {}, {"bench"}),
    ("bench --updaters=-1", {}, {"bench"}),
    ("bench --duration=-1", {}, {"bench"}),
    ("bench --placement=diagonal", {}, {"bench"}),
    ("bench --bogus", {}, {"bench"}),
    ("bench --benchmark_filter=nomatch", {}, {"bench"}),
    ("bench --benchmark_repetitions=0", {}, {"bench"}),
    ("bench --raw --benchmark_min_time=-1", {}, {"bench"}),
    ("bench --benchmark_format=xml", {}, {"bench"}),
    ("bench --benchmark_out={existing} --benchmark_filter=nomatch", {}, {"bench"}),
    ("bench --benchmark_out={missing} --readers=0", {}, {"bench"}),
    ("bench --backends=signal", {"RCULAB_SIGNAL_NUM": "abc"}, {"bench"}),
    ("bench --smoke", {"RCULAB_BENCH": "{missing}"}, set()),
    ("bench --smoke", {"RCULAB_CALL_RCU_WORKERS": "x"}, {"bench"}),
    ("bench --smoke", {"RCULAB_BENCH": "{garbage}"}, set()),
    ("bench --preset", {}, set()),
    # list
    ("list --json=yes", {}, set()),
    ("list --bogus", {}, set()),
    ("list --preset nope", {}, set()),
    ("list", {"RCULAB_CORE": "{missing}"}, set()),
    ("list", {"RCULAB_CORE": "{garbage}"}, set()),
    # torture: rculab-core's answer comes through, once
    ("torture", {}, {"core"}),
    ("torture --backend nope", {}, {"core"}),
    ("torture --backend mb --readers 0", {}, {"core"}),
    ("torture --backend mb --readers 100000", {}, {"core"}),
    ("torture --backend mb --seconds -1", {}, {"core"}),
    ("torture --backend mb --seconds 1e9", {}, {"core"}),
    ("torture --backend mb --bogus", {}, {"core"}),
    ("torture --backend none", {}, {"core"}),
    ("torture --backend memb", {"RCULAB_MEMB_DISABLE": "1"}, {"core"}),
    ("torture --backend signal", {"RCULAB_SIGNAL_NUM": "abc"}, {"core"}),
    ("torture --preset", {}, set()),
    ("torture --backend qsbr", {"RCULAB_CALL_RCU_WORKERS": "99999"}, {"core"}),
    # quick
    ("quick --backend nope", {}, {"core"}),
    ("quick --iterations 0", {}, {"core"}),
    ("quick --samples x", {}, {"core"}),
    ("quick --bogus", {}, {"core"}),
    ("quick --backend memb", {"RCULAB_MEMB_DISABLE": "1"}, {"core"}),
    ("quick", {"RCULAB_CORE": "{missing}"}, set()),
    # profile
    ("profile --seconds 0", {}, set()),
    ("profile --seconds -1", {}, set()),
    ("profile --seconds abc", {}, set()),
    ("profile --seconds inf", {}, set()),
    ("profile --seconds 1e9", {}, set()),
    ("profile --id-only --refresh", {}, set()),
    ("profile --no-calibrate --seconds 1", {}, set()),
    ("profile --bogus", {}, set()),
    ("profile extra", {}, set()),
    ("profile --preset nope", {}, set()),
    ("profile --no-calibrate", {"RCULAB_HW_PROFILES": "{existing}"}, set()),
    # setup (fails in argument parsing: set-up itself is a tripwire)
    ("setup --preset nope", {}, set()),
    ("setup --preset", {}, set()),
    ("setup extra", {}, set()),
    ("setup --bogus", {}, set()),
    # sweep
    ("sweep --spec {dir}", {}, set()),
    ("sweep --spec {spec:zero_readers}", {}, set()),
    ("sweep --spec {spec:huge_readers}", {}, {"bench"}),
    ("sweep --spec {spec:readers_as_text}", {}, set()),
    ("sweep --spec {spec:zero_duration}", {}, set()),
    ("sweep --spec {spec:huge_duration}", {}, set()),
    ("sweep --spec {spec:infinite_warmup}", {}, set()),
    ("sweep --spec {spec:huge_repetitions}", {}, set()),
    ("sweep --spec {spec:unknown_workload}", {}, {"bench"}),
    ("sweep --spec {spec:only_unknown_workload}", {}, {"bench"}),
    ("sweep --spec {spec:update_workload_on_none}", {}, {"bench"}),
    ("sweep --spec {spec:unknown_backend}", {}, {"bench"}),
    ("sweep --spec {spec:empty_backend}", {}, set()),
    ("sweep --spec {spec:tiny} --pus 0", {}, set()),
    ("sweep --spec {spec:tiny} --pus -1", {}, set()),
    ("sweep --spec {spec:tiny} --seed abc", {}, set()),
    ("sweep --spec {spec:tiny} --shard a/b", {}, set()),
    ("sweep --spec {spec:tiny} --plan-out {existing}", {}, {"bench"}),
    ("sweep --spec {spec:tiny} --plan-out {missing}/plan.json", {}, {"bench"}),
    ("sweep --spec {spec:tiny} --build-preset nope", {}, set()),
    ("sweep --spec {spec:tiny} extra", {}, set()),
    ("sweep --resume {existing}", {}, set()),
    ("sweep --spec {spec:tiny}", {"RCULAB_RESULTS": "{existing}"}, {"bench"}),
    # validate (its verdict line is on stdout)
    ("validate {missing}", {}, set()),
    ("validate {garbage}", {}, set()),
    ("validate --bogus", {}, set()),
    # merge
    ("merge {set}", {}, set()),
    ("merge nope --into new", {}, set()),
    ("merge {set} --into {set_id}", {}, set()),
    ("merge {set} --into ''", {}, set()),
    ("merge {missing} --into new", {}, set()),
    # import
    ("import {dir}", {}, set()),
    ("import {truncated_tarball}", {}, set()),
    ("import {set}", {}, set()),
    ("import", {}, set()),
    # compare
    ("compare {set}", {}, set()),
    ("compare {set} {set} {set}", {}, set()),
    ("compare {missing} {set}", {}, set()),
    ("compare {set} --backends qsbr", {}, set()),
    ("compare {set} --backends qsbr,,none", {}, set()),
    ("compare {set} --backends qsbr,nope", {}, set()),
    ("compare {set} --backends qsbr,none --metric nope", {}, set()),
    ("compare {set} {set} --json --markdown", {}, set()),
    # plot
    ("plot {missing}", {}, set()),
    ("plot {garbage}", {}, set()),
    ("plot {set} --out {existing}", {}, set()),
    ("plot --bogus", {}, set()),
    # report
    ("report {missing}", {}, set()),
    ("report {garbage}", {}, set()),
    ("report --bogus", {}, set()),
    # bundle
    ("bundle --out {existing}", {}, set()),
    ("bundle --out {dir}", {}, set()),
    ("bundle --out", {}, set()),
    ("bundle --preset nope", {}, set()),
    ("bundle extra", {}, set()),
    # export-jobs
    ("export-jobs --preset quick --bundle {existing} --shards 2 --pus 4 --out {missing}", {}, set()),
    ("export-jobs --gnu-parallel --slurm --preset quick --bundle {existing} --shards 2 --pus 4 --out {missing}", {}, set()),
    ("export-jobs --slurm --preset quick --bundle {existing} --shards 0 --pus 4 --out {missing}", {}, set()),
    ("export-jobs --slurm --preset quick --bundle {existing} --shards -1 --pus 4 --out {missing}", {}, set()),
    ("export-jobs --slurm --preset quick --bundle {existing} --shards 2 --pus 0 --out {missing}", {}, set()),
    ("export-jobs --slurm --preset quick --bundle {existing} --shards 2 --pus abc --out {missing}", {}, set()),
    ("export-jobs --slurm --preset quick --bundle {missing} --shards 2 --pus 4 --out {missing}", {}, set()),
    ("export-jobs --slurm --preset quick --bundle {dir} --shards 2 --pus 4 --out {missing}", {}, set()),
    ("export-jobs --slurm --preset quick --bundle {existing} --shards 2 --pus 4 --out {dir}", {}, set()),
    ("export-jobs --slurm --preset nope --bundle {existing} --shards 2 --pus 4 --out {missing}", {}, set()),
    ("export-jobs --slurm --spec {missing} --bundle {existing} --shards 2 --pus 4 --out {dir}/jobs", {}, set()),
    ("export-jobs --slurm --spec {spec:zero_readers} --bundle {existing} --shards 2 --pus 4 --out {dir}/jobs", {}, set()),
    ("export-jobs --slurm --sshloginfile hosts --preset quick --bundle {existing} --shards 2 --pus 4 --out {missing}", {}, set()),
    ("export-jobs --slurm --preset quick --bundle {existing} --shards 2 --pus 4 --seed -1 --out {missing}", {}, set()),
    # new-backend: a bad name, form or folder writes nothing
    ("new-backend", {}, set()),
    ("new-backend My_Rcu {missing}", {}, set()),
    ("new-backend qsbr {missing}", {}, set()),
    ("new-backend my-rcu {missing} --form rust", {}, set()),
    ("new-backend my-rcu {existing}", {}, set()),
]


def case_id(argv: str, env: dict) -> str:
    return " ".join([f"{k}={v}" for k, v in env.items()] + [argv or "<nothing>"])


# ---- the case's folder ----------------------------------------------------------------

TRIPWIRE_SOURCE = """#!/bin/sh
# Reached by a case that should have been refused before it: leave a trace.
echo "$0 $*" >> "$RCULAB_TRIPWIRE_LOG"
echo "tripwire: $0 ran"
"""


class Workspace:
    """tmp/case: the folder of rule 4 (named files, results/, hw-profiles/),
    the tripwires next to it, and the placeholders for a case's argv."""

    def __init__(self, tmp: Path):
        self.root = tmp / "case"
        self.root.mkdir()
        (self.root / "existing.txt").write_text(EXISTING_TEXT)
        (self.root / "folder").mkdir()
        (self.root / "garbage.json").write_text("{not json")
        self.places = {"missing": str(self.root / "missing"), "existing": str(self.root / "existing.txt"),
                       "dir": str(self.root / "folder"), "garbage": str(self.root / "garbage.json"),
                       "set_id": SET_ID, "set": str(self.root / "results" / PROFILE_ID / SET_ID),
                       "truncated_tarball": str(self.root / "truncated.tar.gz")}
        for name, text in SPECS.items():
            path = self.root / "specs" / f"{name}.toml"
            path.parent.mkdir(exist_ok=True)
            path.write_text(text)
            self.places[f"spec:{name}"] = str(path)
        self.tripwire_log = tmp / "tripwire.log"
        self.tripwire = tmp / "tripwire"
        self.tripwire.write_text(TRIPWIRE_SOURCE)
        self.tripwire.chmod(0o755)

    def fill(self, text: str) -> str:
        return re.sub(r"\{([a-z_:]+)\}", lambda m: self.places[m.group(1)], text)

    def argv(self, text: str) -> list:
        return [self.fill(word) for word in shlex.split(text)]

    def needs_set(self, text: str) -> None:
        """The small synthetic set {set} under results/, and a truncated tarball of it."""
        if "{set" not in text and "{truncated_tarball}" not in text:
            return
        import synth
        synth.write_set(self.root / "results", profile_id=PROFILE_ID, set_id=SET_ID, backends=("qsbr", "none"),
                        workloads=("read_cost",), readers=(1, 2), updaters=(1,), repetitions=3)
        tarball = self.root / "truncated.tar.gz"
        with tarfile.open(tarball, "w:gz") as tar:
            tar.add(self.root / "results", arcname="results")
        tarball.write_bytes(tarball.read_bytes()[:200])

    def snapshot(self) -> dict:
        return {str(p.relative_to(self.root)): (p.read_bytes() if p.is_file() else "folder")
                for p in sorted(self.root.rglob("*"))}


@pytest.fixture
def workspace(tmp_path):
    return Workspace(tmp_path)


def check_rule(programs, code, out: str, err: str, allowed_stdout: str = "") -> None:
    """`programs`: the one whose line it may be (rculab passes on its children's)."""
    prefixes = tuple(PREFIX[p] for p in ([programs] if isinstance(programs, str) else programs))
    assert isinstance(code, int) and code > 0, f"exit status {code!r}; stderr: {err!r}"
    lines = err.split("\n")
    assert err.endswith("\n") and len(lines) == 2, f"expected exactly one line on stderr, got:\n{err}"
    assert lines[0].startswith(prefixes), f"stderr does not start with {' or '.join(prefixes)}: {err!r}"
    assert len(lines[0]) > max(map(len, prefixes)) + 10, f"not much of a message: {err!r}"
    if allowed_stdout:
        assert re.fullmatch(allowed_stdout, out), f"unexpected stdout: {out!r}"
    else:
        assert out == "", f"stdout is not empty: {out!r}"


def check_untouched(workspace: Workspace, before: dict) -> None:
    assert not workspace.tripwire_log.exists(), \
        "the case got past validation to a program it should never have run:\n" + workspace.tripwire_log.read_text()
    after = workspace.snapshot()
    assert {k for k in after if k not in before} == set(), "output files were created"
    assert {k for k in before if k not in after} == set(), "files were removed"
    assert [k for k in before if before[k] != after[k]] == [], "files were changed"


# ---- the C++ programs -----------------------------------------------------------------

def run_program(binary: Path, argv: list, env: dict, cwd: Path):
    """(exit status, stdout, stderr); killed with its process group after TIMEOUT_S.
    The lab's knobs and Google Benchmark's (BENCHMARK_*) come only from the case."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("RCULAB_", "BENCHMARK_"))}
    child = subprocess.Popen([str(binary), *argv], cwd=cwd, env=dict(clean, **env), text=True,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
    try:
        out, err = child.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        pytest.fail(f"no answer within {TIMEOUT_S} s: the input was not refused before the work began")
    return child.returncode, out, err


def needs(binary: Path):
    if not os.access(binary, os.X_OK):
        pytest.skip(f"{binary.relative_to(REPO_ROOT)} not built")


@pytest.mark.parametrize("argv, env", CORE_CASES, ids=[case_id(*c) for c in CORE_CASES])
def test_rculab_core_bad_input(workspace, argv, env):
    needs(CORE)
    before = workspace.snapshot()
    code, out, err = run_program(CORE, workspace.argv(argv), env, workspace.root)
    check_rule("rculab-core", code, out, err)
    check_untouched(workspace, before)


@pytest.mark.parametrize("argv, env", BENCH_CASES, ids=[case_id(*c) for c in BENCH_CASES])
def test_rculab_bench_bad_input(workspace, argv, env):
    needs(BENCH)
    before = workspace.snapshot()
    code, out, err = run_program(BENCH, workspace.argv(argv), env, workspace.root)
    check_rule("rculab-bench", code, out, err)
    check_untouched(workspace, before)


def test_both_flag_spellings_read_alike():
    """--name=value and --name value are one flag in both binaries (bench/flags/flags.h)."""
    needs(BENCH)
    listed = [subprocess.run([str(BENCH), *argv, "--benchmark_list_tests"], capture_output=True, text=True,
                             check=True).stdout
              for argv in (["--backends=qsbr", "--readers=3"], ["--backends", "qsbr", "--readers", "3"])]
    assert listed[0] == listed[1] and all("/backend:qsbr/readers:3/" in line for line in listed[0].splitlines())
    refused = [subprocess.run([str(CORE), "torture", *argv], capture_output=True, text=True)
               for argv in (["--backend=nope"], ["--backend", "nope"])]
    assert [r.returncode for r in refused] == [2, 2] and refused[0].stderr == refused[1].stderr
    assert refused[0].stderr.startswith("rculab: torture: unknown backend 'nope'")


# ---- rculab ---------------------------------------------------------------------------

@contextlib.contextmanager
def time_limit(seconds: int):
    def expire(signum, frame):
        raise TimeoutError(f"no answer within {seconds} s: the input was not refused before the work began")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def lab_env(workspace, monkeypatch):
    """Result sets and host profiles inside the case's folder; set-up (apt,
    cmake) and every binary a tripwire unless the case names it."""
    from lab.setup import build, deps
    from lab.records import reader
    monkeypatch.setattr(reader, "RESULTS_ROOT", workspace.root / "results")
    monkeypatch.setattr(reader, "PROFILES_ROOT", workspace.root / "hw-profiles")

    def setup_ran(*args, **kwargs):
        workspace.tripwire_log.write_text(f"set-up ran: {args}\n")
        raise AssertionError("set-up ran")
    monkeypatch.setattr(deps, "ensure_packages", setup_ran)
    monkeypatch.setattr(build, "configure_and_build", setup_ran)
    monkeypatch.setenv("RCULAB_SKIP_SETUP", "1")
    monkeypatch.setenv("RCULAB_RESULTS", str(workspace.root / "results"))
    monkeypatch.setenv("RCULAB_HW_PROFILES", str(workspace.root / "hw-profiles"))
    monkeypatch.setenv("RCULAB_TRIPWIRE_LOG", str(workspace.tripwire_log))
    for name in ("RCULAB_COMMIT", "RCULAB_MEMB_DISABLE", "RCULAB_SIGNAL_NUM", "RCULAB_CALL_RCU_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("argv, env, real", RCULAB_CASES, ids=[case_id(*c[:2]) for c in RCULAB_CASES])
def test_rculab_bad_input(workspace, lab_env, capfd, argv, env, real):
    for binary in (CORE, BENCH):
        if binary.name.split("-")[1] in real:
            needs(binary)
    lab_env.setenv("RCULAB_CORE", str(CORE if "core" in real else workspace.tripwire))
    lab_env.setenv("RCULAB_BENCH", str(BENCH if "bench" in real else workspace.tripwire))
    for name, value in env.items():
        lab_env.setenv(name, workspace.fill(value))
    workspace.needs_set(argv)
    before = workspace.snapshot()
    with time_limit(TIMEOUT_S):
        code, out, err = run_cli(workspace.argv(argv), capfd)
    verdict = r"(validate: \d+ sets?, \d+ records?: \d+ problems?\n)?" if argv.startswith("validate ") else ""
    check_rule(["rculab", *(f"rculab-{name}" for name in real)], code, out, err, verdict)
    check_untouched(workspace, before)


# ---- every command has its cases ------------------------------------------------------

def first_words(cases) -> set:
    return {shlex.split(c[0])[0] if c[0] else "" for c in cases}


def test_every_rculab_command_has_cases():
    from lab.cli import build_parser
    parser = build_parser()
    commands = set(next(a for a in parser._actions if a.dest == "command").choices)
    assert commands - first_words(RCULAB_CASES) == set()


def test_every_rculab_core_command_has_cases():
    needs(CORE)
    usage = subprocess.run([str(CORE), "--help"], capture_output=True, text=True, timeout=TIMEOUT_S).stdout
    commands = set(re.findall(r"^  ([a-z]+) ", usage, re.M))
    assert commands >= {"list", "torture", "quick", "calibrate", "host"}
    assert commands - first_words(CORE_CASES) == set()


def test_every_rculab_bench_flag_has_cases():
    """Every flag in `rculab-bench --help` (the lab's and Google Benchmark's)."""
    needs(BENCH)
    usage = subprocess.run([str(BENCH), "--help"], capture_output=True, text=True, timeout=TIMEOUT_S).stdout
    flags = set(re.findall(r"--([a-z_]+)", usage)) - {"help"}
    assert {"backends", "benchmark_filter", "benchmark_out"} <= flags
    used = set(re.findall(r"--([a-z_]+)", " ".join(c[0] for c in BENCH_CASES)))
    assert flags - used == set()


# ---- the rule can fail ----------------------------------------------------------------

@pytest.mark.parametrize("code, out, err", [
    (0, "", "rculab-bench: bad\n"),                                # success status
    (-11, "", "rculab-bench: killed\n"),                           # a crash
    (2, "", "rculab-bench: --bogus: unknown flag\nusage: ...\n"),  # a usage block after the line
    (2, "", "rculab-bench: --bogus: unknown flag"),                # no newline
    (2, "", "build/release/rculab-bench: error: unrecognized command-line flag: --bogus\n"),
    (2, "header\n", "rculab-bench: --readers: expected positive integers\n"),
])
def test_the_rule_rejects_what_it_should(code, out, err):
    with pytest.raises(AssertionError):
        check_rule("rculab-bench", code, out, err)


def test_untouched_notices_a_new_a_changed_and_a_tripwire_file(workspace):
    before = workspace.snapshot()
    (workspace.root / "new.json").write_text("{}")
    with pytest.raises(AssertionError, match="created"):
        check_untouched(workspace, before)
    before = workspace.snapshot()
    Path(workspace.places["existing"]).write_text("")
    with pytest.raises(AssertionError, match="changed"):
        check_untouched(workspace, before)
    before = workspace.snapshot()
    workspace.tripwire_log.write_text("ran\n")
    with pytest.raises(AssertionError, match="got past validation"):
        check_untouched(workspace, before)
