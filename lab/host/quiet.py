"""How quiet this host is for measuring, and what the user can do about it:
`rculab profile` samples the CPU time other processes and the hypervisor
take for a second, runs a short stability probe (the same read loop timed
again and again: its spread is the noise a point will carry), and reads the
knobs the host exposes (governor, boost, SMT, isolated CPUs). Pure: the
measuring is the caller's."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional

OTHER_CPU_QUIET = 0.05  # share of all CPU time other processes may take
STEAL_QUIET = 0.01      # share the hypervisor may give to other guests
PROBE_CV_QUIET = 0.05   # coefficient of variation of the probe's repetitions


@dataclass
class Quietness:
    other_cpu_share: Optional[float]
    steal_share: Optional[float]
    probe_cv: Optional[float]
    governors: Dict[str, List[int]]
    boost: Optional[str]
    smt: Optional[bool]
    isolated_cpus: Optional[str]
    loadavg: Optional[List[float]]

    def problems(self) -> List[str]:
        """What makes this host noisy now."""
        found = []
        if self.other_cpu_share is not None and self.other_cpu_share > OTHER_CPU_QUIET:
            found.append(f"other processes took {self.other_cpu_share:.0%} of the CPUs while sampled")
        if self.steal_share is not None and self.steal_share > STEAL_QUIET:
            found.append(f"the hypervisor gave {self.steal_share:.0%} of the CPUs to other guests")
        if self.probe_cv is not None and self.probe_cv > PROBE_CV_QUIET:
            found.append(f"the same read loop varied by {self.probe_cv:.0%} (CV) from one repetition to the next")
        return found

    def advice(self) -> List[str]:
        """What the user could change, quiet or not."""
        out = []
        if self.other_cpu_share is not None and self.other_cpu_share > OTHER_CPU_QUIET:
            out.append("stop other work on this host while measuring (an idle host)")
        if self.steal_share is not None and self.steal_share > STEAL_QUIET:
            out.append("ask for dedicated vCPUs (steal is another guest's load)")
        if self.governors and set(self.governors) != {"performance"}:
            out.append(f"set the frequency governor to performance (now: {', '.join(sorted(self.governors))}): "
                       "cpupower frequency-set -g performance")
        if self.boost == "on":
            out.append("turn turbo/boost off for steadier clocks (echo 0 > /sys/devices/system/cpu/cpufreq/boost)")
        if self.smt:
            out.append("SMT siblings share a core: turn SMT off (nosmt) or pin to one sibling per core "
                       "(--placement=cores)")
        if not self.isolated_cpus:
            out.append("isolate the measured CPUs from the scheduler (isolcpus= on the kernel command line)")
        return out

    @property
    def verdict(self) -> str:
        return "quiet" if not self.problems() else "NOISY"

    def lines(self) -> List[str]:
        load = "/".join(f"{x:.2f}" for x in self.loadavg) if self.loadavg else "unknown"
        def share(v: Optional[float]) -> str:
            return "unknown" if v is None else f"{v:.1%}"
        probe = "not run" if self.probe_cv is None else f"CV {self.probe_cv:.1%}"
        out = [f"quietness: {self.verdict} (other processes {share(self.other_cpu_share)}, "
               f"steal {share(self.steal_share)}, load {load}, stability probe {probe})"]
        out += [f"  noisy: {p}" for p in self.problems()]
        out += [f"  could help: {a}" for a in self.advice()]
        return out
