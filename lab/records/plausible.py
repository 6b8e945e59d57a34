"""Values no correct run can produce, found in a record's repetitions: each a
named kind, so that neither the runner (at record time: the point fails as
`implausible`) nor `rculab validate` lets one through to a table or a chart.

Kinds (lab/RECORDS.md "Plausibility"):
  wrapped         a counter at or above 2^63: an unsigned difference that went
                  below zero (a double holds it as ~1.8e19)
  negative        a counter below -1 (-1 alone means "not exposed")
  non_finite      NaN or infinity
  above_bound     a workload counter above the most its descriptor allows
                  (e.g. call_rcu's backlog: its cap plus the documented slack)
  no_operations   an ok point whose repetition completed no operation
  latency_beyond_window  a latency median longer than the measured window
  starved         an ok point whose updaters completed nothing

Standard library only: the runner ships in bundles."""
from __future__ import annotations

import math
from typing import List, Mapping, Optional, Sequence, Tuple

from lab.records import catalogue

WRAPPED_AT = 2.0 ** 63
KINDS = ("wrapped", "negative", "non_finite", "above_bound", "no_operations", "latency_beyond_window", "starved")

Finding = Tuple[str, str, str]  # (field, kind, message)


def _counter_findings(field: str, name: str, value: float, bound: Optional[float]) -> List[Finding]:
    if not math.isfinite(value):
        return [(field, "non_finite", f"{name} = {value}")]
    if value >= WRAPPED_AT:
        return [(field, "wrapped", f"{name} = {value:.4g}, at or above 2^63: a difference that wrapped below 0")]
    if value < -1:
        return [(field, "negative", f"{name} = {value:g}: below -1 (-1 alone means not exposed)")]
    if bound is not None and value > bound:
        return [(field, "above_bound", f"{name} = {value:g}, above the most a correct run reports ({bound:g})")]
    return []


def repetition_findings(counters: Mapping[str, float], bounds: Mapping[str, catalogue.Counter],
                        where: str = "") -> List[Finding]:
    """What is impossible in one repetition's counters."""
    found: List[Finding] = []
    updaters = counters.get("updater_threads", 0)
    for name, value in counters.items():
        described = bounds.get(name)
        found += _counter_findings(f"{where}counters.{name}", name, float(value),
                                   described.bound(updaters) if described else None)
    if counters.get("reader_ops", 0) + counters.get("updater_ops", 0) <= 0:
        found.append((f"{where}counters", "no_operations", "no reader or updater operation completed"))
    if counters.get("updaters_starved", 0) > 0:
        found.append((f"{where}counters.updaters_starved", "starved", "the updaters completed nothing"))
    wall = counters.get("wall_ns", 0)
    if counters.get("lat_samples", 0) > 0 and wall > 0 and counters.get("lat_p50_ns", 0) > wall:
        found.append((f"{where}counters.lat_p50_ns", "latency_beyond_window",
                      f"latency median {counters['lat_p50_ns']:g} ns is longer than the {wall:g} ns window"))
    return found


def findings(workload: str, repetitions: Sequence[Mapping]) -> List[Finding]:
    """Every impossible value of an ok point's repetitions (record layout:
    {"counters": {...}} each), with the field it sits in."""
    described = catalogue.workload(workload)
    bounds = {c.name: c for c in described.counters} if described else {}
    found: List[Finding] = []
    for index, rep in enumerate(repetitions):
        found += repetition_findings(rep.get("counters", {}), bounds, f"repetitions[{index}].")
    return found


def summary(found: Sequence[Finding]) -> str:
    """One line for a record's error message: the kinds and the first instance."""
    kinds = sorted({kind for _, kind, _ in found})
    field, _, message = found[0]
    more = f" (+{len(found) - 1} more)" if len(found) > 1 else ""
    return f"implausible ({', '.join(kinds)}): {field}: {message}{more}"
