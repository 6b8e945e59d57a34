"""The lab's figures held against independent programs (bench/minimal/): the
bare read-side loop a liburcu user would write, per flavor, against
read_cost on that flavor; liburcu's minimal call_rcu loop against the
call_rcu workload. A figure agrees when the medians differ by no more than
TOLERANCE of the yardstick's, or than the lab can resolve at all
(metrics.resolution_ns: a read-side section's one TSC tick and calibration
spread); otherwise it DIFFERS, and something in the lab or the yardstick
needs explaining."""
from __future__ import annotations

from dataclasses import dataclass
from statistics import median
from typing import List, Optional

TOLERANCE = 0.20


@dataclass
class Check:
    what: str
    unit: str
    lab: List[float]
    yardstick: List[float]
    resolution: Optional[float] = None  # in the unit; None where not known

    @property
    def allowed(self) -> float:
        return max(TOLERANCE * abs(median(self.yardstick)), self.resolution or 0.0)

    @property
    def difference(self) -> float:
        return median(self.lab) - median(self.yardstick)

    @property
    def agrees(self) -> bool:
        return abs(self.difference) <= self.allowed

    @property
    def verdict(self) -> str:
        if self.agrees:
            return "agrees" if abs(self.difference) <= TOLERANCE * abs(median(self.yardstick)) else \
                "agrees (within resolution)"
        return "DIFFERS"


def spread(values: List[float]) -> str:
    return f"{median(values):.3g} [{min(values):.3g}-{max(values):.3g}]"


def table_rows(checks: List[Check]) -> List[List[str]]:
    return [[c.what, f"{spread(c.lab)} {c.unit}", f"{spread(c.yardstick)} {c.unit}",
             f"{c.difference:+.3g}", f"±{c.allowed:.3g}", c.verdict] for c in checks]


HEADERS = ("check", "lab: median [min-max]", "yardstick", "lab - yardstick", "allowed", "verdict")
