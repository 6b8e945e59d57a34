"""Host facts read straight from /proc and /sys (Linux), stdlib only: the
standalone runner computes the profile id with them on hosts that have only
python3 and rculab-bench. `sys_root`/`proc_root` let tests feed a fake tree.

hardware() is what the id is made of (fixed for a machine); volatile() is what
may change between two runs on it (kernel command line, governor, load)."""
from __future__ import annotations

import os
import platform
import re
import shutil
import socket
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional

SYS = Path("/sys")
PROC = Path("/proc")


def read_text(path: Path) -> Optional[str]:
    """Stripped contents, or None where the file is absent or unreadable."""
    try:
        return Path(path).read_text(errors="replace").strip()
    except OSError:
        return None


def parse_cpu_list(text: Optional[str]) -> List[int]:
    """Linux CPU list syntax: "0-3,8,10-11" -> [0, 1, 2, 3, 8, 10, 11]."""
    cpus: List[int] = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        first, _, last = part.partition("-")
        cpus.extend(range(int(first), int(last or first) + 1))
    return cpus


def parse_size(text: Optional[str]) -> int:
    """sysfs cache sizes: "48K" -> 49152; "" or garbage -> 0."""
    match = re.fullmatch(r"(\d+)\s*([KMG]?)", (text or "").strip(), re.IGNORECASE)
    if not match:
        return 0
    return int(match.group(1)) * {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[match.group(2).upper()]


# ---- CPU ----------------------------------------------------------------------------

def first_cpuinfo_block(text: str) -> Dict[str, str]:
    """The fields of the first processor in /proc/cpuinfo (they are the same for
    every one on the machines we profile; hybrid CPUs differ only in flags)."""
    fields: Dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if fields:
                break
            continue
        name, sep, value = line.partition(":")
        if sep:
            fields.setdefault(name.strip(), value.strip())
    return fields


def cpu(cpuinfo: str) -> dict:
    """x86: vendor_id, model name, family/model/stepping. Arm: implementer, part,
    architecture, revision (Arm kernels print no model name)."""
    f = first_cpuinfo_block(cpuinfo)
    return {
        "vendor": f.get("vendor_id") or f.get("CPU implementer") or "unknown",
        "model_name": f.get("model name") or f.get("Hardware") or f.get("Processor") or "",
        "family": f.get("cpu family") or f.get("CPU architecture") or "",
        "model": f.get("model") or f.get("CPU part") or "",
        "stepping": f.get("stepping") or f.get("CPU revision") or "",
        "microcode": f.get("microcode"),
        "hypervisor_flag": "hypervisor" in (f.get("flags") or "").split(),
    }


# ---- topology (what hwloc's Linux backend reads too) ------------------------------------

def online_cpus(sys_root: Path) -> List[int]:
    cpus = parse_cpu_list(read_text(sys_root / "devices/system/cpu/online"))
    if cpus:
        return cpus
    base = sys_root / "devices/system/cpu"
    return sorted(int(p.name[3:]) for p in base.glob("cpu[0-9]*") if (p / "topology").is_dir())


def cache_instances(sys_root: Path, cpus: List[int]) -> Dict[tuple, tuple]:
    """(level, type, sharing CPUs) -> (level, type, size, line, ways, PUs sharing it)."""
    instances: Dict[tuple, tuple] = {}
    for n in cpus:
        for index in sorted((sys_root / f"devices/system/cpu/cpu{n}/cache").glob("index[0-9]*")):
            level = int(read_text(index / "level") or 0)
            kind = (read_text(index / "type") or "unified").lower()
            shared = tuple(c for c in parse_cpu_list(read_text(index / "shared_cpu_list")) if c in cpus) or (n,)
            instances.setdefault((level, kind, shared), (
                level, kind, parse_size(read_text(index / "size")),
                int(read_text(index / "coherency_line_size") or 0),
                int(read_text(index / "ways_of_associativity") or 0), len(shared)))
    return instances


def caches(sys_root: Path, cpus: List[int]) -> List[dict]:
    """Cache kinds with how many of each: the layout, not the instances."""
    counts: Dict[tuple, int] = {}
    for kind in cache_instances(sys_root, cpus).values():
        counts[kind] = counts.get(kind, 0) + 1
    keys = ("level", "type", "size_bytes", "line_bytes", "ways", "pus_each")
    return [dict(zip(keys, kind), count=count) for kind, count in sorted(counts.items())]


def topology(sys_root: Path = SYS) -> dict:
    cpus = online_cpus(sys_root)
    packages, cores = set(), set()
    for n in cpus:
        topo = sys_root / f"devices/system/cpu/cpu{n}/topology"
        package = read_text(topo / "physical_package_id") or "0"
        siblings = read_text(topo / "core_cpus_list") or read_text(topo / "thread_siblings_list") or str(n)
        packages.add(package)
        cores.add((package, siblings))
    nodes = parse_cpu_list(read_text(sys_root / "devices/system/node/online"))
    return {
        "packages": max(len(packages), 1),
        "cores": len(cores),
        "pus": len(cpus),
        "smt": len(cpus) > len(cores),
        "numa_nodes": max(len(nodes), 1),
        "caches": caches(sys_root, cpus),
    }


def hardware(sys_root: Path = SYS, proc_root: Path = PROC, arch: Optional[str] = None) -> dict:
    """The facts a profile id is made of (see ident.py), cheap: a few file reads."""
    cpu_facts = cpu(read_text(proc_root / "cpuinfo") or "")
    return {
        "arch": arch or platform.machine() or "unknown",
        "cpu": cpu_facts,
        "topology": topology(sys_root),
        "virtualization": {"virtual_machine": cpu_facts.pop("hypervisor_flag")},
    }


# ---- stable but not identity ---------------------------------------------------------------

def detect_virt(flag: str) -> Optional[str]:
    """systemd-detect-virt --vm / --container: "kvm", "docker", "none"; None without it."""
    tool = shutil.which("systemd-detect-virt")
    if not tool:
        return None
    try:
        done = subprocess.run([tool, flag], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def meminfo_bytes(proc_root: Path, field: str) -> Optional[int]:
    for line in (read_text(proc_root / "meminfo") or "").splitlines():
        name, _, value = line.partition(":")
        if name == field and value.split():
            return int(value.split()[0]) * 1024
    return None


def os_name(etc_root: Path = Path("/etc")) -> Optional[str]:
    for line in (read_text(etc_root / "os-release") or "").splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip().strip('"')
    return None


def system(proc_root: Path = PROC) -> dict:
    """Memory, OS, kernel: properties of the installation, not the id."""
    uname = platform.uname()
    return {
        "memory_bytes": meminfo_bytes(proc_root, "MemTotal"),
        "os": os_name(),
        "kernel_release": uname.release,
        "kernel_version": uname.version,
        "python": platform.python_version(),
    }


# ---- volatile --------------------------------------------------------------------------------

def per_cpu_values(sys_root: Path, relative: str) -> Dict[str, List[int]]:
    """value -> CPUs having it, e.g. scaling_governor: {"performance": [0, 1]}."""
    by_value: Dict[str, List[int]] = {}
    for n in online_cpus(sys_root):
        value = read_text(sys_root / f"devices/system/cpu/cpu{n}/{relative}")
        if value is not None:
            by_value.setdefault(value, []).append(n)
    return by_value


def boost(sys_root: Path) -> Optional[str]:
    """Turbo/boost state where the driver exposes it (acpi-cpufreq, intel_pstate, amd)."""
    cpu_dir = sys_root / "devices/system/cpu"
    boost_flag = read_text(cpu_dir / "cpufreq/boost")
    if boost_flag is not None:
        return "on" if boost_flag == "1" else "off"
    no_turbo = read_text(cpu_dir / "intel_pstate/no_turbo")
    if no_turbo is not None:
        return "off" if no_turbo == "1" else "on"
    return None


def vulnerabilities(sys_root: Path) -> Dict[str, str]:
    base = sys_root / "devices/system/cpu/vulnerabilities"
    found = {p.name: read_text(p) for p in sorted(base.glob("*"))} if base.is_dir() else {}
    return {name: text for name, text in found.items() if text is not None}


def selected(text: Optional[str]) -> Optional[str]:
    """"always [madvise] never" -> "madvise"."""
    match = re.search(r"\[([^\]]+)\]", text or "")
    return match.group(1) if match else text


def volatile(sys_root: Path = SYS, proc_root: Path = PROC) -> dict:
    """What may differ between two runs on the same machine: never part of the id."""
    uptime = (read_text(proc_root / "uptime") or "").split()
    return {
        "collected_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "hostname": socket.gethostname(),
        "kernel_cmdline": read_text(proc_root / "cmdline"),
        "governors": per_cpu_values(sys_root, "cpufreq/scaling_governor"),
        "boost": boost(sys_root),
        "smt_control": read_text(sys_root / "devices/system/cpu/smt/control"),
        "isolated_cpus": read_text(sys_root / "devices/system/cpu/isolated"),
        "allowed_cpus": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "loadavg": list(os.getloadavg()),
        "uptime_s": float(uptime[0]) if uptime else None,
        "transparent_hugepages": selected(read_text(sys_root / "kernel/mm/transparent_hugepage/enabled")),
        "aslr": read_text(proc_root / "sys/kernel/randomize_va_space"),
        "vulnerabilities": vulnerabilities(sys_root),
        "container": detect_virt("--container"),
    }
