"""`rculab run`, first section: the micro-benchmark pass through a fake
rculab-bench, its comparison table, the saved JSON and the exit status."""
import json
import re

import pytest

from conftest import backend, bench_rows, run_cli, torture_result
from lab import provenance

NAMES = ["qsbr", "rwlock", "none", "urcu-qsbr"]  # the fixture's backends


def spec(fake_core, names=NAMES, rows=None, behaviour=None, unavailable=()):
    fake_core.set(backends=[backend(n, safe=n != "none", available=n not in unavailable) for n in names],
                  torture={n: torture_result(n) for n in names},
                  bench_rows_by_backend=rows, bench_behaviour=behaviour)


def bench_table(out):
    """The benchmark table as {backend: {header: cell}}; note rows as {"note": text}."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("backend "))
    end = next(i for i in range(start, len(lines)) if lines[i] == "")
    headers = re.split(r"\s{2,}", lines[start])
    table = {}
    for line in lines[start + 2:end]:
        cells = re.split(r"\s{2,}", line.strip())
        table[cells[0]] = dict(zip(headers, cells)) if len(cells) == len(headers) else {"note": cells[1]}
    return table


def run(capsys, *argv):
    return run_cli(["run", "--skip-torture", *argv], capsys)


def test_table_from_canned_json(fake_core, capsys):
    spec(fake_core)
    status, out, _ = run(capsys)
    assert status == 0
    table = bench_table(out)
    assert list(table) == NAMES
    qsbr = table["qsbr"]
    assert qsbr["read ns"] == "0.76"        # 200164562 ns x 1 / 264272896 reads
    assert qsbr["loop ns"] == "0.67"        # 1365112 / 2048000
    assert qsbr["read/twin"] == "1.70"      # 0.7574 / urcu-qsbr's 0.4453
    assert qsbr["read/none"] == "1.50"      # 0.7574 / none's 0.5037
    assert qsbr["sync p50 µs"] == "0.54"
    assert qsbr["sync p99 µs"] == "1.79"
    assert qsbr["sync/twin"] == "0.53"      # 543 / 1023
    assert qsbr["syncs/GP"] == "1.00"
    assert qsbr["cb p50 µs"] == "79692"
    assert qsbr["cb/s"] == "1.96M"          # 391438 callbacks in 200076493 ns
    assert qsbr["violations"] == "0"
    assert "micro-benchmarks OK on all 4 backends run (0 skipped), no violations" in out


def test_backends_without_twin_or_without_points_show_dashes(fake_core, capsys):
    spec(fake_core)
    _, out, _ = run(capsys)
    table = bench_table(out)
    rwlock = table["rwlock"]
    assert (rwlock["read ns"], rwlock["read/none"]) == ("25.6", "50.88")
    assert rwlock["read/twin"] == rwlock["sync/twin"] == "-"  # no liburcu twin
    assert table["urcu-qsbr"]["read/twin"] == "-"             # ratios are ours / twin, on our row
    none = table["none"]
    assert none["read/none"] == "1.00"
    assert [none[h] for h in ("sync p50 µs", "sync p99 µs", "syncs/GP", "cb p50 µs", "cb/s")] == ["-"] * 5


def test_twin_not_run_leaves_the_ratio_out(fake_core, capsys):
    spec(fake_core)
    _, out, _ = run(capsys, "--backends", "qsbr,none")
    qsbr = bench_table(out)["qsbr"]
    assert qsbr["read/twin"] == qsbr["sync/twin"] == "-"
    assert qsbr["read/none"] == "1.50"


def test_unknown_grace_period_count_is_a_dash(fake_core, capsys):
    rows = {n: bench_rows(n) for n in NAMES}
    for row in rows["qsbr"]:
        row["grace_periods"] = -1
    for row in rows["urcu-qsbr"]:
        row["grace_periods"] = row["sync_calls"] / 4
    spec(fake_core, rows=rows)
    _, out, _ = run(capsys)
    table = bench_table(out)
    assert table["qsbr"]["syncs/GP"] == "-"
    assert table["urcu-qsbr"]["syncs/GP"] == "4.00"


def test_each_backend_runs_once_with_the_pass_flags(fake_core, capsys):
    spec(fake_core)
    run(capsys, "--duration", "0.5")
    calls = fake_core.bench.calls()
    assert [c[0] for c in calls] == [f"--backends={n}" for n in NAMES]
    first = calls[0]
    out_flag = next(a for a in first if a.startswith("--benchmark_out="))
    assert first == ["--backends=qsbr", "--readers=1", "--updaters=1", "--duration=0.5", "--warmup=0.05",
                     "--benchmark_filter=^(read_cost|gp_latency|call_rcu)/", out_flag,
                     "--benchmark_out_format=json", "--benchmark_format=console"]


def test_default_duration_is_a_fifth_of_a_second(fake_core, capsys):
    spec(fake_core)
    run(capsys)
    assert "--duration=0.2" in fake_core.bench.calls()[0]


def test_bench_gets_the_git_commit(fake_core, capsys):
    spec(fake_core)
    run(capsys)
    expected = provenance.commit_id()
    assert expected  # the test suite runs inside the repository
    assert fake_core.bench.commits() == [expected] * len(NAMES)


@pytest.mark.parametrize("workload", ["read_cost", "gp_latency"])
def test_violations_flag_the_row_and_fail_the_run(fake_core, capsys, workload):
    rows = {n: bench_rows(n) for n in NAMES}
    for row in rows["rwlock"]:
        if row["name"].startswith(workload + "/"):
            row["violations"] = 2
    spec(fake_core, rows=rows)
    status, out, _ = run(capsys)
    assert status == 1
    table = bench_table(out)
    assert table["rwlock"]["violations"] == "FAIL (2)"
    assert table["qsbr"]["violations"] == "0"
    assert any(line.strip().startswith("[2/4] rwlock") and line.endswith("2 VIOLATIONS")
               for line in out.splitlines())
    assert "micro-benchmarks FAILED on 1 of 4 backends run: rwlock (2 violations)" in out


def test_crash_of_one_backend_is_reported_and_the_others_still_run(fake_core, capsys):
    spec(fake_core, behaviour={"rwlock": {"crash": True}})
    status, out, _ = run(capsys)
    assert status == 1
    table = bench_table(out)
    assert table["rwlock"] == {"note": "CRASH: killed by SIGSEGV"}
    assert table["urcu-qsbr"]["read ns"] == "0.45"
    assert len(fake_core.bench.calls()) == len(NAMES)
    assert "FAILED on 1 of 4 backends run: rwlock (CRASH)" in out


def test_bench_error_shows_its_own_message(fake_core, capsys):
    spec(fake_core, behaviour={"qsbr": {"exit": 2, "stderr": "rculab-bench: placement: bind failed\nmore"}})
    status, out, _ = run(capsys)
    assert status == 1
    assert bench_table(out)["qsbr"] == {"note": "ERROR: exit 2: rculab-bench: placement: bind failed"}
    assert bench_table(out)["rwlock"]["read/none"] == "50.88"


@pytest.mark.parametrize("rows, expected", [([], "no benchmark matched"), (None, "invalid JSON")])
def test_no_usable_rows_is_an_error(fake_core, capsys, rows, expected):
    all_rows = {n: bench_rows(n) for n in NAMES}
    behaviour = {}
    if rows is None:
        behaviour = {"none": {"garbage": True}}
    else:
        all_rows["none"] = rows
    spec(fake_core, rows=all_rows, behaviour=behaviour)
    status, out, _ = run(capsys)
    assert status == 1
    assert expected in bench_table(out)["none"]["note"]
    assert bench_table(out)["qsbr"]["read/none"] == "-"  # no baseline to compare with


def test_unavailable_backend_is_skipped_not_run(fake_core, capsys):
    spec(fake_core, unavailable=("rwlock",))
    status, out, _ = run(capsys)
    assert status == 0
    assert [c[0] for c in fake_core.bench.calls()] == ["--backends=qsbr", "--backends=none",
                                                      "--backends=urcu-qsbr"]
    assert bench_table(out)["rwlock"] == {"note": "skipped (not available in this build)"}
    assert "OK on all 3 backends run (1 skipped)" in out


def test_progress_is_one_line_per_backend(fake_core, capsys):
    spec(fake_core, unavailable=("urcu-qsbr",))
    _, out, _ = run(capsys)
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("micro-benchmarks:"))
    shown = [line.strip() for line in lines[first + 1:first + 5]]
    assert re.fullmatch(r"\[1/4\] qsbr\s+running\.\.\. 4 benchmarks in \d+\.\d s", shown[0])
    assert re.fullmatch(r"\[3/4\] none\s+running\.\.\. 1 benchmark in \d+\.\d s", shown[2])
    assert re.fullmatch(r"\[4/4\] urcu-qsbr\s+skipped \(not available in this build\)", shown[3])


def test_raw_json_is_one_merged_file_under_runs(fake_core, capsys, runs_root):
    spec(fake_core)
    _, out, _ = run(capsys)
    files = list(runs_root.rglob("*"))
    saved = [f for f in files if f.is_file()]
    assert [f.name for f in saved] == ["bench.json"]
    assert re.fullmatch(r"\d{8}T\d{6}Z", saved[0].parent.name)
    assert f"raw Google Benchmark JSON: {saved[0]}" in out.splitlines()
    doc = json.loads(saved[0].read_text())
    assert doc["context"]["rculab_commit"] == "c087566c3bff"  # the fake's canned context
    names = [row["name"].split("/")[1] for row in doc["benchmarks"]]
    assert names == ["backend:qsbr"] * 4 + ["backend:rwlock"] * 4 + ["backend:none"] + ["backend:urcu-qsbr"] * 4


def test_a_second_run_in_the_same_second_gets_its_own_folder(fake_core, capsys, runs_root, monkeypatch):
    from datetime import datetime, timezone
    from lab import results
    frozen = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    monkeypatch.setattr(results, "timestamp", lambda now=None: frozen.strftime("%Y%m%dT%H%M%SZ"))
    spec(fake_core, names=["qsbr"])
    run(capsys)
    run(capsys)
    assert sorted(p.name for p in runs_root.iterdir()) == ["20260102T030405Z", "20260102T030405Z-2"]


def test_unknown_backend_name_is_a_usage_error(fake_core, capsys):
    spec(fake_core)
    status, out, err = run(capsys, "--backends", "qsbr,nope")
    assert status == 2
    assert err.splitlines() == ["rculab: error: --backends: unknown backend 'nope' "
                                "(one of: qsbr, rwlock, none, urcu-qsbr)"]
    assert fake_core.bench.calls() == []


def test_missing_bench_binary_is_one_error_line(fake_core, capsys, tmp_path, monkeypatch):
    spec(fake_core)
    monkeypatch.setenv("RCULAB_BENCH", str(tmp_path / "nope"))
    status, _, err = run(capsys)
    assert status == 1
    assert err.count("\n") == 1 and err.startswith("rculab: error: rculab-bench not found")


def test_unsaveable_json_is_reported_and_fails_but_the_gate_still_runs(fake_core, capsys, runs_root):
    spec(fake_core)
    runs_root.parent.mkdir(parents=True, exist_ok=True)
    runs_root.write_text("a file where the runs folder should be")
    status, out, _ = run_cli(["run"], capsys)
    assert status == 1
    assert "raw Google Benchmark JSON NOT saved: " in out
    assert "torture gate PASSED on all 3 backends run (1 skipped)" in out


def test_row_that_does_not_parse_is_that_backends_error(fake_core, capsys):
    rows = {n: bench_rows(n) for n in NAMES}
    rows["rwlock"][0].update(run_type="aggregate", aggregate_name="median")  # name has no _median
    spec(fake_core, rows=rows)
    status, out, _ = run(capsys)
    assert status == 1
    assert bench_table(out)["rwlock"]["note"].startswith("ERROR: aggregate row 'read_cost/backend:rwlock/")
    assert bench_table(out)["qsbr"]["read ns"] == "0.76"
