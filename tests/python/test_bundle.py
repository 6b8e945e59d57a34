"""A bundle made from the real build runs from a scratch folder with a clean
environment: ldd resolves every library but the C runtime inside the bundle,
and run-sweep writes a valid result set. Bad hosts and inputs: one line, exit 2."""
import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from bundle_support import BUILD, make_bundle, needs_build
from conftest import run_cli
from sweep_support import only_set

from lab.bundle import libs
from lab.records.validate import check_set

CLEAN_ENV = {"PATH": "/usr/bin:/bin"}
TINY_SPEC = {"name": "tiny", "repetitions": 1, "duration": 0.02, "warmup": 0.005, "seed": 3,
             "tolerate_bind_failure": True,
             "group": [{"workloads": ["read_cost", "gp_latency"], "backends": ["qsbr"],
                        "readers": [1], "updaters": [1]}]}

@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory):
    """The real bundle, unpacked in a scratch folder."""
    work = tmp_path_factory.mktemp("bundle")
    tarball = make_bundle(work / "b.tar.gz")
    with tarfile.open(tarball) as tar:
        tar.extractall(work / "unpacked")
    (top,) = (work / "unpacked").iterdir()
    return top


def run_sweep(bundle: Path, *args, cwd: Path):
    return subprocess.run([str(bundle / "run-sweep"), *args], capture_output=True, text=True,
                          env=CLEAN_ENV, cwd=cwd)


@needs_build
def test_every_library_but_the_c_runtime_resolves_inside_the_bundle(bundle_dir):
    info = json.loads((bundle_dir / "BUNDLE.json").read_text())
    assert {"libhwloc.so.15", "libstdc++.so.6"} <= set(info["libs"])
    assert any(name.startswith("liburcu-signal") for name in info["libs"])
    for binary in info["binaries"]:
        done = subprocess.run(["ldd", str(bundle_dir / "bin" / binary)], capture_output=True, text=True,
                              env=dict(CLEAN_ENV, LD_LIBRARY_PATH=str(bundle_dir / "lib")))
        listed = libs.parse_ldd(done.stdout)
        assert listed, done.stdout
        for name, path in listed:
            if libs.is_c_runtime(name):
                continue
            assert path and Path(path).resolve().parent == (bundle_dir / "lib").resolve(), \
                f"{binary}: {name} resolves to {path}, outside the bundle"


