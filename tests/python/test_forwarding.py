"""`rculab torture` and `rculab list` hand their work to rculab-core unchanged.
(capfd, not capsys: the core writes straight to the inherited file descriptors.)"""
import json

import pytest

from conftest import backend, run_cli, run_shim, torture_result


@pytest.fixture
def spec(fake_core):
    fake_core.set(backends=[backend("qsbr")],
                  torture={"qsbr": torture_result("qsbr"),
                           "mb": torture_result("mb", passed=False)})
    return fake_core


def test_torture_forwards_args_in_order_without_preset(spec, capfd):
    argv = ["--backend", "qsbr", "--seconds", "1.5", "--preset", "tsan", "--readers", "2",
            "--seed", "-7", "--extra-updaters", "1", "--json"]
    status, out, _ = run_cli(["torture", *argv], capfd)
    assert status == 0
    assert spec.calls() == [["torture", "--backend", "qsbr", "--seconds", "1.5", "--readers", "2",
                             "--seed", "-7", "--extra-updaters", "1", "--json"]]
    assert json.loads(out)["backend"] == "qsbr"  # stdout is the core's JSON, untouched


@pytest.mark.parametrize("backend_name, expected", [("qsbr", 0), ("mb", 1), ("unknown", 2)])
def test_torture_exit_status_is_the_cores(spec, backend_name, expected):
    done = run_shim("torture", "--backend", backend_name, "--json")
    assert done.returncode == expected


def test_torture_bad_argument_error_comes_from_core_as_one_line(spec):
    done = run_shim("torture", "--backend", "unknown")
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["rculab-core: unknown backend 'unknown'"]


def test_list_forwards_json_flag(spec, capfd):
    status, out, _ = run_cli(["list", "--json"], capfd)
    assert status == 0
    assert json.loads(out)["backends"][0]["name"] == "qsbr"
    assert spec.calls() == [["list", "--json"]]


def test_list_text_by_default(spec, capfd):
    status, out, _ = run_cli(["list"], capfd)
    assert (status, out) == (0, "fake text listing\n")
    assert spec.calls() == [["list"]]


def test_core_binary_defaults_to_build_dir_of_preset(monkeypatch):
    from lab import paths
    monkeypatch.delenv("RCULAB_CORE", raising=False)
    assert paths.core_path("tsan") == paths.REPO_ROOT / "build" / "tsan" / "rculab-core"


def test_quick_forwards_args_in_order_without_preset(spec, capfd):
    status, out, _ = run_cli(["quick", "--preset", "release", "--backend", "qsbr", "--json"], capfd)
    assert status == 0
    assert spec.calls() == [["quick", "--backend", "qsbr", "--json"]]
    assert json.loads(out)[0]["backend"] == "qsbr"
