"""`rculab profile`: describe this host once, in hw-profiles/<id>/ (profile.json +
topology.xml); result sets are filed under that id."""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Optional, Sequence

from lab.setup import core, provenance
from lab.commands import options
from lab.base import paths
from lab.setup.prepare import prepare
from lab.host import facts, ident, quiet, store, write
from lab.runner import hoststate
from lab.base.table import format_table

HELP = "describe this host (CPU, topology, versions, primitive costs) in hw-profiles/<id>/"
EPILOG = """\
The id (<arch>-<cpu>-<N>pu-<hash>) hashes only hardware facts: the same machine
always gets the same one; kernel, load and the calibration never change it.
An existing hw-profiles/<id>/ with the same hardware facts is kept as it is,
unless --refresh (the old files are moved to profile.<timestamp>.json and
topology.<timestamp>.xml first). Calibration takes about 9 x --seconds."""
DEFAULT_SECONDS = 0.2


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("profile", help=HELP, description=HELP + ".", epilog=EPILOG,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--id-only", action="store_true",
                       help="print this host's profile id and write nothing (no build needed)")
    which.add_argument("--refresh", action="store_true",
                       help="rewrite an existing profile of this host (the old one is kept aside)")
    calib = parser.add_mutually_exclusive_group()
    calib.add_argument("--no-calibrate", action="store_true",
                       help="leave the calibration table out (\"calibration\": null)")
    calib.add_argument("--seconds", type=options.seconds(options.CORE_MAX_SECONDS), default=DEFAULT_SECONDS,
                       help="time per calibration measure (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print the profile (or with --id-only the id) as JSON")
    parser.add_argument("--no-quiet-check", action="store_true",
                        help="leave out how quiet the host is (a half-second sample and a short stability probe)")
    options.add_preset_flag(parser)
    parser.set_defaults(handler=main)


def main(args, extra: Sequence[str] = ()) -> int:
    hardware = facts.hardware()
    profile_id = ident.profile_id(hardware)
    if args.id_only:
        print(json.dumps({"profile_id": profile_id, "hardware": ident.identity(hardware)}) if args.json
              else profile_id)
        return 0
    target = paths.hw_profiles_root() / profile_id
    old = store.existing(target)
    if old is not None:
        store.require_same_hardware(old, hardware, target / store.PROFILE)
        if not args.refresh:
            return with_quietness(args, hardware, report(old, f"profile {profile_id}: {target} already exists "
                                                              "with the same hardware facts; kept it (--refresh "
                                                              "rewrites it)", args.json))
    prepare(args.preset)
    binary = core.require_core(args.preset)
    with store.staging(paths.hw_profiles_root()) as staged:
        doc = profile_document(binary, hardware, staged / store.TOPOLOGY, args)
        if old is None:
            store.publish(staged, target, doc)
            message = f"profile {profile_id}: wrote {target}/ ({store.PROFILE}, {store.TOPOLOGY})"
        else:
            stamp = store.refresh(target, staged, doc)
            message = (f"profile {profile_id}: rewrote {target}/{store.PROFILE} and {store.TOPOLOGY}; "
                       f"the old ones are now profile.{stamp}.json and topology.{stamp}.xml")
    return with_quietness(args, hardware, report(doc, message, args.json))


def with_quietness(args, hardware: dict, status: int) -> int:
    """After the profile, how quiet the host is now (text output only)."""
    if not args.json and not args.no_quiet_check:
        print("\n".join(measure_quietness(hardware, args.preset).lines()))
    return status


SAMPLE_SECONDS = 0.5


def probe_cv(bench: Path) -> Optional[float]:
    """The stability probe: read_cost on `none`, 1 reader, seven short
    repetitions; the CV of their ns per section (None where it cannot run)."""
    try:
        done = subprocess.run([str(bench), "--benchmark_filter=^read_cost/backend:none/readers:1/", "--readers=1",
                               "--duration=0.05", "--warmup=0.01", "--benchmark_repetitions=7",
                               "--benchmark_format=json"], capture_output=True, text=True, timeout=60)
        rows = [r for r in json.loads(done.stdout)["benchmarks"] if r.get("run_type") == "iteration"]
        values = [r["wall_ns"] * r["reader_threads"] / r["reader_ops"] for r in rows]
    except (OSError, ValueError, KeyError, ZeroDivisionError, subprocess.TimeoutExpired):
        return None
    if len(values) < 2:
        return None
    mean = sum(values) / len(values)
    return (sum((v - mean) ** 2 for v in values) / (len(values) - 1)) ** 0.5 / mean


