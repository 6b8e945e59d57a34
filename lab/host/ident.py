"""The profile id: `<arch>-<cpu slug>-<N>pu-<hash>`, e.g. x86-64-intel-xeon-2pu-3f9a1c2e.

The hash covers exactly the hardware facts listed in IDENTITY (CPU identity,
packages, cores, PUs, SMT, NUMA nodes, cache layout, whether it is a virtual
machine), so the same machine always gets the same id and a machine that
differs in any of them (another PU count, another cache layout, same CPU
model) gets another. Kernel, microcode, memory size, load and everything else
in profile.json are left out: they change without the hardware changing."""
from __future__ import annotations

import hashlib
import json
import re

# section -> the fields of it that identify the hardware (None: the whole value).
IDENTITY = {
    "arch": None,
    "cpu": ("vendor", "model_name", "family", "model", "stepping"),
    "topology": ("packages", "cores", "pus", "smt", "numa_nodes", "caches"),
    "virtualization": ("virtual_machine",),
}

# Words in CPU model names that say nothing about the CPU.
_NOISE = re.compile(r"\((r|tm)\)|\b(cpu|processor|genuineintel|authenticamd)\b|@.*$", re.IGNORECASE)
_VENDORS = {"genuineintel": "intel", "authenticamd": "amd", "0x41": "arm", "0x61": "apple", "0xc0": "ampere"}


def identity(profile: dict) -> dict:
    """The identifying facts of a profile (or of facts.hardware()): KeyError if one is missing."""
    out = {}
    for section, fields in IDENTITY.items():
        value = profile[section]
        out[section] = value if fields is None else {name: value[name] for name in fields}
    return out


def fingerprint(profile: dict) -> str:
    canonical = json.dumps(identity(profile), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:8]


def words(text: str) -> list:
    return re.findall(r"[a-z0-9]+", text.lower())


def cpu_slug(cpu: dict, max_words: int = 5) -> str:
    """"Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz" -> "intel-xeon-platinum-8375c";
    an Arm CPU without a model name -> "arm-0xd0c" (implementer, part)."""
    name = words(_NOISE.sub(" ", cpu.get("model_name") or ""))
    vendor = _VENDORS.get(str(cpu.get("vendor", "")).lower(), str(cpu.get("vendor", "")))
    if not name:
        name = words(f"{vendor} {cpu.get('model', '')}")
    elif vendor and words(vendor) and words(vendor)[0] not in name:
        name = words(vendor)[:1] + name
    return "-".join(name[:max_words]) or "cpu"


def profile_id(profile: dict) -> str:
    arch = "-".join(words(profile["arch"].replace("_", "-"))) or "unknown"
    return f"{arch}-{cpu_slug(profile['cpu'])}-{profile['topology']['pus']}pu-{fingerprint(profile)}"
