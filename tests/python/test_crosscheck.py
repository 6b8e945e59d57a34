"""crosscheck's verdicts (lab/analysis/crosscheck.py): a figure agrees within
20% of its yardstick or within the lab's resolution, and a lab figure twice
the yardstick's is caught."""
import pytest

from conftest import run_cli
from lab.analysis import crosscheck


def test_agreement_within_tolerance_and_within_resolution():
    assert crosscheck.Check("mb", "ns", [62.0, 63.0], [61.0, 60.0]).verdict == "agrees"
    # 0.37 vs 0.73 ns: 50% apart, but less than one TSC tick (0.41 ns): not a difference the lab can claim
    tick = crosscheck.Check("qsbr", "ns", [0.37, 0.35], [0.73, 0.66], resolution=0.41)
    assert tick.agrees and tick.verdict == "agrees (within resolution)"


def test_a_lab_figure_twice_the_yardstick_differs():
    broken = crosscheck.Check("memb", "ns", [4.6, 4.7], [2.3, 2.3], resolution=0.41)
    assert not broken.agrees and broken.verdict == "DIFFERS"
    assert crosscheck.table_rows([broken])[0][-1] == "DIFFERS"
    slow = crosscheck.Check("call_rcu", "M/s", [2.4, 2.3, 2.5], [4.1, 5.9, 4.5])
    assert slow.verdict == "DIFFERS"  # the lab's pinned-beside-the-reader worker of issue 16


@pytest.mark.parametrize("argv, message", [
    (["crosscheck", "--rounds", "0"], "argument --rounds: must be at least 1"),
    (["crosscheck", "--seconds", "-1"], "argument --seconds: expected seconds in (0, 60]"),
])
def test_bad_flags_are_one_line(capsys, argv, message):
    status, _, err = run_cli(argv, capsys)
    assert status == 2 and message in err and len(err.strip().splitlines()) == 1