def measure_quietness(hardware: dict, preset: str) -> quiet.Quietness:
    before, own_before = hoststate.cpu_jiffies(), hoststate.own_cpu_seconds()
    time.sleep(SAMPLE_SECONDS)
    after = hoststate.cpu_jiffies()
    now = facts.volatile()
    bench = paths.bench_path(preset)
    return quiet.Quietness(
        other_cpu_share=hoststate.other_cpu_share(before, after, hoststate.own_cpu_seconds() - own_before),
        steal_share=hoststate.steal_share(before, after),
        probe_cv=probe_cv(bench) if bench.is_file() else None,
        governors=now.get("governors") or {}, boost=now.get("boost"),
        smt=(hardware.get("topology") or {}).get("smt"), isolated_cpus=now.get("isolated_cpus"),
        loadavg=now.get("loadavg"))


def ensure_profile(build_preset: str, seconds: float = DEFAULT_SECONDS) -> str:
    """This host's profile id, writing hw-profiles/<id>/ first if it does not
    exist yet (an existing one is kept: `rculab run` calls this every time)."""
    target = paths.hw_profiles_root() / ident.profile_id(facts.hardware())
    binary = None if store.existing(target) is not None else core.require_core(build_preset)
    profile_id, written = write.ensure(binary, paths.hw_profiles_root(), provenance.commit_id(), build_preset,
                                       seconds)
    print(f"profile {profile_id}: wrote {target}/ ({store.PROFILE}, {store.TOPOLOGY})" if written else
          f"profile {profile_id}: {target} (kept)")
    return profile_id


def profile_document(binary: Path, hardware: dict, xml: Path, args) -> dict:
    return write.profile_document(binary, hardware, xml, provenance.commit_id(), args.preset,
                                  None if args.no_calibrate else args.seconds)


def report(doc: dict, message: str, as_json: bool) -> int:
    if as_json:
        print(message, file=sys.stderr)
        print(json.dumps(doc, indent=2))
    else:
        print(message)
        print(summary(doc))
    return 0


# ---- the human summary --------------------------------------------------------------

def size_text(size: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} B"


def caches_text(caches: List[dict]) -> str:
    kind = {"data": "d", "instruction": "i"}
    return ", ".join(f"L{c['level']}{kind.get(c['type'], '')} {size_text(c['size_bytes'])} x{c['count']}"
                     + (f" (per {c['pus_each']} PUs)" if c["pus_each"] > 1 else "") for c in caches)


def calibration_table(calibration: Optional[dict]) -> str:
    if not calibration:
        return "calibration: not measured (--no-calibrate)"
    rows = []
    for name, m in calibration["measures"].items():
        if m["available"]:
            rows.append([name, f"{m['ns']:.2f}", f"{m['raw_ns']:.2f}", f"{m['loop_ns']:.2f}", str(m["threads"])])
        else:
            rows.append([name, f"unavailable: {m.get('reason', '')}"])  # a note row (table.py)
    return format_table(["primitive", "ns/op", "raw ns", "loop ns", "threads"], rows, right_aligned={1, 2, 3, 4})


def summary(doc: dict) -> str:
    cpu, topo, sw = doc["cpu"], doc["topology"], doc["software"]
    libs, virt = sw["libraries"], doc["virtualization"]
    lines = [
        f"cpu       {cpu['model_name']} ({cpu['vendor']} family {cpu['family']} model {cpu['model']} "
        f"stepping {cpu['stepping']})",
        f"topology  {topo['packages']} package(s), {topo['cores']} cores, {topo['pus']} PUs, "
        f"SMT {'on' if topo['smt'] else 'off'}, {topo['numa_nodes']} NUMA node(s)",
        f"caches    {caches_text(topo['caches'])}",
        f"system    {sw['os']}, kernel {sw['kernel_release']}, "
        f"{'virtual machine' if virt['virtual_machine'] else 'bare metal'}"
        + (f" ({virt['vm']})" if virt.get("vm") not in (None, "none") else ""),
        f"versions  hwloc {libs['hwloc']}, liburcu {libs['liburcu']}, benchmark {libs['benchmark']}, "
        f"glibc {libs['glibc']}, libstdc++ {libs['libstdcxx']}, {sw['build']['compiler_id']} {sw['build']['compiler']}",
        f"membarrier {', '.join(doc['membarrier'].get('commands') or []) or 'unsupported'}",
        calibration_table(doc["calibration"]),
    ]
    return "\n".join(lines)
