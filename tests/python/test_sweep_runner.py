"""The runner: one process per point, randomized reproducible order, atomic
records, resume, kill -9, the set lock, failed points recorded."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO_ROOT, SHIM, run_cli
from sweep_support import (SMALL_SPEC, manifest_of, only_set, records_of, sets_of,
                           write_spec)

from lab.records import results
from lab.records.validate import check_set
from lab.records import resultset


def sweep(capsys, *args):
    return run_cli(["sweep", *args], capsys)


def test_a_sweep_writes_the_manifest_and_one_record_per_point(sweep_env, tmp_path, capsys):
    status, _, err = sweep(capsys, "--spec", str(write_spec(tmp_path, SMALL_SPEC)))
    assert status == 0, err
    set_dir = only_set(sweep_env.results)
    manifest = manifest_of(set_dir)
    assert set_dir.name == manifest["set_id"] and set_dir.name.endswith("-small")
    assert manifest["seed"] == 7 and manifest["shard"] is None and len(manifest["points"]) == 12
    records = records_of(set_dir)
    assert sorted(records) == [p["key"] for p in manifest["points"]]
    assert check_set(set_dir) == ([], 12)
    assert not (set_dir / ".lock").exists()
    record = records["gp_latency.backend=qsbr.readers=1.updaters=2.placement=compact"]
    assert record["status"] == "ok" and record["error"] is None
    assert [r["index"] for r in record["repetitions"]] == [0, 1]  # iteration rows only, no aggregate
    rep = record["repetitions"][1]
    assert rep["counters"]["reader_ops"] == 2000.0 and "lat_h37" not in rep["counters"]
    assert rep["latency_histogram"] == {"counts": {"37": 2, "40": 3}, "max_ns": 900}
    assert "latency_histogram" not in records["read_cost.backend=qsbr.readers=1.placement=compact"]["repetitions"][0]
    assert record["context"]["fake"] == "yes"
    assert record["run"]["attempt"] == 1 and record["host_state"]["loadavg_before"] is not None
    # Each point ran alone, with its exact filter, its flags and RCULAB_COMMIT.
    call = json.loads(sweep_env.log_path.read_text().splitlines()[0])
    assert len(call["names"]) == 1 and call["commit"]
    assert any(a.startswith("--benchmark_filter=^") and a.endswith("/iterations:1/manual_time$") for a in call["argv"])


def test_run_order_is_random_and_reproducible_from_the_seed(sweep_env, tmp_path, capsys):
    spec = write_spec(tmp_path, SMALL_SPEC)
    orders = []
    for seed in ("11", "11", "12"):
        sweep_env.log_path.write_text("")
        assert sweep(capsys, "--spec", str(spec), "--seed", seed)[0] == 0
        set_dir = sets_of(sweep_env.results)[-1]
        manifest = manifest_of(set_dir)
        keys = [p["benchmark"] for p in manifest["points"]]
        ran = sweep_env.runs()
        assert [resultset.run_order([p["key"] for p in manifest["points"]], int(seed))] == [manifest["order"]]
        assert [k.replace("/", ".").replace(":", "=") for k in ran] == manifest["order"]  # ran in that order
        assert ran != sorted(keys)
        orders.append(manifest["order"])
        for key, record in records_of(set_dir).items():
            assert manifest["order"][record["run"]["order_index"]] == key
    assert orders[0] == orders[1] and orders[0] != orders[2]


def test_a_record_write_that_fails_leaves_no_partial_file_and_resume_completes(sweep_env, tmp_path, capsys,
                                                                               monkeypatch):
    real_fsync, calls = os.fsync, []

    def failing_fsync(fd):
        calls.append(fd)
        if len(calls) == 4:  # manifest, 2 records, then the 3rd record dies mid-write
            raise OSError(5, "Input/output error")
        real_fsync(fd)
    monkeypatch.setattr(results.os, "fsync", failing_fsync)
    status, _, err = sweep(capsys, "--spec", str(write_spec(tmp_path, SMALL_SPEC)))
    assert status != 0 and "Input/output error" in err
    set_dir = only_set(sweep_env.results)
    assert sorted(p.name for p in (set_dir / "points").iterdir()) == sorted(f"{k}.json" for k in records_of(set_dir))
    assert len(records_of(set_dir)) == 2 and not (set_dir / ".lock").exists()
    monkeypatch.setattr(results.os, "fsync", real_fsync)
    assert sweep(capsys, "--resume", set_dir.name)[0] == 0
    assert check_set(set_dir) == ([], 12)


def test_resume_runs_exactly_the_missing_points(sweep_env, tmp_path, capsys):
    assert sweep(capsys, "--spec", str(write_spec(tmp_path, SMALL_SPEC)))[0] == 0
    set_dir = only_set(sweep_env.results)
    before = records_of(set_dir)
    removed = sorted(before)[3:6]
    for key in removed:
        (set_dir / "points" / f"{key}.json").unlink()
    sweep_env.log_path.write_text("")
    status, _, err = sweep(capsys, "--resume", str(set_dir))
    assert status == 0, err
    assert sorted(r.replace("/", ".").replace(":", "=") for r in sweep_env.runs()) == removed
    after = records_of(set_dir)
    assert sorted(after) == sorted(before)
    assert all(after[k] == before[k] for k in before if k not in removed)  # untouched
    sweep_env.log_path.write_text("")
    assert sweep(capsys, "--resume", set_dir.name)[0] == 0 and sweep_env.runs() == []


def test_kill_9_in_the_middle_then_resume_completes_each_point_exactly_once(sweep_env, tmp_path):
    sweep_env.set(sleep=0.15)
    spec = write_spec(tmp_path, SMALL_SPEC)
    child = subprocess.Popen([str(SHIM), "sweep", "--spec", str(spec)], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = sets_of(sweep_env.results)
        if found and len(list((found[0] / "points").glob("*.json"))) >= 3:
            break
        time.sleep(0.02)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    set_dir = only_set(sweep_env.results)
    recorded = records_of(set_dir)
    assert 3 <= len(recorded) < 12, "the kill must land in the middle of the sweep"
    assert (set_dir / ".lock").exists()  # a killed runner cannot clean up: the lock is stale
    assert check_set(set_dir)[0][0].kind == "incomplete"
    time.sleep(0.3)  # let the orphaned bench of the killed runner finish
    sweep_env.log_path.write_text("")
    done = subprocess.run([str(SHIM), "sweep", "--resume", set_dir.name], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "took over the stale lock" in done.stderr
    final = records_of(set_dir)
    keys = [p["key"] for p in manifest_of(set_dir)["points"]]
    assert sorted(final) == keys  # every point, each exactly once (one file per key)
    assert sorted(p.name for p in (set_dir / "points").iterdir()) == [f"{k}.json" for k in keys]
    assert all(final[k] == recorded[k] for k in recorded)  # nothing recorded before was redone
    assert sorted(r.replace("/", ".").replace(":", "=") for r in sweep_env.runs()) == sorted(set(keys) - set(recorded))
    assert check_set(set_dir) == ([], 12) and not (set_dir / ".lock").exists()


def test_a_second_writer_is_refused_while_the_first_runs(sweep_env, tmp_path, capsys):
    assert sweep(capsys, "--spec", str(write_spec(tmp_path, SMALL_SPEC)))[0] == 0
    set_dir = only_set(sweep_env.results)
    first = sorted((set_dir / "points").glob("*.json"))[0]
    first.unlink()
    holder = subprocess.Popen(["sleep", "30"])
    try:
        (set_dir / ".lock").write_text(f"{holder.pid}\n")
        status, _, err = sweep(capsys, "--resume", set_dir.name)
        assert status == 1
        assert err.strip() == (f"rculab: error: {set_dir}: another sweep (pid {holder.pid}) is writing this set; "
                               f"wait for it to finish or stop it (lock: {set_dir / '.lock'})")
        assert not first.exists() and (set_dir / ".lock").read_text() == f"{holder.pid}\n"
    finally:
        holder.kill()
        holder.wait()
    status, _, err = sweep(capsys, "--resume", set_dir.name)
    assert status == 0 and f"pid {holder.pid} is not running" in err and first.exists()


@pytest.mark.parametrize("how, reason, exit_status, reps", [
    ({"crash": True}, "crash", -signal.SIGSEGV, 0),
    ({"exit": 1, "stderr": "bad thing happened"}, "exit", 1, 0),
    ({"violations": 3}, "violations", 0, 2),
    ({"starved": 1}, "starved", 0, 2),
    ({"error_row": True}, "error_row", 0, 0),
    ({"no_rows": True}, "no_rows", 0, 0),
    ({"garbage": True}, "bad_output", 0, 0),
    ({"hang": True}, "timeout", -signal.SIGKILL, 0),
    ({"counters": {"sync_calls": 2.0 ** 64}}, "implausible", 0, 2),
    ({"counters": {"reader_ops": 0.0}}, "implausible", 0, 2),
])
def test_a_failed_point_is_recorded_not_dropped(sweep_env, tmp_path, capsys, how, reason, exit_status, reps):
    bad = "gp_latency/backend:mb/readers:2/updaters:1/placement:compact"
    sweep_env.set(behaviour={bad: how})
    spec = write_spec(tmp_path, SMALL_SPEC.replace("warmup = 0", "warmup = 0\ntimeout = 1"))
    status, _, err = sweep(capsys, "--spec", str(spec))
    assert status == 1 and "1 FAILED" in err
    set_dir = only_set(sweep_env.results)
    records = records_of(set_dir)
    assert len(records) == 12 and check_set(set_dir) == ([], 12)
    failed = {k: r for k, r in records.items() if r["status"] != "ok"}
    assert list(failed) == [bad.replace("/", ".").replace(":", "=")]
    record = failed[list(failed)[0]]
    assert record["status"] == "failed" and record["error"]["reason"] == reason
    assert record["error"]["exit_status"] == exit_status and len(record["repetitions"]) == reps
    if reason == "exit":
        assert "bad thing happened" in record["error"]["stderr_tail"]


def test_retry_failed_supersedes_the_old_record(sweep_env, tmp_path, capsys):
    bad = "read_cost/backend:qsbr/readers:1/placement:compact"
    sweep_env.set(behaviour={bad: {"crash": True}})
    assert sweep(capsys, "--spec", str(write_spec(tmp_path, SMALL_SPEC)))[0] == 1
    set_dir = only_set(sweep_env.results)
    sweep_env.set()
    sweep_env.log_path.write_text("")
    assert sweep(capsys, "--resume", set_dir.name)[0] == 0 and sweep_env.runs() == []  # failed != missing
    assert sweep(capsys, "--resume", set_dir.name, "--retry-failed")[0] == 0
    assert sweep_env.runs() == [bad]
    key = bad.replace("/", ".").replace(":", "=")
    record = records_of(set_dir)[key]
    assert record["status"] == "ok" and record["run"]["attempt"] == 2
    old = json.loads((set_dir / "points" / ".superseded" / f"{key}.1.json").read_text())
    assert old["status"] == "failed"


def test_the_standalone_runner_runs_a_plan_with_bare_python(sweep_env, tmp_path, capsys):
    plan = tmp_path / "plan.json"
    assert run_cli(["sweep", "--spec", str(write_spec(tmp_path, SMALL_SPEC)), "--plan-out", str(plan)], capsys)[0] == 0
    out = tmp_path / "elsewhere"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RCULAB_")}
    done = subprocess.run([sys.executable, "-S", "-m", "lab.runner", "run", str(plan), "--bench",
                           str(sweep_env.path), "--results", str(out), "--profile-id", "far-host"],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    set_dir = only_set(out)
    assert set_dir.parent.name == "far-host" and check_set(set_dir) == ([], 12)


def test_without_tqdm_progress_is_one_plain_line_per_point(sweep_env, tmp_path, capsys, monkeypatch):
    from lab.runner import progress
    monkeypatch.setattr(progress, "tqdm", None)  # a bare host
    status, _, err = sweep(capsys, "--spec", str(write_spec(tmp_path, SMALL_SPEC)))
    lines = [line for line in err.splitlines() if line.startswith("[")]
    assert status == 0 and len(lines) == 12
    assert lines[0].startswith("[1/12] 8% elapsed ") and " ETA " in lines[0] and lines[-1].startswith("[12/12] 100%")


def test_a_dead_runners_staged_lock_file_is_removed(tmp_path):
    """A runner killed between staging its lock file and removing it leaves
    `.lock.new.<pid>.*`; the next runner removes it, but not one whose runner
    still lives (it is about to link it into place)."""
    from lab.runner import lock as lock_module
    gone = subprocess.Popen(["true"])
    gone.wait()
    dead = tmp_path / f".lock.new.{gone.pid}.abc123"
    live = tmp_path / f".lock.new.{os.getppid()}.def456"
    for staged in (dead, live):
        staged.write_text("1\n")
    with lock_module.SetLock(tmp_path):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == [live.name]


def test_the_lock_is_never_seen_without_its_holder(tmp_path, monkeypatch):
    """A second runner that looks at the very moment the lock appears finds
    the first one's pid in it (and is refused), not an empty file it would
    take for stale."""
    from lab.runner import lock as lock_module
    seen = []
    real_link = os.link

    def link_then_look(source, target, **kw):
        real_link(source, target, **kw)
        seen.append(lock_module.holder(target))
        assert os.stat(target).st_mode & 0o777 == 0o644  # readable by other users' runners
        with pytest.raises(lock_module.LabError, match=f"another sweep \\(pid {os.getpid()}\\)"):
            lock_module.SetLock(tmp_path).acquire()

    monkeypatch.setattr(lock_module.os, "link", link_then_look)
    with lock_module.SetLock(tmp_path):
        assert seen == [os.getpid()]
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_noisy_points_are_measured_again_within_a_budget_and_flagged(sweep_env, tmp_path, capsys, monkeypatch):
    """Every point reads as noisy here: the budget (a tenth, at least one) re-runs the first,
    the others are recorded with their noise and named in the summary."""
    from lab.runner import hoststate
    monkeypatch.setattr(hoststate, "noise_reasons", lambda other, steal: ["other processes took 50% of the CPUs"])
    monkeypatch.delenv("RCULAB_NOISY_RERUNS")
    spec = write_spec(tmp_path, SMALL_SPEC)
    status, _, err = sweep(capsys, "--spec", str(spec))
    assert status == 0, err
    set_dir = only_set(sweep_env.results)
    records = records_of(set_dir)
    assert all(r["host_state"]["noise"] == ["other processes took 50% of the CPUs"] for r in records.values())
    rerun = [k for k, r in records.items() if r["run"]["attempt"] == 2]
    assert len(rerun) == 1 and len(list((set_dir / "points" / ".superseded").glob("*.json"))) == 1
    assert "1 measured again because the host was noisy" in err and f"{len(records)} recorded NOISY" in err
    assert check_set(set_dir) == ([], len(records))


def test_a_bad_rerun_budget_is_one_error_line(sweep_env, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RCULAB_NOISY_RERUNS", "lots")
    status, _, err = sweep(capsys, "--spec", str(write_spec(tmp_path, SMALL_SPEC)))
    assert status != 0 and err.strip() == "rculab: error: RCULAB_NOISY_RERUNS: expected a whole number of re-runs, got 'lots'"
    assert not sweep_env.results.exists() or not list(sweep_env.results.rglob("manifest.json"))


def test_noise_thresholds():
    from lab.runner import hoststate
    assert hoststate.noise_reasons(0.05, 0.0) == [] and hoststate.noise_reasons(None, None) == []
    assert hoststate.noise_reasons(0.3, 0.05) == ["other processes took 30% of the CPUs",
                                                   "the hypervisor stole 5% of the CPUs"]
    assert hoststate.steal_share((10, 100, 5), (60, 200, 15)) == 0.1
