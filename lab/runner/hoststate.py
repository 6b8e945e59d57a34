"""Volatile host state around one point: load, frequency governor, and how much
CPU other processes took while the point ran (noise in the measurement)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional, Tuple

GOVERNOR = Path("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
PROC_STAT = Path("/proc/stat")


def loadavg() -> Optional[List[float]]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def governor() -> Optional[str]:
    try:
        return GOVERNOR.read_text().strip() or None
    except OSError:
        return None


def cpu_jiffies() -> Optional[Tuple[int, int]]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat's `cpu` line."""
    try:
        first = PROC_STAT.read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None
    if not first or first[0] != "cpu":
        return None
    values = [int(v) for v in first[1:9]]  # user nice system idle iowait irq softirq steal
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def other_cpu_share(before: Optional[Tuple[int, int]], after: Optional[Tuple[int, int]],
                    ours_seconds: float) -> Optional[float]:
    """Share of all CPU time that processes other than ours used between the two
    samples: busy jiffies minus our own (runner + child), over all jiffies."""
    if before is None or after is None:
        return None
    busy, total = after[0] - before[0], after[1] - before[1]
    if total <= 0:
        return None
    ours = ours_seconds * os.sysconf("SC_CLK_TCK")
    return round(min(1.0, max(0.0, (busy - ours) / total)), 4)
