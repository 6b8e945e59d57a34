"""`rculab run`, last section: the torture gate over all backends, its table
and its exit status. (The sweep, table, charts: test_run_main.py.)"""
import re

import pytest

from conftest import backend, run_cli, torture_result

HEADER = ["backend", "result", "reads", "updates", "sync calls", "grace periods",
          "sharing factor", "max age", "freed seen"]


@pytest.fixture(autouse=True)
def quick_sweep(run_sweep_bench):
    """The run's sweep goes to a fake bench; these tests look at the gate."""
    return run_sweep_bench


def torture_section(out):
    lines = out.splitlines()
    return lines[next(i for i, line in enumerate(lines) if line.startswith("torture gate: ")):]


def table_lines(out):
    lines = torture_section(out)
    start = next(i for i, line in enumerate(lines) if line.startswith("backend "))
    end = next(i for i in range(start, len(lines)) if lines[i] == "")
    return lines[start:end]


def row_for(out, name):
    return next(line for line in table_lines(out)[2:] if line.split()[0] == name)


def standard_spec(fake_core, failing=()):
    names = ["qsbr", "mb", "urcu-bp"]
    fake_core.set(
        backends=[backend(n) for n in names] + [backend("none", safe=False)],
        torture={n: torture_result(n, passed=n not in failing) for n in names})


def test_all_pass_exits_zero_and_runs_each_safe_backend_once(fake_core, capsys):
    standard_spec(fake_core)
    status, out, _ = run_cli(["run", "--no-charts", "--seconds", "0.5", "--readers", "3"], capsys)
    assert status == 0
    torture_calls = [c for c in fake_core.calls() if c[0] == "torture"]
    assert [c[c.index("--backend") + 1] for c in torture_calls] == ["qsbr", "mb", "urcu-bp"]
    assert all(c[c.index("--seconds") + 1] == "0.5" and c[c.index("--readers") + 1] == "3"
               and "--json" in c for c in torture_calls)
    assert "PASSED on all 3 backends run (1 skipped)" in out


def test_defaults_are_two_seconds_and_four_readers(fake_core, capsys):
    standard_spec(fake_core)
    run_cli(["run", "--no-charts"], capsys)
    first = [c for c in fake_core.calls() if c[0] == "torture"][0]
    assert first[first.index("--seconds") + 1] == "2"
    assert first[first.index("--readers") + 1] == "4"


def test_table_columns_are_aligned(fake_core, capsys):
    fake_core.set(
        backends=[backend("qsbr"), backend("urcu-signal")],
        torture={"qsbr": torture_result("qsbr", reads=123456789, sync_calls=7),
                 "urcu-signal": torture_result("urcu-signal", reads=5, sync_calls=1234567)})
    _, out, _ = run_cli(["run", "--no-charts"], capsys)
    lines = table_lines(out)
    assert re.split(r"\s{2,}", lines[0]) == HEADER
    assert set(lines[1]) == {"-", " "}
    # Right-aligned numeric columns: every row ends at the same column as the header.
    assert len({len(line) for line in [lines[0]] + lines[2:]}) == 1
    # The reads column's right edge lines up across rows.
    reads_end = lines[0].index("reads") + len("reads")
    assert lines[2][:reads_end].endswith("123456789")
    assert lines[3][:reads_end].endswith("5")


def test_row_contents_and_sharing_factor(fake_core, capsys):
    fake_core.set(
        backends=[backend("qsbr"), backend("rwlock")],
        torture={"qsbr": torture_result("qsbr", reads=1000, updates=50, sync_calls=30,
                                        grace_periods=12, max_age=2, freed_seen=0),
                 "rwlock": torture_result("rwlock", grace_periods=None)})
    _, out, _ = run_cli(["run", "--no-charts"], capsys)
    assert row_for(out, "qsbr").split() == ["qsbr", "PASS", "1000", "50", "30", "12", "2.50", "2", "0"]
    rwlock = row_for(out, "rwlock").split()
    assert rwlock[5:7] == ["-", "-"]  # no grace-period count → no sharing factor


def test_unsafe_and_unavailable_backends_are_skipped_not_run(fake_core, capsys):
    fake_core.set(backends=[backend("qsbr"), backend("none", safe=False),
                            backend("urcu-bp", available=False)],
                  torture={"qsbr": torture_result("qsbr")})
    status, out, _ = run_cli(["run", "--no-charts"], capsys)
    assert status == 0
    assert "skipped (not safe for updates)" in row_for(out, "none")
    assert "skipped (not available in this build)" in row_for(out, "urcu-bp")
    ran = [c[c.index("--backend") + 1] for c in fake_core.calls() if c[0] == "torture"]
    assert ran == ["qsbr"]


