"""The workloads' descriptors as the lab reads them: the committed export
(bench/workloads/catalogue.json) is what the C++ descriptors say today, every
headline, throughput and metric resolves in the one metrics table, and every
chart family draws a workload the catalogue knows."""
import json
import subprocess

import pytest

import plots
from conftest import REPO_ROOT
from lab.analysis import metrics
from lab.records import catalogue

CORE = REPO_ROOT / "build" / "release" / "rculab-core"


@pytest.mark.skipif(not CORE.exists(), reason="needs the release build (./rculab setup)")
def test_committed_catalogue_is_what_the_descriptors_say():
    exported = subprocess.run([str(CORE), "list", "--catalogue"], check=True, capture_output=True, text=True).stdout
    committed = catalogue.CATALOGUE.read_text(encoding="utf-8")
    assert json.loads(committed) == json.loads(exported), (
        "bench/workloads/catalogue.json differs from the descriptors; regenerate it with: "
        "build/release/rculab-core list --catalogue | python3 -m json.tool --indent 1 > bench/workloads/catalogue.json")


def test_every_workload_resolves_its_metrics():
    workloads = catalogue.workloads()
    assert len(workloads) == 17 and list(workloads)[:2] == ["read_cost", "read_scalability"]
    for w in workloads.values():
        for name in (w.headline, w.throughput, *(m.name for m in w.metrics)):
            assert name in metrics.METRICS, f"{w.name}: metric {name} is in no table"
        if w.paced_by:
            assert w.paced_headline in metrics.METRICS and w.paced_by in w.param_keys
        assert set(w.checks) <= {c.name for c in w.counters}, w.name


def test_a_metric_redefined_differently_is_refused(monkeypatch):
    text = catalogue.CATALOGUE.read_text(encoding="utf-8")
    doc = json.loads(text)
    by_name = {w["name"]: w for w in doc["workloads"]}
    clash = dict(by_name["long_reader"]["metrics"][0], a="no_such_counter")
    by_name["read_cost"]["metrics"].append(clash)
    monkeypatch.setattr(catalogue, "workloads", lambda: catalogue.parse(json.dumps(doc)))
    with pytest.raises(ValueError, match="unlike another workload"):
        metrics._table()


def test_headline_follows_the_descriptor_and_its_pacing():
    from analysis_fixtures import point_with_reads
    import dataclasses
    paced = dataclasses.replace(point_with_reads([1]), workload="call_rcu", params={"interval_ns": 1000})
    flat_out = dataclasses.replace(paced, params={"interval_ns": 0})
    assert metrics.primary_metric(paced).name == "lat_p50_ns"
    assert metrics.primary_metric(flat_out).name == "callbacks_per_s"
    unknown = dataclasses.replace(paced, workload="from_another_lab")
    assert metrics.primary_metric(unknown).name == "reads_per_s"


def test_every_chart_family_draws_a_known_workload():
    for family in plots.FAMILIES:
        workload = getattr(family, "WORKLOAD", None)
        if workload is not None:
            assert catalogue.workload(workload) is not None, f"{family.__name__}: {workload}"


def test_size_parameter_and_variants_come_from_the_descriptor():
    route = catalogue.workload("route_table")
    assert route.size_param == "routes" and route.variant_key == "variant"
    assert [v.name for v in route.rcu_variants] == ["rcu", "copy"]
    assert [v.name for v in route.twin_variants] == ["lock", "refcnt", "hazptr"]
