"""Adaptive repetitions: whether a point's repetitions so far pin its
headline metric down well enough to stop measuring it. A spec's
`adaptive_ci = 0.05` asks for the median's 95% CI (order statistics,
median_ci.py) to be within +-5% of the median; the sweep measures a point
pass after pass until it is, or until `max_repetitions`.

The runner comes before analysis, so the sweep's callers hand it this
judge (lab/commands/sweep.py, run.py, the bundle's run_sweep). Standard
library only: the bundle's runner uses it on hosts without numpy."""
from __future__ import annotations

import math
import statistics
from pathlib import Path
from typing import Callable, List, Optional

from lab.analysis import metrics
from lab.analysis.median_ci import CONFIDENCE, median_interval
from lab.records.reader import Point, parse_repetition

Judge = Callable[[dict, List[dict]], Optional[float]]


def relative_half_width(point: dict, repetitions: List[dict]) -> Optional[float]:
    """Half the width of the headline's median CI relative to the median, from
    a point (the manifest's) and its record repetitions so far; None where
    the headline cannot be judged (no value, a median of 0)."""
    where = Path(f"<{point['key']}>")
    reps = [parse_repetition(r, where, f"repetitions[{i}]") for i, r in enumerate(repetitions)]
    shaped = Point(key=point["key"], benchmark=point.get("benchmark", ""), workload=point["workload"],
                   backend=point["backend"], params=point.get("params", {}), status="ok", error=None,
                   repetitions=reps, context={}, path=where)
    values = [v for v, _ in metrics.values(shaped, metrics.primary_metric(shaped))]
    if not values:
        return None
    low, high, confidence = median_interval(values)
    middle = statistics.median(values)
    if middle == 0:
        return None
    if confidence < CONFIDENCE:
        return math.inf  # too few values for a 95% interval: not yet precise
    return (high - low) / 2 / abs(middle)


def judge() -> Judge:
    """The judge the sweep calls after each pass beyond the spec's repetitions."""
    return relative_half_width
