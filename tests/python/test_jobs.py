"""A sweep split into shards by export-jobs' drivers, run for real on this
host (GNU parallel; a one-node SLURM cluster started here), imported and
merged: the merged set holds exactly the points of the unsharded sweep."""
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from bundle_support import BUILD, make_bundle, needs_build
from conftest import REPO_ROOT, run_cli
from sweep_support import manifest_of, records_of, write_spec

TINY = """\
    name = "tiny"
    repetitions = 1
    duration = 0.02
    warmup = 0.005
    tolerate_bind_failure = true
    [[group]]
    workloads = ["read_cost", "gp_latency"]
    backends = ["qsbr", "mb", "rwlock"]
    readers = [1]
    updaters = [1]
    """


@pytest.fixture
def lab_env(tmp_path, monkeypatch):
    monkeypatch.setenv("RCULAB_SKIP_SETUP", "1")
    monkeypatch.setenv("RCULAB_BENCH", str(BUILD / "rculab-bench"))
    monkeypatch.setenv("RCULAB_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("RCULAB_HW_PROFILES", str(tmp_path / "hw-profiles"))
    return tmp_path


def export(tmp_path, capsys, kind, shards=2):
    spec = write_spec(tmp_path, TINY)
    bundle = make_bundle(tmp_path / "bundle.tar.gz")
    status, out, err = run_cli(["export-jobs", kind, "--spec", str(spec), "--bundle", str(bundle),
                                "--shards", str(shards), "--pus", "2", "--seed", "5",
                                "--out", str(tmp_path / "jobs")], capsys)
    assert status == 0, err
    return spec, Path(out.split("jobs: ", 1)[1].strip())


def unsharded_keys(spec, tmp_path, capsys):
    status, _, err = run_cli(["sweep", "--spec", str(spec), "--pus", "2", "--seed", "5",
                              "--plan-out", str(tmp_path / "plan.json")], capsys)
    assert status == 0, err
    return sorted(p["key"] for p in json.loads((tmp_path / "plan.json").read_text())["points"])


def import_and_merge(jobs_dir: Path, tmp_path, capsys) -> Path:
    set_ids = []
    for shard in sorted(jobs_dir.glob("shard-*")):
        status, out, err = run_cli(["import", str(shard)], capsys)
        assert status == 0, err
        set_ids += [Path(line.split("imported ", 1)[1]).name for line in out.splitlines()
                    if line.startswith("imported ") and "/results/" in line]
    assert len(set_ids) == 2, set_ids
    status, _, err = run_cli(["merge", *set_ids, "--into", "merged"], capsys)
    assert status == 0, err
    (merged,) = (tmp_path / "results").glob("*/merged")
    return merged


def assert_exactly(merged: Path, keys):
    assert sorted(p["key"] for p in manifest_of(merged)["points"]) == keys
    records = records_of(merged)
    assert sorted(records) == keys
    assert all(r["status"] == "ok" for r in records.values())


@needs_build
@pytest.mark.skipif(not shutil.which("parallel"), reason="GNU parallel not installed (Debian: parallel)")
def test_two_shards_through_gnu_parallel_merge_into_the_unsharded_sweep(lab_env, capsys):
    tmp_path = lab_env
    spec, script = export(tmp_path, capsys, "--gnu-parallel")
    done = subprocess.run([str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert_exactly(import_and_merge(script.parent, tmp_path, capsys), unsharded_keys(spec, tmp_path, capsys))


def test_export_jobs_refuses_bad_input(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RCULAB_SKIP_SETUP", "1")
    spec = write_spec(tmp_path, TINY)
    (tmp_path / "jobs").mkdir()
    common = ["--spec", str(spec), "--shards", "2", "--pus", "2"]
    cases = [
        (["--slurm", *common, "--bundle", str(tmp_path / "nope.tar.gz"), "--out", str(tmp_path / "j1")],
         "is not a file"),
        (["--gnu-parallel", *common, "--bundle", str(spec), "--out", str(tmp_path / "jobs")],
         "refusing to overwrite"),
        (["--slurm", *common, "--bundle", str(spec), "--sshloginfile", "x", "--out", str(tmp_path / "j2")],
         "--sshloginfile goes with --gnu-parallel"),
        (["--slurm", "--preset", "nope", "--shards", "2", "--pus", "2", "--bundle", str(spec),
          "--out", str(tmp_path / "j3")], "unknown preset"),
        (["--slurm", *common[:3], "0", "--pus", "2", "--bundle", str(spec), "--out", str(tmp_path / "j4")],
         "must be at least 1"),
    ]
    for args, message in cases:
        status, _, err = run_cli(["export-jobs", *args], capsys)
        lines = err.strip().splitlines()
        assert status != 0 and len(lines) == 1 and message in lines[0], (args, err)
    assert not any((tmp_path / name).exists() for name in ("j1", "j2", "j3", "j4"))


# ---- SLURM: a one-node cluster on this host ----------------------------------------

SLURM_TOOLS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalCluster:
    """munged + slurmctld + slurmd for this host only, all files in `root`;
    stopped by their pids."""

    def __init__(self, root: Path):
        self.root = root
        self.procs = []
        root.mkdir()
        root.chmod(0o755)  # munged refuses a group/world-writable folder
        self.conf = root / "slurm.conf"
        self.env = dict(os.environ, SLURM_CONF=str(self.conf))

    def start(self):
        key = self.root / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        self.socket = self.root / "munge.socket"
        subprocess.run(["munged", "--force", f"--key-file={key}", f"--socket={self.socket}",
                        f"--pid-file={self.root / 'munged.pid'}", f"--log-file={self.root / 'munged.log'}",
                        f"--seed-file={self.root / 'munged.seed'}"], check=True, timeout=30)
        host = socket.gethostname().split(".")[0]
        for sub in ("state", "spool"):
            (self.root / sub).mkdir()
        self.conf.write_text("\n".join([
            "ClusterName=rculabtest", f"SlurmctldHost={host}(127.0.0.1)", "SlurmUser=root",
            "AuthType=auth/munge", f"AuthInfo=socket={self.socket}", "CredType=cred/munge",
            "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none", "MpiDefault=none", "ReturnToService=2",
            "SchedulerType=sched/builtin", "SelectType=select/cons_tres", "SelectTypeParameters=CR_CPU",
            f"SlurmctldPort={free_port()}", f"SlurmdPort={free_port()}",
            f"StateSaveLocation={self.root / 'state'}", f"SlurmdSpoolDir={self.root / 'spool'}",
            f"SlurmctldPidFile={self.root / 'slurmctld.pid'}", f"SlurmdPidFile={self.root / 'slurmd.pid'}",
            f"SlurmctldLogFile={self.root / 'slurmctld.log'}", f"SlurmdLogFile={self.root / 'slurmd.log'}",
            f"NodeName={host} NodeAddr=127.0.0.1 CPUs={os.cpu_count()} State=UNKNOWN",
            "PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP", ""]))
        self.procs.append(subprocess.Popen(["slurmctld", "-D", "-i", "-f", str(self.conf)], env=self.env,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        self.procs.append(subprocess.Popen(["slurmd", "-D", "-f", str(self.conf)], env=self.env,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, env=self.env)
            if state.stdout.strip() == "idle":
                return
            time.sleep(0.5)
        raise AssertionError(f"the node never became idle; slurmctld.log:\n{self.log('slurmctld.log')}")

    def log(self, name: str) -> str:
        path = self.root / name
        return path.read_text()[-3000:] if path.exists() else "(none)"

    def stop(self):
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        pid_file = self.root / "munged.pid"
        if pid_file.exists():
            try:
                os.kill(int(pid_file.read_text().strip()), 15)
            except (ValueError, ProcessLookupError):
                pass


@needs_build
@pytest.mark.skipif(os.geteuid() != 0 or not all(shutil.which(t) for t in SLURM_TOOLS),
                    reason="needs root and Debian's slurmctld, slurmd, slurm-client and munge")
def test_slurm_array_on_a_local_cluster_merges_into_the_unsharded_sweep(lab_env, capsys):
    tmp_path = lab_env
    spec, script = export(tmp_path, capsys, "--slurm")
    cluster = LocalCluster(tmp_path / "cluster")
    try:
        cluster.start()
        submitted = subprocess.run(["sbatch", "--parsable", str(script)], capture_output=True, text=True,
                                   env=cluster.env, timeout=60)
        assert submitted.returncode == 0, submitted.stderr
        job = submitted.stdout.strip().split(";")[0]
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            queued = subprocess.run(["squeue", "-h", "-j", job], capture_output=True, text=True, env=cluster.env)
            if queued.returncode == 0 and not queued.stdout.strip():
                break
            time.sleep(1)
        else:
            raise AssertionError(f"array job {job} did not finish; slurmd.log:\n{cluster.log('slurmd.log')}")
    finally:
        cluster.stop()
    outputs = "\n".join(p.read_text() for p in sorted(script.parent.glob("slurm-*.out")))
    assert len(list(script.parent.glob("shard-*"))) == 2, outputs
    assert_exactly(import_and_merge(script.parent, tmp_path, capsys), unsharded_keys(spec, tmp_path, capsys))
