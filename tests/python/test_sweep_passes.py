"""Interleaved repetitions (lab/runner/passes.py): R passes of one repetition
over every point, in the run order; a record when a point's last pass is
done; a failed pass ends its point at once; an interrupted sweep resumes
from the passes it has."""
import json

import pytest

from lab.base.errors import LabError
from lab.records.validate import check_set
from lab.runner import execute
from lab.runner import sweep as runner
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


ADAPTIVE = INTERLEAVED.replace("interleave = true", "interleave = true\n    adaptive_ci = 0.05\n    max_repetitions = 8")
JITTERY = "read_cost/backend:qsbr/readers:1/placement:compact"


def test_adaptive_passes_stop_a_steady_point_at_95_percent_and_a_jittery_one_at_the_cap(sweep_env, tmp_path,
                                                                                          capsys):
    sweep_env.set(behaviour={JITTERY: {"jitter": 1.0}})
    status, _, err = sweep(capsys, "--spec", str(write_spec(tmp_path, ADAPTIVE)))
    assert status == 0, err
    set_dir = only_set(sweep_env.results)
    runs = sweep_env.runs()
    jittery_key = JITTERY.replace("/", ".").replace(":", "=")
    for key, record in records_of(set_dir).items():
        adaptive = record["run"]["adaptive"]
        if key == jittery_key:  # its CI never narrows to +-5%: measured up to max_repetitions
            assert record["run"]["passes"] == 8 and len(record["repetitions"]) == 8
            assert adaptive["met"] is False and adaptive["half_width"] > 0.05
        else:  # the same value every pass: the first 95% interval (6 values) is already exact
            assert record["run"]["passes"] == 6 and adaptive == {"target": 0.05, "half_width": 0.0, "met": True}
    assert runs.count(JITTERY) == 8 and len(runs) == 11 * 6 + 8
    assert "1 reached max_repetitions (8)" in err and jittery_key in err
    assert check_set(set_dir) == ([], 12)


def test_an_adaptive_plan_needs_the_precision_judge(tmp_path):
    plan = {"spec": {"name": "x", "repetitions": 3, "interleave": True, "adaptive_ci": 0.05, "max_repetitions": 8},
            "points": [{"key": "k"}], "seed": 1}
    with pytest.raises(LabError, match="adaptive repetitions"):
        runner.start(plan, "bench", tmp_path / "results", "profile", {})
    assert not (tmp_path / "results").exists()  # refused before a set exists


def test_a_points_noise_keeps_the_worst_pass_of_each_kind():
    from lab.runner.passes import worst_of_each_kind
    reasons = ["other processes took 50% of the CPUs", "the hypervisor stole 2.5% of the CPUs",
               "other processes took 71% of the CPUs", "other processes took 9% of the CPUs",
               "the hypervisor stole 12.5% of the CPUs"]
    assert worst_of_each_kind(reasons) == ["other processes took 71% of the CPUs",
                                           "the hypervisor stole 12.5% of the CPUs"]
    assert worst_of_each_kind([]) == []
