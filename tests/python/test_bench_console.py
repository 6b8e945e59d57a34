"""`rculab bench`'s own console: a progress line per point and the lab's
columns, computed from the JSON the bench wrote; --raw and Google Benchmark's
own format flags give the bench's console unchanged."""
import json

import pytest

from conftest import backend, bench_rows, run_cli, torture_result


def row(name, **counters):
    base = {"name": name + "/iterations:1/manual_time", "run_type": "iteration", "iterations": 1,
            "real_time": 1.0, "cpu_time": 1.0, "time_unit": "ms", "wall_ns": 1e9, "reader_ops": 0.0,
            "updater_ops": 0.0, "lat_samples": 0.0, "lat_p50_ns": 0.0, "lat_p99_ns": 0.0, "violations": 0.0}
    base.update(counters)
    return base


@pytest.fixture
def canned(fake_core):
    rows = {
        "qsbr": [row("read_cost/backend:qsbr/readers:1/placement:compact", reader_ops=4e8),
                 row("gp_latency/backend:qsbr/readers:1/updaters:1/placement:compact", updater_ops=2e5,
                     lat_samples=100.0, lat_p50_ns=2500.0, lat_p99_ns=9000.0)],
        "urcu-qsbr": [row("read_cost/backend:urcu-qsbr/readers:1/placement:compact", reader_ops=2e8)],
        "none": [row("read_cost/backend:none/readers:1/placement:compact", reader_ops=5e8, violations=2.0)],
    }
    fake_core.set(backends=[backend(n) for n in rows], torture={n: torture_result(n) for n in rows},
                  bench_rows_by_backend=rows)
    return fake_core


def table(out):
    lines = [line for line in out.splitlines() if line.strip()]
    header = next(i for i, line in enumerate(lines) if line.startswith("point "))
    return {line.split()[0]: line.split() for line in lines[header + 2:]}


def test_lab_columns_rates_and_ratios(canned, capfd):
    status, out, err = run_cli(["bench", "--smoke"], capfd)
    assert status == 0, err
    rows = table(out)
    qsbr = rows["read_cost/backend:qsbr/readers:1/placement:compact"]
    assert qsbr[1:6] == ["4e+08", "reads/s", "0.8", "2", "-"]   # vs none 4/5, vs twin 4/2
    gp = rows["gp_latency/backend:qsbr/readers:1/updaters:1/placement:compact"]
    assert gp[1:3] == ["2e+05", "syncs/s"] and gp[5:8] == ["2.5", "9", "0"]
    assert rows["read_cost/backend:none/readers:1/placement:compact"][-1] == "2"
    assert "fake bench console output" not in out  # the bench's console is replaced
    calls = canned.bench.calls()
    assert any(a.startswith("--benchmark_out=") for a in calls[0]) and "--smoke" in calls[0]


@pytest.mark.parametrize("flag", ["--raw", "--benchmark_format=json", "--list_counters"])
def test_raw_console_on_request(canned, capfd, flag):
    status, out, _ = run_cli(["bench", flag, "--smoke"], capfd)
    assert status == 0
    assert out == "fake bench console output\n"
    forwarded = canned.bench.calls()[0]
    assert "--raw" not in forwarded and not any(a.startswith("--benchmark_out=") for a in forwarded)


def test_users_out_file_is_kept_and_read(canned, capfd, tmp_path):
    out_file = tmp_path / "mine.json"
    status, out, _ = run_cli(["bench", f"--benchmark_out={out_file}"], capfd)
    assert status == 0
    assert json.loads(out_file.read_text())["benchmarks"]
    assert "reads/s" in out


def test_bench_failure_keeps_its_status(canned, capfd):
    canned.bench.set(rows={}, behaviour={"*": {"exit": 2, "stderr": "rculab-bench: --readers: bad"}})
    status, _, err = run_cli(["bench", "--readers=0"], capfd)
    assert status == 2 and "rculab-bench: --readers: bad" in err
