"""validate, shard + merge, import: every problem found, conflicts refused,
nothing overwritten."""
import json
import shutil
import tarfile

import pytest

from conftest import run_cli
from sweep_support import SMALL_SPEC, manifest_of, only_set, records_of, sets_of, write_spec


@pytest.fixture
def small_set(sweep_env, tmp_path, capsys):
    assert run_cli(["sweep", "--spec", str(write_spec(tmp_path, SMALL_SPEC))], capsys)[0] == 0
    return only_set(sweep_env.results)


def validate(capsys, *paths):
    status, out, err = run_cli(["validate", *map(str, paths)], capsys)
    return status, out, [line for line in err.splitlines() if line]


def edit_json(path, change):
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def test_a_fresh_set_validates(small_set, capsys):
    status, out, errors = validate(capsys)
    assert (status, errors) == (0, []) and out.strip() == "validate: 1 set, 12 records: OK"


def point_file(set_dir, index=0):
    return sorted((set_dir / "points").glob("*.json"))[index]


def set_problem(doc, field, value):
    target = doc
    *path, last = field
    for part in path:
        target = target[part]
    target[last] = value


# Each case breaks one record and names the line validate must print for it.
@pytest.mark.parametrize("breakage, expected", [
    (lambda p: p.write_text(p.read_text()[:200]), "not valid JSON, truncated?"),
    (lambda p: edit_json(p, lambda d: d.update(schema_version=2)),
     "schema_version: unsupported version 2 (this lab reads version 1)"),
    (lambda p: edit_json(p, lambda d: set_problem(d, ["repetitions", 0, "counters", "wall_ns"], "fast")),
     'repetitions[0].counters.wall_ns: expected number, got "fast"'),
    (lambda p: edit_json(p, lambda d: d.pop("host_state")), "host_state: missing"),
    (lambda p: edit_json(p, lambda d: d.update(status="failed")), "error: expected object"),
    (lambda p: edit_json(p, lambda d: d.update(set_id="other-set")), "set_id: 'other-set' differs from the manifest's"),
    (lambda p: p.rename(p.with_name("renamed.json")), "point.key: "),
    (lambda p: edit_json(p, lambda d: set_problem(d, ["point", "bench_args"], ["--readers=99"])),
     "point: differs from the manifest's entry for this key"),
])
def test_validate_reports_each_broken_record_with_file_and_field(small_set, capsys, breakage, expected):
    record = point_file(small_set, 2)
    breakage(record)
    status, out, errors = validate(capsys)
    assert status == 1 and "1 set, 12 records:" in out
    assert errors and all(line.startswith("rculab: error: ") for line in errors)
    assert any(expected in line and "/points/" in line for line in errors), errors


def test_validate_reports_an_incomplete_set_and_strays(small_set, capsys):
    missing = point_file(small_set, 0)
    missing.unlink()
    stray = small_set / "points" / "read_cost.backend=zzz.readers=1.placement=compact.json"
    edit_json(point_file(small_set, 1), lambda d: None)
    shutil.copy(point_file(small_set, 1), stray)
    edit_json(stray, lambda d: d["point"].update(key=stray.name[:-5], benchmark="read_cost/backend:zzz/readers:1/placement:compact"))
    status, _, errors = validate(capsys, small_set)
    assert status == 1
    assert any(f"incomplete set: 1 of 12 points have no record (first: {missing.name[:-5]})" in e for e in errors)
    assert any(stray.name in e and "is not a point of the set's manifest" in e for e in errors)


def test_validate_checks_the_manifest_too(small_set, capsys):
    edit_json(small_set / "manifest.json", lambda d: d.update(order=d["order"][1:]))
    status, _, errors = validate(capsys, small_set)
    assert status == 1 and any("manifest.json: order: is not a permutation" in e for e in errors)
    edit_json(small_set / "manifest.json", lambda d: d.update(seed=-1, tool={}))
    status, _, errors = validate(capsys, small_set)
    assert status == 1 and any("manifest.json: seed: -1 is less than the minimum of 0" in e for e in errors)
    assert any("manifest.json: tool.bench_binary: missing" in e for e in errors)
    (small_set / "manifest.json").unlink()
    status, _, errors = validate(capsys, small_set)
    assert status == 1 and any("no manifest.json" in e for e in errors)


def test_shards_merge_into_the_unsharded_point_list(sweep_env, tmp_path, capsys):
    spec = str(write_spec(tmp_path, SMALL_SPEC))
    plan = tmp_path / "full.json"
    assert run_cli(["sweep", "--spec", spec, "--plan-out", str(plan)], capsys)[0] == 0
    full = json.loads(plan.read_text())["points"]
    for index in (1, 2, 3):
        assert run_cli(["sweep", "--spec", spec, "--shard", f"{index}/3"], capsys)[0] == 0
    shards = sets_of(sweep_env.results)
    shard_keys = [[p["key"] for p in manifest_of(s)["points"]] for s in shards]
    assert all(len(keys) == 4 for keys in shard_keys) and not set(shard_keys[0]) & set(shard_keys[1])
    assert manifest_of(shards[0])["shard"] == {"index": 1, "count": 3}
    status, out, err = run_cli(["merge", *(s.name for s in shards), "--into", "all-shards"], capsys)
    assert status == 0, err
    merged = sweep_env.results / shards[0].parent.name / "all-shards"
    assert manifest_of(merged)["points"] == full
    assert sorted(records_of(merged)) == [p["key"] for p in full]
    assert manifest_of(merged)["merged_from"] == [s.name for s in shards]
    assert validate(capsys, merged)[0] == 0
    status, _, err = run_cli(["merge", shards[0].name, "--into", "all-shards"], capsys)
    assert status == 1 and err.strip().endswith("all-shards already exists; nothing was overwritten")


