"""Plausibility (lab/records/plausible.py): one synthetic repetition per kind
of impossible value is caught as that kind, a sound one passes, validate
reports an implausible ok record, and a reader treats it as failed."""
import json

import pytest

import synth
from lab.records import plausible, reader
from lab.records.validate import check_set, shown


@pytest.fixture
def set_dir(tmp_path):
    return synth.write_set(tmp_path, backends=("qsbr", "none"), workloads=("read_scalability",), readers=(1, 2),
                           repetitions=3)

SOUND = {"wall_ns": 2e8, "reader_ops": 1e6, "reader_threads": 1, "updater_ops": 10, "updater_threads": 1,
         "lat_samples": 10, "lat_p50_ns": 5e4, "grace_periods": -1, "cb_backlog_peak": 1000}


@pytest.mark.parametrize("change, kind", [
    ({"cb_backlog_peak": 2.0 ** 64 - 3}, "wrapped"),
    ({"cb_pending_end": -720485}, "negative"),
    ({"barrier_ns": float("nan")}, "non_finite"),
    ({"cb_backlog_peak": 2 ** 20 + 1024 + 1}, "above_bound"),  # 1 updater: cap 2^20 + 16 x 64
    ({"reader_ops": 0, "updater_ops": 0}, "no_operations"),
    ({"lat_p50_ns": 3e8}, "latency_beyond_window"),
    ({"updaters_starved": 1}, "starved"),
])
def test_each_kind_is_caught_as_itself(change, kind):
    found = plausible.findings("call_rcu", [{"counters": dict(SOUND, **change)}])
    assert [k for _, k, _ in found] == [kind]
    assert found[0][0].startswith("repetitions[0].counters")


def test_a_sound_repetition_passes_and_the_bound_grows_with_updaters():
    assert plausible.findings("call_rcu", [{"counters": SOUND}]) == []
    eight = dict(SOUND, updater_threads=8, cb_backlog_peak=2 ** 20 + 8 * 1024)
    assert plausible.findings("call_rcu", [{"counters": eight}]) == []
    assert [k for _, k, _ in plausible.findings("call_rcu", [{"counters": dict(eight, cb_backlog_peak=2 ** 20 + 8 * 1024 + 1)}])] == ["above_bound"]
    # a workload without a bound on that counter: only the generic kinds apply
    assert plausible.findings("read_cost", [{"counters": dict(SOUND, cb_backlog_peak=2 ** 30)}]) == []


def test_every_kind_is_tested_here():
    tested = {"wrapped", "negative", "non_finite", "above_bound", "no_operations", "latency_beyond_window", "starved"}
    assert tested == set(plausible.KINDS)


def wrap_one_counter(set_dir):
    path = sorted((set_dir / "points").glob("read_scalability*.json"))[0]
    doc = json.loads(path.read_text())
    assert doc["status"] == "ok"
    doc["repetitions"][0]["counters"]["sync_calls"] = 2.0 ** 64
    path.write_text(json.dumps(doc, indent=2) + "\n")
    return path


def test_validate_reports_an_implausible_ok_record(set_dir):
    assert check_set(set_dir)[0] == []
    path = wrap_one_counter(set_dir)
    problems, _ = check_set(set_dir)
    assert [str(p) for p in problems] == [
        f"{shown(path)}: repetitions[0].counters.sync_calls: implausible (wrapped): sync_calls = 1.845e+19, "
        "at or above 2^63: a difference that wrapped below 0"]


def test_a_reader_treats_an_implausible_ok_record_as_failed(set_dir):
    path = wrap_one_counter(set_dir)
    point = reader.load_set(set_dir).points[path.stem]
    assert not point.ok and point.error["reason"] == "implausible"
    assert "sync_calls" in point.error["message"] and "wrapped" in point.error["message"]
