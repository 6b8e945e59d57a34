"""`rculab torture`, `list` and `quick` hand their work to rculab-core unchanged,
`rculab bench` to rculab-bench. (capfd, not capsys: the child writes straight to
the inherited file descriptors.)"""
import json

import pytest

from conftest import backend, run_cli, run_shim, torture_result


@pytest.fixture
def spec(fake_core):
    fake_core.set(backends=[backend("qsbr"), backend("mb")],
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
    from lab.base import paths
    monkeypatch.delenv("RCULAB_CORE", raising=False)
    assert paths.core_path("tsan") == paths.REPO_ROOT / "build" / "tsan" / "rculab-core"


def test_quick_forwards_args_in_order_without_preset(spec, capfd):
    status, out, _ = run_cli(["quick", "--preset", "release", "--backend", "qsbr", "--json"], capfd)
    assert status == 0
    assert spec.calls() == [["quick", "--backend", "qsbr", "--json"]]
    assert json.loads(out)[0]["backend"] == "qsbr"


BENCH_ARGS = ["--benchmark_filter=^read_cost/", "--backends=qsbr,mb", "--readers=1,2",
              "--benchmark_repetitions=3", "--placement", "--smoke", "--benchmark_format=json",
              "-x", "positional"]


def test_bench_forwards_every_arg_unchanged_and_in_order_without_preset(spec, capfd):
    argv = BENCH_ARGS[:3] + ["--preset", "tsan"] + BENCH_ARGS[3:]
    status, out, _ = run_cli(["bench", *argv], capfd)
    assert status == 0
    assert spec.bench.calls() == [BENCH_ARGS]
    assert out == "fake bench console output\n"  # stdout is the bench's, untouched


@pytest.mark.parametrize("code", [0, 1, 2, 7])
def test_bench_exit_status_is_the_benchs(spec, code):
    spec.bench.set(rows={}, behaviour={"*": {"exit": code, "stderr": "rculab-bench: --readers: bad"}})
    done = run_shim("bench", "--readers=0")
    assert done.returncode == code
    assert "rculab-bench: --readers: bad" in done.stderr


def test_bench_crash_is_reported_shell_style(spec):
    spec.bench.set(rows={}, behaviour={"*": {"crash": True}})
    assert run_shim("bench").returncode == 128 + 11  # SIGSEGV


def test_bench_child_gets_the_git_commit(spec, capfd):
    from lab.setup import provenance
    run_cli(["bench", "--smoke"], capfd)
    assert spec.bench.commits() == [provenance.commit_id()]
    assert spec.bench.commits()[0]


def test_bench_binary_defaults_to_build_dir_of_preset(monkeypatch):
    from lab.base import paths
    monkeypatch.delenv("RCULAB_BENCH", raising=False)
    assert paths.bench_path("asan") == paths.REPO_ROOT / "build" / "asan" / "rculab-bench"


def test_bench_without_binary_is_one_error_line(spec, tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("RCULAB_BENCH", str(tmp_path / "absent"))
    status, out, err = run_cli(["bench", "--smoke"], capfd)
    assert status == 1
    assert err.splitlines() == [f"rculab: error: rculab-bench not found at {tmp_path / 'absent'}; "
                                "build it with: ./rculab setup --preset release"]
    assert spec.bench.calls() == []