def test_unavailable_backend_is_skipped_with_the_cores_reason(fake_core, capsys):
    fake_core.set(backends=[backend("qsbr"),
                            backend("memb", available=False,
                                    unavailable_reason="disabled by RCULAB_MEMB_DISABLE")],
                  torture={"qsbr": torture_result("qsbr")})
    status, out, _ = run_cli(["run", "--no-charts"], capsys)
    assert status == 0
    assert "skipped (unavailable: disabled by RCULAB_MEMB_DISABLE)" in row_for(out, "memb")
    ran = [c[c.index("--backend") + 1] for c in fake_core.calls() if c[0] == "torture"]
    assert ran == ["qsbr"]


def test_one_fail_makes_the_run_fail_but_all_backends_still_run(fake_core, capsys):
    standard_spec(fake_core, failing=("mb",))
    status, out, _ = run_cli(["run", "--no-charts"], capsys)
    assert status == 1
    assert row_for(out, "mb").split()[1] == "FAIL"
    assert row_for(out, "urcu-bp").split()[1] == "PASS"
    assert "FAILED on 1 of 3 backends run: mb" in out


def test_pass_flag_with_nonzero_exit_is_not_a_pass(fake_core, capsys):
    result = torture_result("qsbr")
    result["exit"] = 1
    fake_core.set(backends=[backend("qsbr")], torture={"qsbr": result})
    status, out, _ = run_cli(["run", "--no-charts"], capsys)
    assert status == 1
    assert row_for(out, "qsbr").split()[1] == "FAIL"


def test_crash_and_bad_arguments_are_reported_per_backend(fake_core, capsys):
    crash = torture_result("mb")
    crash["crash"] = True
    fake_core.set(backends=[backend("qsbr"), backend("mb"), backend("ghost")],
                  torture={"qsbr": torture_result("qsbr"), "mb": crash})
    status, out, _ = run_cli(["run", "--no-charts"], capsys)
    assert status == 1
    assert row_for(out, "mb").split()[1] == "CRASH"
    assert "SIGSEGV" in out
    assert row_for(out, "ghost").split()[1] == "ERROR"
    assert "unknown backend 'ghost'" in out
    assert row_for(out, "qsbr").split()[1] == "PASS"


def test_progress_is_one_line_per_backend(fake_core, capsys):
    standard_spec(fake_core)
    _, out, _ = run_cli(["run", "--no-charts"], capsys)
    progress = [line.strip() for line in torture_section(out) if line.lstrip().startswith("[")]
    assert len(progress) == 4
    assert re.match(r"\[1/4\] qsbr\s+running\.\.\. PASS in \d+\.\d s$", progress[0])
    assert progress[3].startswith("[4/4] none") and "skipped" in progress[3]


def test_missing_core_is_one_error_line(fake_core, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("RCULAB_CORE", str(tmp_path / "does-not-exist"))
    status, out, err = run_cli(["run", "--no-charts"], capsys)
    assert status == 1
    assert err.count("\n") == 1 and err.startswith("rculab: error: rculab-core not found")


def test_skip_torture_runs_no_torture(fake_core, capsys):
    standard_spec(fake_core)
    status, out, _ = run_cli(["run", "--no-charts", "--skip-torture"], capsys)
    assert status == 0
    assert [c for c in fake_core.calls() if c[0] == "torture"] == []
    assert "torture gate" not in out


def test_torture_failure_fails_the_run_even_when_benchmarks_are_clean(fake_core, capsys):
    standard_spec(fake_core, failing=("qsbr",))
    status, out, _ = run_cli(["run", "--no-charts"], capsys)
    assert status == 1
    assert "quick sweep OK" in out
    assert "torture gate FAILED on 1 of 3 backends run: qsbr" in out


def test_backends_flag_limits_the_torture_gate_too(fake_core, capsys):
    standard_spec(fake_core)
    status, _, _ = run_cli(["run", "--no-charts", "--backends", "urcu-bp,qsbr"], capsys)
    assert status == 0
    ran = [c[c.index("--backend") + 1] for c in fake_core.calls() if c[0] == "torture"]
    assert ran == ["qsbr", "urcu-bp"]  # listing order
