"""Google Benchmark JSON rows -> records keyed by workload, backend, parameters."""
import json

import pytest

from conftest import FIXTURES
from lab.records import gbjson
from lab.records.gbjson import GBJsonError, parse_name

READ = "read_cost/backend:qsbr/readers:1/placement:compact/iterations:1/manual_time"


def test_name_splits_into_workload_backend_params_and_gb_suffix():
    name = parse_name("update_rate/backend:urcu-qsbr/readers:1/updaters:2/delay_ns:1000/batch:64"
                      "/placement:scatter/iterations:1/manual_time")
    assert name.workload == "update_rate"
    assert name.backend == "urcu-qsbr"
    assert name.params == (("readers", "1"), ("updaters", "2"), ("delay_ns", "1000"),
                           ("batch", "64"), ("placement", "scatter"))
    assert name.gb_parts == (("iterations", "1"), ("timing", "manual_time"))
    assert name.aggregate is None
    assert name.param("batch") == "64" and name.param("iterations") is None


@pytest.mark.parametrize("aggregate", ["mean", "median", "stddev", "cv"])
def test_aggregate_suffix_is_stripped_with_and_without_the_rows_aggregate_name(aggregate):
    plain = parse_name(READ)
    for parsed in (parse_name(f"{READ}_{aggregate}", aggregate), parse_name(f"{READ}_{aggregate}")):
        assert parsed.aggregate == aggregate
        assert parsed.key == plain.key
        assert parsed.params[-1] == ("placement", "compact")
        assert parsed.gb_parts[-1] == ("timing", "manual_time")


def test_suffix_that_only_looks_like_an_aggregate_stays_a_value():
    name = parse_name("cs_length/backend:mb/reclaim:weighted_mean")
    assert name.aggregate is None
    assert name.param("reclaim") == "weighted_mean"


def test_aggregate_name_that_does_not_match_the_name_is_an_error():
    with pytest.raises(GBJsonError, match="does not end with _median"):
        parse_name(READ + "_mean", "median")


def test_bare_arguments_and_workload_only_names():
    assert parse_name("BM_plain").key == ("BM_plain", None, ())
    assert parse_name("BM_args/8/real_time").params == (("#1", "8"),)
    with pytest.raises(GBJsonError):
        parse_name("/backend:qsbr")


def load(name):
    return gbjson.load(FIXTURES / name)


def test_fixture_rows_become_records_with_numeric_counters():
    recs = gbjson.records(load("gb_pass.json"))
    assert [(r.workload, r.backend) for r in recs[:3]] == [
        ("read_cost", "qsbr"), ("gp_latency", "qsbr"), ("call_rcu", "qsbr")]
    read = recs[0]
    assert read.run_type == "iteration" and read.aggregate is None
    assert read.get("reader_ops") == 264272896.0
    assert read.get("loop_calib_ns") == 1365112.0
    assert read.label == "reader0:0>0"
    # GB's own fields are not counters.
    assert read.get("real_time") is None and read.get("iterations") is None
    assert "wall_ns" in read.counters and "family_index" not in read.counters
    assert recs[8].backend == "none" and recs[8].get("grace_periods") == -1


def test_repetitions_give_iterations_and_aggregates_of_the_same_point():
    recs = gbjson.records(load("gb_repetitions.json"))
    assert [(r.run_type, r.aggregate, r.repetition_index) for r in recs] == [
        ("iteration", None, 0), ("iteration", None, 1), ("aggregate", "mean", None),
        ("aggregate", "median", None), ("aggregate", "stddev", None), ("aggregate", "cv", None)]
    assert len({r.bench.key for r in recs}) == 1


def test_select_prefers_the_median_then_the_first_iteration():
    recs = gbjson.records(load("gb_repetitions.json"))
    assert gbjson.select(recs, "read_cost", "qsbr", readers=1).aggregate == "median"
    iterations = [r for r in recs if r.aggregate is None]
    assert gbjson.select(iterations, "read_cost", "qsbr", readers=1) is iterations[0]
    assert gbjson.select(recs, "read_cost", "qsbr", readers=2) is None
    assert gbjson.select(recs, "read_cost", "mb") is None


def test_select_matches_only_the_given_params_and_skips_error_rows():
    doc = load("gb_pass.json")
    recs = gbjson.records(doc)
    call = gbjson.select(recs, "call_rcu", "qsbr", updaters=1, interval_ns=0)
    assert call is not None and call.bench.param("readers") == "1"
    assert call.bench.param("interval_ns") == "0"
    doc["benchmarks"][2].update(error_occurred=True, error_message="bind failed")
    recs = gbjson.records(doc)
    assert recs[2].error == "bind failed"
    assert gbjson.select(recs, "call_rcu", "qsbr", updaters=1, interval_ns=0) is None
    assert gbjson.select(recs, "call_rcu", "qsbr", updaters=1, interval_ns=10000) is not None


def test_merge_keeps_the_first_context_and_every_row():
    a, b = load("gb_pass.json"), load("gb_repetitions.json")
    b["context"]["date"] = "later"
    merged = gbjson.merge([a, b])
    assert merged["context"] == a["context"]
    assert len(merged["benchmarks"]) == len(a["benchmarks"]) + len(b["benchmarks"])
    with pytest.raises(GBJsonError):
        gbjson.merge([])


@pytest.mark.parametrize("text, message", [("{not json", "invalid JSON"),
                                           ('{"context": {}}', 'no "benchmarks" array'),
                                           ("[1, 2]", "not Google Benchmark JSON")])
def test_load_rejects_what_is_not_gb_json(tmp_path, text, message):
    path = tmp_path / "out.json"
    path.write_text(text)
    with pytest.raises(GBJsonError, match=message):
        gbjson.load(path)


def test_load_of_a_missing_file_is_a_lab_error(tmp_path):
    with pytest.raises(GBJsonError, match="cannot read"):
        gbjson.load(tmp_path / "absent.json")


def test_fixture_is_real_rculab_bench_output():
    doc = json.loads((FIXTURES / "gb_pass.json").read_text())
    for key in ("rculab_commit", "compiler", "liburcu_version", "benchmark_version", "topology_pus"):
        assert key in doc["context"]
