"""profile.json: assembled from the facts, and checked when read back."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

from lab.base.errors import LabError
from lab.host import facts, ident, native
from lab.records.results import utc_now

SCHEMA_VERSION = 1
KIND = "rculab.profile"

# Every field profile.json has (RECORDS.md "Host profile"); tests hold the file to it.
FIELDS = {
    "": ("schema_version", "kind", "profile_id", "created_utc", "arch", "cpu", "topology", "virtualization",
         "software", "membarrier", "volatile", "calibration"),
    "cpu": ("vendor", "model_name", "family", "model", "stepping", "microcode"),
    "topology": ("packages", "cores", "pus", "smt", "numa_nodes", "caches", "memory_bytes", "numa_memory_bytes",
                 "hwloc"),
    "virtualization": ("virtual_machine", "vm"),
    "software": ("os", "kernel_release", "kernel_version", "python", "libraries", "build", "rculab_commit",
                 "preset"),
    "software.libraries": ("hwloc", "hwloc_api", "glibc", "libstdcxx", "liburcu", "benchmark", "shared_objects"),
    "software.build": ("compiler_id", "compiler", "full_fence"),
    "membarrier": ("supported", "commands"),
    "volatile": ("collected_utc", "hostname", "kernel_cmdline", "governors", "boost", "smt_control",
                 "isolated_cpus", "allowed_cpus", "loadavg", "uptime_s", "transparent_hugepages", "aslr",
                 "vulnerabilities", "container"),
}


def hwloc_view(native_host: dict) -> dict:
    t = native_host["topology"]
    return {key: t.get(key) for key in ("packages", "cores", "pus", "numa_nodes", "synthetic")}


def disagreements(hardware: dict, native_host: dict) -> List[str]:
    """Counts where hwloc and /sys differ (should be none: hwloc reads /sys too)."""
    ours, theirs = hardware["topology"], native_host["topology"]
    return [f"{key}: /sys {ours[key]}, hwloc {theirs.get(key)}"
            for key in ("packages", "cores", "pus", "numa_nodes") if ours[key] != theirs.get(key)]


def assemble(hardware: dict, native_host: dict, calibration: Optional[dict], commit: Optional[str],
             preset: str) -> dict:
    system = facts.system()
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": KIND,
        "profile_id": ident.profile_id(hardware),
        "created_utc": utc_now(),
        "arch": hardware["arch"],
        "cpu": hardware["cpu"],
        "topology": {**hardware["topology"], "memory_bytes": system.pop("memory_bytes"),
                     "numa_memory_bytes": native_host["topology"].get("numa_memory_bytes"),
                     "hwloc": hwloc_view(native_host)},
        "virtualization": {**hardware["virtualization"], "vm": facts.detect_virt("--vm")},
        "software": {**system, "libraries": native_host["libraries"], "build": native_host["build"],
                     "rculab_commit": commit, "preset": preset},
        "membarrier": native_host["membarrier"],
        "volatile": facts.volatile(),
        "calibration": calibration,
    }


def missing_fields(doc: dict) -> List[str]:
    missing = []
    for section, names in FIELDS.items():
        node = doc
        for part in filter(None, section.split(".")):
            node = node.get(part) if isinstance(node, dict) else None
        missing += [f"{section}.{n}".lstrip(".") for n in names if not isinstance(node, dict) or n not in node]
    return missing


def check(doc, path: Path) -> dict:
    """A profile.json read back: ours, this version, with its identifying facts."""
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise LabError(f"{path} is not an rculab profile (no \"kind\": \"{KIND}\"); move it away or fix it")
    if doc.get("schema_version") != SCHEMA_VERSION:
        raise LabError(f"{path} has schema_version {doc.get('schema_version')!r}; this rculab reads "
                       f"version {SCHEMA_VERSION} only")
    missing = missing_fields(doc)
    if missing:
        raise LabError(f"{path} lacks {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}; "
                       "move it away or fix it")
    if doc["calibration"] is not None:
        native.check_calibration(doc["calibration"], str(path))
    return doc
