"""Interleaved repetitions (lab/runner/passes.py): R passes of one repetition
over every point, in the run order; a record when a point's last pass is
done; a failed pass ends its point at once; an interrupted sweep resumes
from the passes it has."""
import json

from lab.records.validate import check_set
from lab.runner import execute
from sweep_support import SMALL_SPEC, manifest_of, only_set, records_of, write_spec
from test_sweep_runner import sweep

INTERLEAVED = SMALL_SPEC.replace("interleave = false", "interleave = true").replace("repetitions = 2",
                                                                                      "repetitions = 3")


def test_passes_run_every_point_once_per_repetition_in_the_run_order(sweep_env, tmp_path, capsys):
    status, _, err = sweep(capsys, "--spec", str(write_spec(tmp_path, INTERLEAVED)))
    assert status == 0, err
    set_dir = only_set(sweep_env.results)
    order = manifest_of(set_dir)["order"]
    ran = [k.replace("/", ".").replace(":", "=") for k in sweep_env.runs()]
    assert ran == order * 3  # pass 1 of every point, then pass 2, then pass 3
    assert all("--benchmark_repetitions=1" in json.loads(line)["argv"]
               for line in sweep_env.log_path.read_text().splitlines())
    records = records_of(set_dir)
    assert len(records) == len(order) and check_set(set_dir) == ([], len(order))
    for record in records.values():
        assert [r["index"] for r in record["repetitions"]] == [0, 1, 2] and record["run"]["passes"] == 3
    assert not list((set_dir / "points" / ".partial").glob("*"))


def test_a_failed_pass_ends_its_point_at_once(sweep_env, tmp_path, capsys):
    bad = "gp_latency/backend:mb/readers:2/updaters:1/placement:compact"
    sweep_env.set(behaviour={bad: {"crash": True}})
    status, _, err = sweep(capsys, "--spec", str(write_spec(tmp_path, INTERLEAVED)))
    assert status == 1 and "1 FAILED" in err
    assert sweep_env.runs().count(bad) == 1  # no second or third pass for it
    record = records_of(only_set(sweep_env.results))[bad.replace("/", ".").replace(":", "=")]
    assert record["status"] == "failed" and record["error"]["reason"] == "crash"


def test_an_interrupted_sweep_resumes_from_the_passes_it_has(sweep_env, tmp_path, capsys, monkeypatch):
    real, calls = execute.run_point, []

    def interrupted_in_pass_two(*args, **kwargs):
        calls.append(1)
        if len(calls) == 16:  # 12 points: pass 1 done, pass 2 a third through
            raise KeyboardInterrupt
        return real(*args, **kwargs)
    monkeypatch.setattr(execute, "run_point", interrupted_in_pass_two)
    status, _, err = sweep(capsys, "--spec", str(write_spec(tmp_path, INTERLEAVED)))
    assert status == 130 and "interrupted" in err
    set_dir = only_set(sweep_env.results)
    assert len(list((set_dir / "points" / ".partial").glob("*.json"))) == 12 and not records_of(set_dir)
    monkeypatch.setattr(execute, "run_point", real)
    status, _, err = sweep(capsys, "--resume", set_dir.name)
    assert status == 0, err
    assert len(sweep_env.runs()) == 12 * 3  # every pass of every point exactly once, across both runs
    assert check_set(set_dir) == ([], 12)
    assert all(len(r["repetitions"]) == 3 for r in records_of(set_dir).values())
