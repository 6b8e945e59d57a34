"""`rculab torture --soak DURATION`: argument handling (one error line, nothing
run), the matrix of cells it runs, its table and exit status; skipped backends
carry the reason rculab-core gives (membarrier refused)."""
import os

import pytest

from conftest import REPO_ROOT, backend, run_cli, run_shim, torture_result

from lab.torture import soak

REAL_CORE = REPO_ROOT / "build" / "release" / "rculab-core"


@pytest.mark.parametrize("text, seconds", [
    ("30s", 30.0), ("10m", 600.0), ("1h", 3600.0), ("500ms", 0.5), ("2.5", 2.5), ("1.5m", 90.0),
    (" 45s ", 45.0), (".5s", 0.5),
])
def test_durations_parse(text, seconds):
    assert soak.parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "0", "0s", "-5s", "10x", "m", "1e3", "8d", "10 m", "s10",
                                  "nan", "inf", "1..5s", "8h" * 2, "169h"])
def test_bad_durations_are_refused(text):
    with pytest.raises(ValueError, match="expected a duration like 30s, 10m or 1h"):
        soak.parse_duration(text)


@pytest.fixture
def two_backends(fake_core):
    """qsbr and mb run; none is unsafe; memb is unavailable with the core's reason."""
    fake_core.set(backends=[backend("qsbr"), backend("mb"), backend("none", safe=False),
                            backend("memb", available=False,
                                    unavailable_reason="disabled by RCULAB_MEMB_DISABLE")],
                  torture={"qsbr": torture_result("qsbr", reads=1000, updates=50, grace_periods=20,
                                                  max_age=1),
                           "mb": torture_result("mb", reads=7, updates=3, grace_periods=None,
                                                max_age=1)})
    return fake_core


def torture_calls(fake_core):
    return [call for call in fake_core.calls() if call[:1] == ["torture"]]


@pytest.mark.parametrize("argv, message", [
    (["--soak", "bogus"], "argument --soak: expected a duration like 30s, 10m or 1h"),
    (["--soak", "0s"], "argument --soak: expected a duration"),
    (["--soak", "-3m"], "argument --soak: expected one argument"),
    (["--soak"], "argument --soak: expected one argument"),
    (["--soak", "10s", "--seconds", "3"], "torture --soak: unknown option '--seconds'"),
    (["--soak", "10s", "--backend", "qsbr"], "torture --soak: unknown option '--backend'"),
    (["--soak", "10s", "--readers"], "torture --soak: --readers: missing value"),
    (["--soak", "10s", "--readers", "0"], "--readers: expected comma-separated counts"),
    (["--soak", "10s", "--readers", "1,,2"], "--readers: expected comma-separated counts"),
    (["--soak", "10s", "--readers", "99999"], "--readers: expected comma-separated counts"),
    (["--soak", "10s", "--backends", "qsbr,"], "--backends: expected comma-separated names"),
    (["--soak", "10s", "--backends", "qsbr,ghost"], "--backends: unknown backend 'ghost'"),
    (["--soak", "1s"], "1 s is too short for 48 cells (at least 0.05 s each: 2.4 s)"),
    (["--soak", "10s", "--backends", "none,memb"], "no backend to run (none: not safe for updates; "
                                                   "memb: unavailable: disabled by RCULAB_MEMB_DISABLE)"),
])
def test_bad_soak_arguments_are_one_line_and_run_nothing(two_backends, argv, message):
    done = run_shim("torture", *argv)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("rculab: error: ")
    assert message in lines[0]
    assert done.stdout == ""
    assert torture_calls(two_backends) == []


