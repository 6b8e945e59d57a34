"""Specs and presets -> points: axes, checks, expansion through the bench's listing."""
import json

import pytest

from conftest import run_cli
from sweep_support import SMALL_SPEC, write_spec

from lab.spec import axes, parse
from lab.spec.errors import SpecError


@pytest.mark.parametrize("values, pus, expected", [
    ([1, 2], 8, [1, 2]),
    (["1..pus", "2*pus", "4*pus"], 2, [1, 2, 4, 8]),
    (["pus/2"], 1, [1]),
    (["1..pus/2"], 8, [1, 2, 3, 4]),
    ([1, 2, 4, 8, "pus/2"], 16, [1, 2, 4, 8]),
    (["1..8", 4], 2, [1, 2, 3, 4, 5, 6, 7, 8]),
    (["1..pus:x2"], 448, [1, 2, 4, 8, 16, 32, 64, 128, 256, 448]),
    (["1..pus:x2"], 2, [1, 2]),
    (["1..pus:x4", "2*pus"], 16, [1, 4, 16, 32]),
    (["2..pus/2:x2"], 1, []),  # as "2..1": nothing
])
def test_axes_evaluate_against_the_pu_count(values, pus, expected):
    assert axes.evaluate(axes.check(values, "readers"), pus) == expected


@pytest.mark.parametrize("values", [[], [0], [-1], ["3pus"], ["0..pus"], [True], [1.5], ["1..pus:x1"], ["1..pus:2"],
                                    ["pus:x2"]])
def test_axes_refuse_what_is_not_a_thread_count(values):
    with pytest.raises(SpecError) as err:
        axes.check(values, "group[1].readers")
    assert "group[1].readers" in str(err.value)


def test_every_preset_loads_and_resolves():
    for name in ("quick", "default", "paper", "scale"):
        spec = parse.load(parse.preset_path(name))
        resolved = parse.resolve(spec, 16, f"preset {name}", 1)
        assert resolved["name"] == name and resolved["pus"] == 16
        assert all(isinstance(c, int) for g in resolved["groups"] for c in g["readers"] + g["updaters"])


def test_scale_preset_axes_follow_the_brief():
    groups = {g["name"]: g for g in parse.resolve(parse.load(parse.preset_path("scale")), 16, "x", 1)["groups"]}
    assert groups["reads"]["readers"] == [1, 2, 4, 8, 16, 32, 64]
    assert groups["grace-periods"]["updaters"] == [1, 2, 4, 8]
    assert groups["callbacks"]["updaters"] == [1, 2, 4, 8]


def plan_of(tmp_path, capsys, *args):
    out = tmp_path / "plan.json"
    status, _, err = run_cli(["sweep", *args, "--plan-out", str(out)], capsys)
    assert status == 0, err
    return json.loads(out.read_text())


def test_expansion_lists_every_combination_once(sweep_env, tmp_path, capsys):
    plan = plan_of(tmp_path, capsys, "--spec", str(write_spec(tmp_path, SMALL_SPEC)))
    names = [p["benchmark"] for p in plan["points"]]
    # read_cost: readers 1, 2 (updaters ignored: listed twice, kept once); gp_latency:
    # readers 1 and 2 (one count per listing) x updaters 1, 2; two backends.
    expected = sorted([f"read_cost/backend:{b}/readers:{r}/placement:compact" for b in ("qsbr", "mb") for r in (1, 2)]
                      + [f"gp_latency/backend:{b}/readers:{r}/updaters:{u}/placement:compact"
                         for b in ("qsbr", "mb") for r in (1, 2) for u in (1, 2)])
    assert sorted(names) == expected and len(names) == len(set(names))
    point = next(p for p in plan["points"] if p["benchmark"] == "gp_latency/backend:mb/readers:2/updaters:1/placement:compact")
    assert point["key"] == "gp_latency.backend=mb.readers=2.updaters=1.placement=compact"
    assert point["params"] == {"readers": 2, "updaters": 1, "placement": "compact"}
    assert point["bench_args"] == ["--backends=mb", "--readers=2", "--updaters=1", "--placement=compact",
                                   "--duration=0.01", "--warmup=0", "--worker_placement=free",
                                   "--benchmark_repetitions=2"]
    assert point["listed_name"].endswith("/iterations:1/manual_time")
    assert [p["key"] for p in plan["points"]] == sorted(p["key"] for p in plan["points"])


def test_all_backends_come_from_the_binary_and_pus_scale_the_axes(sweep_env, tmp_path, capsys):
    spec = write_spec(tmp_path, """\
        name = "hostwide"
        [[group]]
        workloads = ["read_cost"]
        readers = ["1..pus", "2*pus"]
        """)
    plan = plan_of(tmp_path, capsys, "--spec", str(spec), "--pus", "3")
    assert {p["backend"] for p in plan["points"]} == {"qsbr", "mb", "none"}
    assert sorted({p["params"]["readers"] for p in plan["points"]}) == [1, 2, 3, 6]
    assert plan["spec"]["pus"] == 3 and plan["spec"]["groups"][0]["readers"] == [1, 2, 3, 6]


def test_dry_run_counts_and_estimates_and_writes_nothing(sweep_env, tmp_path, capsys):
    spec = write_spec(tmp_path, SMALL_SPEC)
    status, out, err = run_cli(["sweep", "--spec", str(spec), "--dry-run"], capsys)
    assert status == 0, err
    # 12 points x (2 x 0.01 s + 0.1 s overhead) = 1.44 s
    assert out.startswith("small: 12 points x 2 repetitions") and "estimated 0m01s" in out and "seed 7" in out
    assert not sweep_env.results.exists() and sweep_env.runs() == []


def test_a_spec_naming_an_unknown_backend_names_the_field(sweep_env, tmp_path, capsys):
    spec = write_spec(tmp_path, SMALL_SPEC.replace('["qsbr", "mb"]', '["qsbr", "nope"]'))
    status, _, err = run_cli(["sweep", "--spec", str(spec), "--dry-run"], capsys)
    assert status == 2
    assert err.strip() == (f"rculab: error: {spec}: group[1].backends: rculab-bench: --backends: unknown backend "
                           "'nope' (one of: qsbr,mb,none)")


def test_a_workload_without_benchmarks_is_an_error(sweep_env, tmp_path, capsys):
    spec = write_spec(tmp_path, SMALL_SPEC.replace('"gp_latency"]', '"gp_latency", "typo_workload"]'))
    status, _, err = run_cli(["sweep", "--spec", str(spec), "--dry-run"], capsys)
    assert status == 2 and f"{spec}: group[1].workloads: typo_workload: no benchmark" in err
