"""Derived metrics and ratios of the `rculab run` comparison table, from a
set's points (here: the points of a one-repetition GB fixture)."""
import re
from pathlib import Path
from typing import List

import pytest

from conftest import FIXTURES
from lab.records import gbjson
from lab.records.reader import Point, Repetition
from lab.analysis import summary

NAMES = ["qsbr", "rwlock", "none", "urcu-qsbr"]


def points_of(recs) -> List[Point]:
    """One point per benchmark of the fixture, its iteration rows as repetitions."""
    points = {}
    for i, r in enumerate(x for x in recs if x.aggregate is None):
        key = r.bench.key
        if key not in points:
            points[key] = Point(str(i), r.name, r.workload, r.backend, dict(r.bench.params), "ok", None, [], {},
                                Path("."))
        points[key].repetitions.append(Repetition(len(points[key].repetitions), dict(r.counters)))
    return list(points.values())


def pass_records():
    return points_of(gbjson.records(gbjson.load(FIXTURES / "gb_pass.json")))


def point(points, workload, backend):
    return next(p for p in points if p.workload == workload and p.backend == backend)


def by_name(rows):
    return {s.backend: s for s in rows}


def test_metrics_follow_the_counter_definitions():
    qsbr = by_name(summary.summarize(pass_records(), NAMES))["qsbr"]
    assert qsbr.read_ns == pytest.approx(200164562.0 / 264272896.0)
    assert qsbr.loop_ns == pytest.approx(1365112.0 / 2048000.0)
    assert qsbr.sync_p50_us == pytest.approx(0.543)
    assert qsbr.sync_p99_us == pytest.approx(1.791)
    assert qsbr.syncs_per_gp == pytest.approx(1.0)
    assert qsbr.cb_p50_us == pytest.approx(79691.775)
    assert qsbr.callbacks_per_s == pytest.approx(391438.0 / 200076493.0 * 1e9)
    assert qsbr.violations == 0


def test_read_cost_counts_every_reader_thread():
    recs = pass_records()
    point(recs, "read_cost", "qsbr").repetitions[0].counters.update(reader_threads=4.0)
    qsbr = summary.measure(recs, "qsbr")
    assert qsbr.read_ns == pytest.approx(4 * 200164562.0 / 264272896.0)


def test_ratios_against_twin_and_none():
    rows = by_name(summary.summarize(pass_records(), NAMES))
    qsbr, twin, none = rows["qsbr"], rows["urcu-qsbr"], rows["none"]
    assert qsbr.read_vs_twin == pytest.approx(qsbr.read_ns / twin.read_ns)
    assert qsbr.sync_vs_twin == pytest.approx(543.0 / 1023.0)
    assert qsbr.read_vs_none == pytest.approx(qsbr.read_ns / none.read_ns)
    assert rows["rwlock"].read_vs_twin is None and rows["rwlock"].sync_vs_twin is None
    assert twin.read_vs_twin is None  # the twin's row carries no inverse ratio
    assert none.read_vs_none == pytest.approx(1.0)


def test_no_twin_or_baseline_in_the_run_means_no_ratio():
    rows = by_name(summary.summarize(pass_records(), ["qsbr", "rwlock"]))
    assert rows["qsbr"].read_vs_twin is None
    assert rows["qsbr"].read_vs_none is None


def test_unknown_and_zero_counters_give_no_value():
    recs = pass_records()
    point(recs, "gp_latency", "qsbr").repetitions[0].counters.update(grace_periods=-1.0)
    point(recs, "read_cost", "rwlock").repetitions[0].counters.update(reader_ops=0.0)
    for call in (p for p in recs if p.workload == "call_rcu" and p.backend == "qsbr"):
        call.repetitions[0].counters.update(lat_samples=0.0)
    rows = by_name(summary.summarize(recs, NAMES))
    assert rows["qsbr"].syncs_per_gp is None
    assert rows["rwlock"].read_ns is None and rows["rwlock"].read_vs_none is None
    assert rows["qsbr"].cb_p50_us is None
    assert rows["qsbr"].callbacks_per_s is not None  # invoked callbacks still count


def test_violations_add_up_over_the_backends_rows():
    recs = pass_records()
    for p in recs:
        if p.backend == "rwlock":
            p.repetitions[0].counters["violations"] = 3.0
    assert summary.violations(recs, "rwlock") == 12
    assert summary.violations(recs, "qsbr") == 0
    assert by_name(summary.summarize(recs, NAMES))["rwlock"].flagged


def test_each_number_is_the_median_over_repetitions_and_violations_add_up():
    recs = pass_records()
    read = point(recs, "read_cost", "qsbr")
    read.repetitions = [Repetition(i, {"wall_ns": 1000.0, "reader_ops": ops, "reader_threads": 1.0,
                                       "violations": 1.0})
                        for i, ops in enumerate((500.0, 400.0, 1000.0 / 9))]  # 2.0, 2.5, 9.0 ns
    assert summary.measure(recs, "qsbr").read_ns == pytest.approx(2.5)
    assert summary.violations(recs, "qsbr") == 3  # one per repetition


def test_failed_points_give_no_value_but_their_violations_count():
    recs = pass_records()
    read = point(recs, "read_cost", "qsbr")
    read.status, read.error = "failed", {"reason": "crashed"}
    read.repetitions[0].counters["violations"] = 2.0
    qsbr = summary.measure(recs, "qsbr")
    assert qsbr.read_ns is None
    assert qsbr.violations == 2


@pytest.mark.parametrize("value, text", [(None, "-"), (0.4312, "0.43"), (9.996, "10.00"),
                                         (25.63, "25.6"), (79691.775, "79692")])
def test_amount_format(value, text):
    assert summary.fmt_amount(value) == text


@pytest.mark.parametrize("value, text", [(None, "-"), (950, "950"), (1956442.0, "1.96M"),
                                         (12345.0, "12.35k"), (3.2e9, "3.20G")])
def test_rate_format(value, text):
    assert summary.fmt_rate(value) == text


def test_table_rows_and_notes():
    rows = summary.summarize(pass_records(), NAMES + ["mb"], notes={"mb": "CRASH: killed by SIGSEGV"})
    rows[1].violations = 5
    lines = summary.format_summary(rows).splitlines()
    assert re.split(r"\s{2,}", lines[0]) == list(summary.HEADERS)
    assert lines[2].split() == ["qsbr", "0.76", "0.67", "1.70", "1.50", "0.54", "1.79", "0.53", "1.00",
                                "79692", "1.96M", "0"]
    assert lines[3].split()[-2:] == ["FAIL", "(5)"]
    assert lines[-1].split(None, 1) == ["mb", "CRASH: killed by SIGSEGV"]
    # Numbers are right-aligned: every full row ends in the same column.
    assert len({len(line) for line in lines[:2] + lines[2:6]}) == 1
