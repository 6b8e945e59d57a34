"""`rculab test`: ctest then pytest; both always run; the failing phase is named."""
import pytest

from conftest import run_cli
from lab.base import proc


@pytest.fixture
def phases(monkeypatch):
    """Record proc.run calls instead of running ctest/pytest (no recursion into
    this very suite); `status` maps a program name to its exit status."""
    state = {"ran": [], "status": {}}

    def fake_run(cmd, cwd=None, env=None):
        state["ran"].append(list(cmd))
        name = "pytest" if "pytest" in cmd else cmd[0]
        return state["status"].get(name, 0)

    monkeypatch.setattr(proc, "run", fake_run)
    monkeypatch.setenv("RCULAB_SKIP_SETUP", "1")
    return state


def test_runs_ctest_then_pytest(phases, capsys):
    status, _, err = run_cli(["test", "--preset", "asan"], capsys)
    assert status == 0
    ctest, pytest_cmd = phases["ran"]
    assert ctest == ["ctest", "--preset", "asan", "--output-on-failure"]
    assert pytest_cmd[1:] == ["-m", "pytest", "-q", "tests/python"]
    assert "all test phases passed" in err


def test_pytest_uses_debian_python_when_present(phases, capsys, monkeypatch):
    from lab.commands import test as test_command
    monkeypatch.setattr(test_command.os, "access", lambda path, mode: path == "/usr/bin/python3")
    run_cli(["test"], capsys)
    assert phases["ran"][1][0] == "/usr/bin/python3"


@pytest.mark.parametrize("failing", [["ctest"], ["pytest"], ["ctest", "pytest"]])
def test_failing_phase_is_named_and_exit_is_nonzero(phases, capsys, failing):
    phases["status"] = {name: 8 for name in failing}
    status, _, err = run_cli(["test"], capsys)
    assert status == 1
    assert len(phases["ran"]) == 2  # a ctest failure does not hide pytest's result
    assert f"test phase failed: {', '.join(failing)} (preset release)" in err.splitlines()[-1]


def test_no_python_skips_pytest(phases, capsys):
    status, _, _ = run_cli(["test", "--no-python"], capsys)
    assert status == 0
    assert [cmd[0] for cmd in phases["ran"]] == ["ctest"]
