"""The presets' shape (issue 18): the documents' workloads on their scaling
axis in default and scale, on 2 PUs and on a 448-PU host; the quick slice
touches every workload and backend within its budget; a group's `params`
filter and its errors."""
import json
from pathlib import Path

import pytest

from conftest import run_cli
from lab.records import catalogue
from lab.spec import parse
from lab.spec.errors import SpecError
from lab.spec import plan as planning
from sweep_support import SMALL_SPEC, write_spec

DOCUMENTS = ("ref_call_rcu", "stat_counter", "removable_device", "resizable_array", "correlated_fields",
             "long_reader", "hash_scan", "route_table", "hash_lookup", "percpu_ref", "retrigger_gp")
BENCH = Path(__file__).resolve().parents[2] / "build" / "release" / "rculab-bench"


def groups_of(preset: str, pus: int):
    return parse.resolve(parse.load(parse.preset_path(preset)), pus, f"preset {preset}", 1)["groups"]


@pytest.mark.parametrize("preset", ["default", "scale"])
@pytest.mark.parametrize("pus", [2, 448])
def test_every_document_workload_scales_over_at_least_three_reader_counts(preset, pus):
    for workload in DOCUMENTS + ("read_scalability",):
        counts = max((len(g["readers"]) for g in groups_of(preset, pus) if workload in g["workloads"]), default=0)
        assert counts >= 3, (preset, pus, workload)
    if pus == 448:  # doubling axes: a dozen counts, not 448
        assert max(len(g["readers"]) for g in groups_of(preset, pus)) <= 16


def test_quick_names_every_workload_of_the_catalogue():
    named = {w for g in groups_of("quick", 2) for w in g["workloads"]}
    assert named == set(catalogue.workloads())


@pytest.mark.skipif(not BENCH.exists(), reason="needs the release build (./rculab setup)")
def test_quick_plan_touches_every_workload_and_backend_within_three_minutes(tmp_path, capsys):
    out = tmp_path / "plan.json"
    status, _, err = run_cli(["sweep", "--preset", "quick", "--pus", "2", "--plan-out", str(out)], capsys)
    assert status == 0, err
    plan = json.loads(out.read_text())
    assert {p["workload"] for p in plan["points"]} == set(catalogue.workloads())
    listed = {p["backend"] for p in plan["points"] if p["workload"] == "read_cost"}
    assert {p["backend"] for p in plan["points"]} == listed and len(listed) >= 7  # every available backend
    for workload in DOCUMENTS:  # each variant at least once
        w = catalogue.workload(workload)
        seen = {p["params"].get(w.variant_key) for p in plan["points"] if p["workload"] == workload}
        assert seen == {v.name for v in w.variants}, workload
    assert planning.estimate_seconds(plan) <= 180


def test_params_keep_only_the_values_named(sweep_env, tmp_path, capsys):
    spec = write_spec(tmp_path, SMALL_SPEC.replace('updaters = [1, 2]', 'updaters = [1, 2]\n    params = { nope = [1] }'))
    status, _, err = run_cli(["sweep", "--spec", str(spec), "--dry-run"], capsys)
    assert status == 2 and "group[1].params.nope: not a parameter of these workloads" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("table, message", [
    ({"cs_ns": []}, "expected a non-empty list of values"),
    ({"cs_ns": [True]}, "expected a non-empty list of values"),
    ({"cs_ns": 5}, "expected a non-empty list of values"),
    ({"readers": [1]}, "not a parameter of these workloads"),  # an axis of its own
    ({"elements": [4096]}, "not a parameter of these workloads"),  # long_reader's, not cs_length's
])
def test_params_errors_name_the_field(table, message):
    with pytest.raises(SpecError, match=message) as err:
        parse.check({"group": [{"workloads": ["cs_length"], "params": table}]}, "s")
    assert "group[1].params" in str(err.value)


@pytest.mark.skipif(not BENCH.exists(), reason="needs the release build (./rculab setup)")
def test_a_params_value_no_point_has_is_an_error(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text('[[group]]\nworkloads = ["cs_length"]\nbackends = ["qsbr"]\nparams = { cs_ns = [0, 7] }\n')
    status, _, err = run_cli(["sweep", "--spec", str(spec), "--dry-run"], capsys)
    assert status == 2 and "group[1].params.cs_ns: 7: no point of this group has that value" in err
    spec.write_text('[[group]]\nworkloads = ["cs_length"]\nbackends = ["qsbr"]\nparams = { cs_ns = [0, 1000] }\n')
    out = tmp_path / "plan.json"
    status, _, err = run_cli(["sweep", "--spec", str(spec), "--pus", "2", "--plan-out", str(out)], capsys)
    assert status == 0, err
    assert sorted(p["params"]["cs_ns"] for p in json.loads(out.read_text())["points"]) == [0, 1000]