def test_soak_runs_every_cell_once_and_prints_the_table(two_backends, capfd):
    status, out, _ = run_cli(["torture", "--soak", "4.8s"], capfd)
    assert status == 0
    calls = torture_calls(two_backends)
    assert len(calls) == 2 * 4 * 3 * 2
    cells = set()
    for call in calls:
        flags = dict(zip(call[1::2], call[2::2]))
        assert flags["--seconds"] == "0.1"  # 4.8 s over 48 cells
        assert call[-1] == "--json"
        cells.add((flags["--backend"], flags["--readers"], flags["--gp-style"], "--churn" in call))
    assert cells == {(b, str(r), g, c) for b in ("qsbr", "mb") for r in (1, 2, 4, 8)
                     for g in ("synchronize", "call_rcu", "mixed") for c in (False, True)}
    lines = out.splitlines()
    assert lines[0].startswith("torture soak: 48 cells (2 backends x readers 1,2,4,8 x 3 gp styles")
    header = next(line for line in lines if line.startswith("backend"))
    assert header.split() == ["backend", "readers", "gp", "style", "churn", "result", "reads", "updates",
                              "grace", "periods", "threads", "max", "age", "freed", "seen"]
    rows = [line.split() for line in lines if line.split()[:1] in (["qsbr"], ["mb"])
            and "cells..." not in line]
    assert len(rows) == 48
    assert ["qsbr", "8", "call_rcu", "yes", "PASS", "1000", "50", "20", "-", "1", "0"] in rows
    assert ["mb", "1", "mixed", "no", "PASS", "7", "3", "-", "-", "1", "0"] in rows
    assert any(line.split()[:2] == ["none", "skipped"] for line in lines)
    memb = next(line for line in lines if line.startswith("memb "))
    assert "skipped (unavailable: disabled by RCULAB_MEMB_DISABLE)" in memb
    assert lines[-1].startswith("torture soak PASSED: all 48 cells")


def test_one_failing_cell_fails_the_soak_and_is_named(two_backends, capfd):
    spec = two_backends
    torture = {"qsbr": torture_result("qsbr"), "mb": torture_result("mb")}
    torture["mb"]["fail_if"] = {"--readers": "8", "--gp-style": "call_rcu", "--churn": True}
    spec.set(backends=[backend("qsbr"), backend("mb")], torture=torture)
    status, out, _ = run_cli(["torture", "--soak", "10m", "--readers", "2,8"], capfd)
    assert status == 1
    assert len(torture_calls(spec)) == 2 * 2 * 3 * 2
    failing = [line.split() for line in out.splitlines() if " FAIL " in f" {line} " and "cells..." not in line]
    assert [row[:5] for row in failing] == [["mb", "8", "call_rcu", "yes", "FAIL"]]
    assert any("mb" in line and "12 cells... 11 PASS, 1 FAIL" in line for line in out.splitlines())
    assert out.splitlines()[-1].startswith("torture soak FAILED: 1 of 24 cells")
    assert out.splitlines()[-1].endswith("mb/8r/call_rcu/churn")


def test_backends_flag_limits_the_matrix(two_backends, capfd):
    status, _, _ = run_cli(["torture", "--soak", "1m", "--backends=mb", "--readers", "4"], capfd)
    assert status == 0
    calls = torture_calls(two_backends)
    assert len(calls) == 6
    assert {c[c.index("--backend") + 1] for c in calls} == {"mb"}
    assert {c[c.index("--seconds") + 1] for c in calls} == {"10"}


def test_a_crashed_cell_is_a_fail_with_its_reason(fake_core, capfd):
    fake_core.set(backends=[backend("qsbr")], torture={"qsbr": {"crash": True, "result": {}}})
    status, out, _ = run_cli(["torture", "--soak", "3s", "--readers", "1"], capfd)
    assert status == 1
    assert "CRASH (killed by SIGSEGV)" in out


def test_without_soak_torture_still_forwards_one_run(two_backends, capfd):
    status, _, _ = run_cli(["torture", "--backend", "qsbr", "--gp-style", "call_rcu", "--churn",
                            "--json"], capfd)
    assert status == 0
    assert two_backends.calls() == [["torture", "--backend", "qsbr", "--gp-style", "call_rcu",
                                     "--churn", "--json"]]


@pytest.mark.skipif(not os.access(REAL_CORE, os.X_OK), reason="build/release/rculab-core not built")
def test_real_soak_skips_memb_with_the_reason_when_membarrier_is_refused(monkeypatch):
    env = dict(os.environ, RCULAB_CORE=str(REAL_CORE), RCULAB_SKIP_SETUP="1", RCULAB_MEMB_DISABLE="1")
    done = run_shim("torture", "--soak", "0.6s", "--backends", "memb,mb", "--readers", "1", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    memb = next(line for line in lines if line.startswith("memb "))
    assert "skipped (unavailable: disabled by RCULAB_MEMB_DISABLE)" in memb
    mb_rows = [line.split() for line in lines if line.startswith("mb ") and "cells..." not in line]
    assert len(mb_rows) == 6 and all(row[4] == "PASS" for row in mb_rows)
    assert lines[-1].startswith("torture soak PASSED: all 6 cells")
