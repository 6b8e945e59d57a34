"""Statistics on known inputs: median, bootstrap CI, CV, bimodality, histogram bounds."""
import dataclasses

import numpy as np
import pytest

from lab.analysis import histogram, metrics, stats

from analysis_fixtures import point_with_reads


def test_summary_of_known_values():
    s = stats.summarize([10, 12, 11, 13, 9, 10, 11, 12, 11])
    assert s.n == 9 and s.median == 11
    values = np.array([10, 12, 11, 13, 9, 10, 11, 12, 11], float)
    assert s.cv == pytest.approx(values.std(ddof=1) / values.mean())
    assert 9 <= s.ci_low <= 11 <= s.ci_high <= 13
    assert s.ci_low < s.ci_high


def test_median_interval_is_order_statistics_with_its_real_confidence():
    # n = 3: no interval reaches 95%; min..max covers the median with 1 - 2 / 2^3 = 75%
    assert stats.median_interval([3, 1, 2]) == (1.0, 3.0, 0.75)
    # n = 9: x(2)..x(8), 1 - 2 (1 + 9) / 512 = 96.1%; x(3)..x(7) would be 82%
    low, high, confidence = stats.median_interval(list(range(1, 10)))
    assert (low, high) == (2.0, 8.0) and confidence == pytest.approx(1 - 20 / 512)
    assert stats.summarize([5, 6, 7]).ci_confidence == 0.75
    assert stats.summarize(list(range(20))).ci_confidence >= 0.95


def test_rank_sum_p_is_exact_for_small_n():
    from scipy.stats import mannwhitneyu
    assert stats.rank_sum_p([1, 2, 3], [4, 5, 6]) == pytest.approx(0.1)  # 2 / C(6, 3)
    assert stats.smallest_p(3, 3) == pytest.approx(0.1) and stats.smallest_p(5, 5) == pytest.approx(2 / 252)
    rng = np.random.default_rng(7)
    a, b = list(rng.normal(0, 1, 6)), list(rng.normal(0.8, 1, 7))
    assert stats.rank_sum_p(a, b) == pytest.approx(mannwhitneyu(a, b, method="exact").pvalue)
    # ties: mid-ranks, enumerated exactly (every split of 2 vs 2 with values 1,1,2,2)
    assert stats.rank_sum_p([1, 1], [2, 2]) == pytest.approx(2 / 6)


def test_ci_is_deterministic_and_narrows_with_more_data():
    rng = np.random.default_rng(3)
    few, many = rng.normal(100, 5, 5), rng.normal(100, 5, 200)
    a, b = stats.summarize(few), stats.summarize(few)
    assert (a.ci_low, a.ci_high) == (b.ci_low, b.ci_high)
    wide = a.ci_high - a.ci_low
    narrow = stats.summarize(many).ci_high - stats.summarize(many).ci_low
    assert narrow < wide


def test_single_value_and_constant_values():
    s = stats.summarize([5.0])
    assert (s.median, s.ci_low, s.ci_high, s.cv) == (5.0, 5.0, 5.0, None)
    s = stats.summarize([7.0] * 6)
    assert (s.ci_low, s.ci_high, s.cv) == (7.0, 7.0, 0.0)
    assert stats.summarize([]) is None


def test_bimodal_split_finds_two_clusters_and_their_members():
    values = [100, 101, 99, 135, 100, 134, 136, 100, 101]
    split = stats.bimodal_split(values)
    assert split is not None
    assert split.high == [3, 5, 6]
    assert split.low_center == pytest.approx(100)


@pytest.mark.parametrize("values", [
    [100, 101, 99, 100, 102, 98, 100, 101, 99],            # one tight cluster
    list(np.random.default_rng(5).normal(100, 3, 9)),      # noise
    [100, 100, 100, 100, 100, 100, 100, 100, 130],         # one outlier is not a cluster
    [100, 106, 100, 106, 100, 106, 100, 106, 100],         # two adjacent histogram buckets
    [100, 150, 100, 150],                                  # too few values to tell
])
def test_unimodal_or_undecidable_is_not_flagged(values):
    assert stats.bimodal_split(values) is None


def test_derived_metrics_from_counters():
    p = point_with_reads([2e6])
    rep = p.repetitions[0]
    rep.counters.update(reader_threads=2, updater_ops=50, wall_ns=2e9, reader_ops=4e6)
    assert metrics.METRICS["reads_per_s"].of(rep) == pytest.approx(2e6)
    assert metrics.METRICS["ns_per_read"].of(rep) == pytest.approx(1000)
    assert metrics.METRICS["updates_per_s"].of(rep) == pytest.approx(25)
    # no latency samples: no latency (0 would read as "instant")
    assert metrics.METRICS["lat_p50_ns"].of(rep) is None