@needs_build
def test_run_sweep_from_a_scratch_folder_writes_a_valid_set(bundle_dir, tmp_path):
    (tmp_path / "spec.json").write_text(json.dumps(TINY_SPEC))
    check = run_sweep(bundle_dir, "--check", cwd=tmp_path)
    assert check.returncode == 0 and "every one resolves" in check.stdout, check.stdout + check.stderr
    done = run_sweep(bundle_dir, "--spec-json", "spec.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    set_dir = only_set(tmp_path / "results")
    assert check_set(set_dir) == ([], 2)
    manifest = json.loads((set_dir / "manifest.json").read_text())
    assert manifest["tool"]["bundle"] == bundle_dir.name
    record = json.loads(next((set_dir / "points").glob("read_cost.*.json")).read_text())
    assert record["status"] == "ok"
    assert record["context"]["rculab_commit"] == json.loads((bundle_dir / "BUNDLE.json").read_text())["commit"]


@needs_build
def test_presets_travel_as_json_and_plan_there(bundle_dir, tmp_path):
    done = run_sweep(bundle_dir, "--preset", "quick", "--dry-run", "--pus", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("quick: ") and " points, estimated " in done.stdout
    assert not (tmp_path / "results").exists()


@needs_build
@pytest.mark.parametrize("change, args, message", [
    ({"arch": "aarch64"}, ["--preset", "quick"], "this bundle was built for aarch64"),
    ({"glibc": "99.0"}, ["--preset", "quick"], "needs glibc >= 99.0"),
    ({}, ["--preset", "nope"], "unknown preset 'nope'"),
    ({}, ["--preset", "quick", "--shard", "3/2"], "--shard: expected i/N"),
    ({}, ["--spec-json", "missing.json"], "cannot read the spec"),
    ({}, ["--preset", "quick", "--bogus"], "unrecognized arguments"),
    ({}, [], "one of the arguments --preset --spec-json --resume --check is required"),
])
def test_bad_hosts_and_inputs_get_one_line(bundle_dir, tmp_path, change, args, message):
    copy = tmp_path / "bundle"
    subprocess.run(["cp", "-a", str(bundle_dir), str(copy)], check=True)
    info = json.loads((copy / "BUNDLE.json").read_text())
    (copy / "BUNDLE.json").write_text(json.dumps(dict(info, **change)))
    done = run_sweep(copy, *args, cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rculab: error: ") and message in lines[0], done.stderr
    assert not (tmp_path / "results").exists()


def test_ldd_parsing_keeps_the_c_runtime_out():
    output = """\tlinux-vdso.so.1 (0x00007ffd)
\tlibhwloc.so.15 => /lib/x86_64-linux-gnu/libhwloc.so.15 (0x00007f)
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)
\tlibm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007f)
\tlibmissing.so.2 => not found
\t/lib64/ld-linux-x86-64.so.2 (0x00007f)
"""
    assert libs.parse_ldd(output)[1] == ("libhwloc.so.15", "/lib/x86_64-linux-gnu/libhwloc.so.15")
    with pytest.raises(ValueError, match="libmissing.so.2 is not found"):
        libs.libraries_to_carry([output])
    carried = libs.libraries_to_carry([output.replace("\tlibmissing.so.2 => not found\n", "")])
    assert carried == {"libhwloc.so.15": "/lib/x86_64-linux-gnu/libhwloc.so.15"}


def test_bundle_refuses_to_overwrite(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RCULAB_SKIP_SETUP", "1")
    out = tmp_path / "exists.tar.gz"
    out.write_text("keep me")
    if not os.access(BUILD / "rculab-bench", os.X_OK):
        pytest.skip("build/release not built")
    status, _, err = run_cli(["bundle", "--out", str(out)], capsys)
    assert status != 0 and "refusing to overwrite" in err
    assert out.read_text() == "keep me"


@needs_build
def test_a_bundle_sweep_files_the_host_profile_beside_results_and_import_takes_both(bundle_dir, tmp_path, capsys,
                                                                                    monkeypatch):
    (tmp_path / "spec.json").write_text(json.dumps(TINY_SPEC))
    done = run_sweep(bundle_dir, "--spec-json", "spec.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    set_dir = only_set(tmp_path / "results")
    profile_id = set_dir.parent.name
    profile = tmp_path / "hw-profiles" / profile_id
    assert json.loads((profile / "profile.json").read_text())["calibration"]["measures"]
    assert (profile / "topology.xml").is_file()
    assert f"rculab import {tmp_path}" in done.stderr
    home = tmp_path / "home"
    monkeypatch.setenv("RCULAB_RESULTS", str(home / "results"))
    monkeypatch.setenv("RCULAB_HW_PROFILES", str(home / "hw-profiles"))
    status, _, err = run_cli(["import", str(tmp_path)], capsys)
    assert status == 0, err
    assert (home / "hw-profiles" / profile_id / "profile.json").is_file()
    assert (home / "results" / profile_id / set_dir.name / "manifest.json").is_file()


def test_the_printed_unpack_line_works_beside_the_tarball(tmp_path):
    """`cd rculab-bundle-*` matched the tarball too ("cd: too many arguments")."""
    from lab.bundle import make
    top = tmp_path / "pack" / make.top_name("abc123")
    top.mkdir(parents=True)
    (top / "run-sweep").write_text("")
    tarball = tmp_path / f"{make.top_name('abc123')}-20261207T000000Z.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(top, arcname=top.name)
    line = make.unpack_line(tarball, "abc123")
    done = subprocess.run(["bash", "-c", f"{line} && pwd && ls"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == str(tmp_path / make.top_name("abc123")) and "run-sweep" in done.stdout
    glob_line = f"tar xf {tarball.name} && cd rculab-bundle-*"  # the old README line fails here
    assert subprocess.run(["bash", "-c", glob_line], capture_output=True, cwd=tmp_path).returncode != 0


def test_an_interrupted_bundle_sweep_says_how_to_resume_it_there(tmp_path, capsys, monkeypatch):
    from lab.bundle import run_sweep as bundle_runner
    from lab.runner import execute, sweep
    plan = {"spec": {"name": "x", "repetitions": 1, "duration": 0.01, "warmup": 0, "seed": 1},
            "seed": 1, "points": [{"key": "k", "workload": "read_cost", "backend": "qsbr", "params": {},
                                   "bench_args": [], "listed_name": "k"}]}

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(execute, "run_point", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sweep.start(plan, "bench", tmp_path / "results", "profile", {}, resume_command=bundle_runner.RESUME)
    err = capsys.readouterr().err
    assert "finish it with: ./run-sweep --resume" in err and "./rculab" not in err