def test_merge_refuses_conflicting_duplicate_points(sweep_env, tmp_path, capsys):
    spec = str(write_spec(tmp_path, SMALL_SPEC))
    assert run_cli(["sweep", "--spec", spec], capsys)[0] == 0
    assert run_cli(["sweep", "--spec", spec], capsys)[0] == 0
    first, second = sets_of(sweep_env.results)
    status, _, err = run_cli(["merge", str(first), str(second), "--into", "both"], capsys)
    assert status == 1 and "has different records in" in err and "refusing to merge" in err
    assert len(err.strip().splitlines()) == 1
    assert not (first.parent / "both").exists() and not list(first.parent.glob(".both.*"))


def test_import_copies_sets_and_profiles_validated_and_never_overwrites(small_set, tmp_path, capsys, monkeypatch):
    tree = tmp_path / "export"
    shutil.copytree(small_set, tree / "results" / small_set.parent.name / small_set.name)
    (tree / "hw-profiles" / small_set.parent.name).mkdir(parents=True)
    (tree / "hw-profiles" / small_set.parent.name / "profile.json").write_text('{"topology": {"pus": 2}}')
    tarball = tmp_path / "export.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(tree / "results", "results")
        archive.add(tree / "hw-profiles", "hw-profiles")
    here = tmp_path / "here"
    monkeypatch.setenv("RCULAB_RESULTS", str(here / "results"))
    monkeypatch.setenv("RCULAB_HW_PROFILES", str(here / "hw-profiles"))
    status, out, err = run_cli(["import", str(tarball)], capsys)
    assert status == 0, err
    imported = here / "results" / small_set.parent.name / small_set.name
    assert records_of(imported) == records_of(small_set)
    assert (here / "hw-profiles" / small_set.parent.name / "profile.json").exists()
    before = {p: p.read_bytes() for p in here.rglob("*") if p.is_file()}
    status, _, err = run_cli(["import", str(tarball)], capsys)
    assert status == 1 and "already exists; nothing was imported" in err
    assert {p: p.read_bytes() for p in here.rglob("*") if p.is_file()} == before


def test_import_keeps_a_profile_of_the_same_machine_and_refuses_another(small_set, tmp_path, capsys, monkeypatch):
    """Shards of one host each carry its profile, taken at other times (another
    calibration): the one already here is kept. Another machine under the same
    id is refused, and nothing is imported."""
    machine = {"profile_id": small_set.parent.name, "arch": "x86_64", "cpu": {"model_name": "X"},
               "topology": {"packages": 1, "cores": 2, "pus": 2, "smt": False, "numa_nodes": 1}}
    here = tmp_path / "here"
    monkeypatch.setenv("RCULAB_RESULTS", str(here / "results"))
    monkeypatch.setenv("RCULAB_HW_PROFILES", str(here / "hw-profiles"))
    ours = here / "hw-profiles" / small_set.parent.name
    ours.mkdir(parents=True)
    (ours / "profile.json").write_text(json.dumps(dict(machine, calibration={"seconds": 0.2})))
    for name, doc, status_wanted in (("later", dict(machine, calibration=None), 0),
                                     ("other", dict(machine, cpu={"model_name": "Y"}), 1)):
        tree = tmp_path / name
        shutil.copytree(small_set, tree / "results" / small_set.parent.name / small_set.name)
        (tree / "hw-profiles" / small_set.parent.name).mkdir(parents=True)
        (tree / "hw-profiles" / small_set.parent.name / "profile.json").write_text(json.dumps(doc))
        if status_wanted:
            status, _, err = run_cli(["import", str(tree)], capsys)
            assert status == 1 and "describes another machine" in err
        else:
            status, _, err = run_cli(["import", str(tree)], capsys)
            assert status == 0, err
    assert json.loads((ours / "profile.json").read_text())["calibration"] == {"seconds": 0.2}  # ours, kept
    assert len(list((here / "results").rglob("manifest.json"))) == 1  # the set, once


def test_import_refuses_an_invalid_set_and_copies_nothing(small_set, tmp_path, capsys, monkeypatch):
    broken = tmp_path / "broken" / small_set.name
    shutil.copytree(small_set, broken)
    point_file(broken, 0).write_text("{")
    monkeypatch.setenv("RCULAB_RESULTS", str(tmp_path / "here"))
    status, _, err = run_cli(["import", str(broken)], capsys)
    assert status == 1 and "not valid JSON" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "here").exists()


def test_import_refuses_a_tarball_with_unsafe_paths(tmp_path, capsys):
    evil = tmp_path / "evil.tar"
    (tmp_path / "x").write_text("x")
    with tarfile.open(evil, "w") as archive:
        archive.add(tmp_path / "x", "../escape")
    status, _, err = run_cli(["import", str(evil)], capsys)
    assert status == 1 and "unsafe entry '../escape'" in err