def test_percpu_ref_pairs_cost_over_live_time_and_retrigger_gps_per_close():
    rep = point_with_reads([1]).repetitions[0]
    # 2 readers, 1e6 pairs in a 1 s window of which the ref was dead 0.5 s
    rep.counters.update(wall_ns=1e9, dead_ns=5e8, reader_threads=2, reader_ops=1e6, close_gps=30, closes_ok=1000)
    assert metrics.METRICS["ns_per_live_pair"].of(rep) == pytest.approx(1000)
    assert metrics.METRICS["gps_per_close"].of(rep) == pytest.approx(0.03)
    rep.counters.update(dead_ns=1e9, closes_ok=0)  # dead the whole window; no close succeeded
    assert metrics.METRICS["ns_per_live_pair"].of(rep) is None
    assert metrics.METRICS["gps_per_close"].of(rep) is None
    # the headlines are the descriptors' (bench/workloads/percpu_ref.h, retrigger_gp.h)
    headline = lambda workload: metrics.primary_metric(dataclasses.replace(point_with_reads([1]), workload=workload))
    assert headline("percpu_ref").name == "ns_per_live_pair" and headline("retrigger_gp").name == "updates_per_s"


def test_latency_falls_back_to_the_histogram():
    p = point_with_reads([1])
    rep = p.repetitions[0]
    rep.histogram = {str(histogram.index_of(1000)): 10, str(histogram.index_of(5000)): 10}
    rep.max_ns = 5100
    assert metrics.METRICS["lat_p50_ns"].of(rep) == histogram.upper_bound_of(histogram.index_of(1000))


def test_histogram_bounds_match_the_cpp_layout():
    # below 16 the index is the value; above, 16 linear sub-buckets per power of two
    assert [histogram.upper_bound_of(i) for i in (0, 15, 16, 17, 31, 32, 33)] == [0, 15, 16, 17, 31, 33, 35]
    for value in (0, 1, 15, 16, 17, 33, 1000, 123456789, 2**40 + 5):
        index = histogram.index_of(value)
        assert value <= histogram.upper_bound_of(index)
        assert index == 0 or histogram.upper_bound_of(index - 1) < value
    assert histogram.upper_bound_of(histogram.index_of(1000)) / 1000 < 1.0625


def test_histogram_percentile_and_cdf():
    counts = {10: 50, 12: 50}
    assert histogram.percentile(counts, 0.5) == 10
    assert histogram.percentile(counts, 0.99) == 12
    assert histogram.cdf(counts) == ([10, 12], [0.5, 1.0])


@pytest.mark.parametrize("n", [1, 2, 5, 8, 9])
def test_fast_bootstrap_equals_medians_of_the_resamples(n):
    values = np.sort(np.random.default_rng(n).normal(size=n))
    rows = np.random.default_rng([stats.BOOTSTRAP_SEED, n, 0]).integers(0, n, size=(stats.BOOTSTRAP_RESAMPLES, n))
    expected = np.median(values[rows], axis=1)
    assert np.allclose(stats.bootstrap_medians(values[::-1]), expected)


def _reps(reads_per_rep):
    return [{"index": i, "counters": {"wall_ns": 1e9, "reader_ops": float(r), "reader_threads": 1.0}}
            for i, r in enumerate(reads_per_rep)]


def test_precision_is_the_headline_median_ci_half_width_relative_to_the_median():
    from lab.analysis import precision
    point = {"key": "k", "workload": "read_cost", "backend": "qsbr", "params": {}}
    # ns_per_read = 1e9 / reads: 10, 10, 10, 10, 10, 10 ns -> an exact interval
    assert precision.relative_half_width(point, _reps([1e8] * 6)) == 0.0
    # 95% needs 6 values: five are not enough, however close
    assert precision.relative_half_width(point, _reps([1e8] * 5)) == float("inf")
    # 8, 9, 10, 10, 11, 12 ns: at n = 6 the interval is min..max, 8..12 around a median of 10
    reads = [1e9 / ns for ns in (8, 9, 10, 10, 11, 12)]
    assert abs(precision.relative_half_width(point, _reps(reads)) - 0.2) < 1e-9
    assert precision.relative_half_width(point, []) is None  # nothing to judge


def test_adaptive_spec_keys_are_checked():
    import pytest
    from lab.spec import parse
    from lab.spec.errors import SpecError
    group = [{"workloads": ["read_cost"]}]
    spec = parse.check({"group": group, "adaptive_ci": 0.05}, "s")
    assert spec["max_repetitions"] == 20
    assert parse.check({"group": group}, "s")["max_repetitions"] == 3  # not adaptive: exactly the repetitions
    for bad, message in (({"adaptive_ci": 0.05, "interleave": False}, "needs interleave"),
                         ({"adaptive_ci": 0.05, "repetitions": 10, "max_repetitions": 5}, "at least 10"),
                         ({"max_repetitions": 9}, "only means something"),
                         ({"adaptive_ci": 1.5}, "at most 0.99"),
                         ({"adaptive_ci": -0.1}, "at least 0")):
        with pytest.raises(SpecError, match=message):
            parse.check({"group": group, **bad}, "s")
