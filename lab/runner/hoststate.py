"""Volatile host state around one point: load, frequency governor, how much
CPU other processes and the hypervisor took while the point ran, and the
verdict on that noise (noise_reasons: a point over a threshold is `noisy`)."""
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


# A point is noisy when, while it ran, other processes took more than this
# share of all CPU time, or the hypervisor stole more than this share.
OTHER_CPU_NOISY = 0.10
STEAL_NOISY = 0.02


def cpu_jiffies() -> Optional[Tuple[int, int, int]]:
    """(busy, total, steal) jiffies of all CPUs since boot, from /proc/stat's `cpu` line."""
    try:
        first = PROC_STAT.read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None
    if not first or first[0] != "cpu":
        return None
    values = [int(v) for v in first[1:9]]  # user nice system idle iowait irq softirq steal
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    steal = values[7] if len(values) > 7 else 0
    return sum(values) - idle, sum(values), steal


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


def steal_share(before: Optional[Tuple[int, int, int]], after: Optional[Tuple[int, int, int]]) -> Optional[float]:
    """Share of all CPU time the hypervisor gave to other guests between the samples."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    return round(min(1.0, max(0.0, (after[2] - before[2]) / (after[1] - before[1]))), 4)


def noise_reasons(other_share: Optional[float], steal: Optional[float]) -> List[str]:
    """Why the point's numbers may be disturbed (empty: quiet enough)."""
    reasons = []
    if other_share is not None and other_share > OTHER_CPU_NOISY:
        reasons.append(f"other processes took {other_share:.0%} of the CPUs")
    if steal is not None and steal > STEAL_NOISY:
        reasons.append(f"the hypervisor stole {steal:.0%} of the CPUs")
    return reasons
