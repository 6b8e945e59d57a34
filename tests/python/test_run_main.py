"""`rculab run`, the main job, through a fake core and a fake bench: the quick
sweep lands in a result set, the comparison table is read from its records,
charts and report are drawn, and a failed or violating point fails the run."""
import json
import re

import pytest

from conftest import backend, run_cli, torture_result
from sweep_support import FakeSweepBench, manifest_of, only_set

NAMES = ["qsbr", "mb", "none"]


@pytest.fixture
def run_env(fake_core, run_sweep_bench):
    fake_core.set(backends=[backend(n, safe=n != "none") for n in NAMES],
                  torture={n: torture_result(n) for n in NAMES})
    return run_sweep_bench


def table(out):
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("backend "))
    headers = re.split(r"\s{2,}", lines[start])
    rows = {}
    for line in lines[start + 2:]:
        if not line.strip():
            break
        cells = re.split(r"\s{2,}", line.strip())
        rows[cells[0]] = dict(zip(headers, cells))
    return rows


def test_quick_sweep_becomes_a_set_a_table_charts_and_a_report(run_env, capsys):
    status, out, err = run_cli(["run", "--skip-torture"], capsys)
    assert status == 0, err
    set_dir = only_set(run_env.results)
    manifest = manifest_of(set_dir)
    assert manifest["spec"]["name"] == "quick"
    assert {p["backend"] for p in manifest["points"]} == set(NAMES)
    rows = table(out)
    assert set(rows) == set(NAMES)
    # the fake's read_cost: wall 1e7 ns x 1 reader / 1000 ops = 10000 ns per read
    assert rows["qsbr"]["read ns"] == "10000" and rows["qsbr"]["read/none"] == "1.00"
    assert "quick sweep OK" in out
    assert f"result set: {set_dir}" in out
    assert (set_dir / "report" / "index.html").is_file()
    assert any((set_dir / "charts").glob("*.png"))


def test_backends_and_duration_shape_the_sweep(run_env, capsys):
    status, _, err = run_cli(["run", "--skip-torture", "--no-charts", "--backends", "qsbr,none",
                              "--duration", "0.05"], capsys)
    assert status == 0, err
    manifest = manifest_of(only_set(run_env.results))
    assert {p["backend"] for p in manifest["points"]} == {"qsbr", "none"}
    assert manifest["spec"]["duration"] == 0.05
    assert all("--duration=0.05" in p["bench_args"] for p in manifest["points"])


@pytest.mark.parametrize("behaviour, expected", [
    ({"violations": 3}, "violations on mb"),
    ({"crash": True}, "1 failed point(s)"),
])
def test_a_bad_point_fails_the_run_but_is_kept(run_env, capsys, behaviour, expected):
    run_env.set(backends=NAMES, behaviour={"gp_latency/backend:mb/readers:1/updaters:1/placement:compact": behaviour})
    status, out, _ = run_cli(["run", "--skip-torture", "--no-charts"], capsys)
    assert status == 1
    assert "quick sweep FAILED" in out and expected in out
    record = json.loads(next((only_set(run_env.results) / "points").glob("gp_latency.backend=mb.*")).read_text())
    assert record["status"] == "failed"


def test_unknown_backend_is_one_usage_line(run_env, capsys):
    status, _, err = run_cli(["run", "--backends", "qsbr,nope"], capsys)
    assert status == 2
    assert err.strip().splitlines() == [
        "rculab: error: --backends: unknown backend 'nope' (one of: qsbr, mb, none)"]
    assert not run_env.results.exists()
