"""Time series in records: the runner moves <name>_ts<i> counters into the
repetition's `series`, the loader checks them, the backlog chart draws them."""
from pathlib import Path

import pytest

from lab.records.reader import parse_series
from lab.base.errors import LabError
from lab.runner.execute import take_series


def test_series_counters_move_out_of_counters_in_sample_order():
    counters = {"backlog_ts10": 7.0, "backlog_ts2": 5.0, "backlog_ts0": 1.0, "backlog_ts_period_ns": 1e6,
                "reader_ops": 3.0, "lat_p50_ns": 9.0}
    series = take_series(counters)
    assert series == {"backlog": {"period_ns": 1_000_000, "values": [1.0, 5.0, 7.0]}}
    assert counters == {"reader_ops": 3.0, "lat_p50_ns": 9.0}


def test_no_series_counters_no_series():
    counters = {"reader_ops": 3.0, "wall_ns": 1.0}
    assert take_series(counters) == {} and counters == {"reader_ops": 3.0, "wall_ns": 1.0}


@pytest.mark.parametrize("bad", [
    [1, 2],
    {"backlog": [1, 2]},
    {"backlog": {"period_ns": -1, "values": [1]}},
    {"backlog": {"period_ns": 1000, "values": [1, "x"]}},
    {"backlog": {"period_ns": 1000, "values": [1, float("nan")]}},
    {"backlog": {"period_ns": True, "values": []}},
])
def test_malformed_series_is_one_clear_error(bad):
    with pytest.raises(LabError, match="series"):
        parse_series(bad, Path("r.json"), "repetitions[0]")


def test_well_formed_series_loads():
    assert parse_series({"backlog": {"period_ns": 1000, "values": [0, 2.5]}}, Path("r.json"), "r") == \
        {"backlog": (1000, [0.0, 2.5])}
