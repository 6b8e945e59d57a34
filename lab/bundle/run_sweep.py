"""`./run-sweep` inside an unpacked bundle: a sweep on a host with only
python3 >= 3.9 (no tomllib: the presets travel as JSON), the bundle's own
libraries on LD_LIBRARY_PATH, and one clear error line for anything off.

    ./run-sweep --preset quick [--shard 1/4] [--seed N] [--pus N] [--results DIR] [--dry-run]
    ./run-sweep --spec-json SPEC.json ...       (a spec, as lab/spec/parse.py documents, in JSON)
    ./run-sweep --resume results/<profile>/<set> [--retry-failed]
    ./run-sweep --check                           (do the bundle's libraries resolve here?)
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

from lab.host import this_host, write
from lab.base.errors import LabError
from lab.bundle import libs
from lab.bundle.make import glibc_version
from lab.spec import parse, plan as planning
from lab.spec.errors import SpecError
from lab.analysis import precision
from lab.runner import sweep


class Bundle:
    def __init__(self, root: Path):
        self.root = root
        try:
            self.info = json.loads((root / "BUNDLE.json").read_text())
        except (OSError, ValueError) as err:
            raise LabError(f"{root}/BUNDLE.json is unreadable ({err}): not an rculab bundle?") from None
        self.bench = root / "bin" / "rculab-bench"

    def check_host(self) -> None:
        """Refuse a host this bundle cannot run on, before anything is written."""
        arch, here = self.info.get("arch"), platform.machine()
        if arch != here:
            raise LabError(f"this bundle was built for {arch}; this host is {here}")
        need, have = self.info.get("glibc") or "", glibc_version()
        if need and have and version_tuple(have) < version_tuple(need):
            raise LabError(f"this bundle needs glibc >= {need}; this host has {have}")
        if not self.bench.is_file():
            raise LabError(f"{self.bench} is missing: the bundle is incomplete")

    def env(self) -> Dict[str, str]:
        env = dict(os.environ)
        lib = str(self.root / "lib")
        env["LD_LIBRARY_PATH"] = lib + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
        env["RCULAB_COMMIT"] = str(self.info.get("commit") or "unknown")
        return env

    def unresolved(self) -> List[str]:
        """Libraries (not the C runtime) that do not resolve inside lib/."""
        problems = []
        for name in self.info.get("binaries", []):
            done = subprocess.run(["ldd", str(self.root / "bin" / name)], capture_output=True,
                                  text=True, env=self.env())
            for lib_name, path in libs.parse_ldd(done.stdout):
                if libs.is_c_runtime(lib_name):
                    continue
                if path is None or not Path(path).resolve().is_relative_to((self.root / "lib").resolve()):
                    problems.append(f"{name}: {lib_name} -> {path or 'not found'}")
        return problems


def version_tuple(text: str):
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def shard(text: str) -> dict:
    index, sep, count = text.partition("/")
    if not (sep and index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
        raise LabError(f"--shard: expected i/N with 1 <= i <= N, got {text!r}")
    return {"index": int(index), "count": int(count)}


class OneLineParser(argparse.ArgumentParser):
    def error(self, message: str):
        print(f"rculab: error: {message} (see: run-sweep --help)", file=sys.stderr)
        sys.exit(2)


def parser() -> argparse.ArgumentParser:
    p = OneLineParser(prog="run-sweep", description="Run an rculab sweep from this bundle.")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--preset", help="a preset shipped in presets/ (quick, default, paper, scale)")
    what.add_argument("--spec-json", type=Path, help="a sweep spec in JSON")
    what.add_argument("--resume", type=Path, metavar="SET_DIR", help="run the missing points of a set")
    what.add_argument("--check", action="store_true", help="check that the libraries resolve here")
    p.add_argument("--shard", help="only shard i of N (i/N)")
    p.add_argument("--seed", type=int, help="run-order seed")
    p.add_argument("--pus", type=int, help="plan for N PUs (default: this host's)")
    p.add_argument("--results", type=Path, default=Path("results"), help="results root (default: ./results)")
    p.add_argument("--dry-run", action="store_true", help="print the points and the estimate only")
    p.add_argument("--retry-failed", action="store_true", help="with --resume: re-run failed points too")
    return p


def read_spec(bundle: Bundle, args) -> tuple:
    if args.preset:
        path, source = bundle.root / "presets" / f"{args.preset}.json", f"preset {args.preset}"
        if not path.is_file():
            names = sorted(p.stem for p in (bundle.root / "presets").glob("*.json"))
            raise LabError(f"unknown preset {args.preset!r} (one of: {', '.join(names)})")
    else:
        path, source = args.spec_json, str(args.spec_json)
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError) as err:
        raise LabError(f"{path}: cannot read the spec ({err})") from None
    try:
        return parse.check(doc, Path(path).stem), source
    except SpecError as err:
        raise err.located(err.source or source) from None


def run(bundle: Bundle, args) -> int:
    env = bundle.env()
    tool = {"rculab_commit": env["RCULAB_COMMIT"], "bench_binary": str(bundle.bench),
            "bundle": bundle.root.name}
    if args.resume:
        return sweep.resume(args.resume, str(bundle.bench), env, args.retry_failed,
                            precision.judge(), resume_command=RESUME).exit_status
    spec, source = read_spec(bundle, args)
    pus = args.pus or this_host.pu_count()
    seed = next(s for s in (args.seed, spec["seed"], random.SystemRandom().randrange(2 ** 31)) if s is not None)
    resolved = parse.resolve(spec, pus, source, seed)
    the_plan = planning.make_plan(resolved, planning.expand(resolved, bundle.bench, source, env),
                                  shard(args.shard) if args.shard else None)
    if args.dry_run:
        print(f"{resolved['name']}: {len(the_plan['points'])} points, estimated "
              f"{planning.estimate_seconds(the_plan):.0f} s; seed {seed}")
        return 0
    if not the_plan["points"]:
        raise LabError("this shard has no points (the sweep has fewer points than shards)")
    profile_id = this_host.current_profile_id()
    outcome = sweep.start(the_plan, str(bundle.bench), args.results, profile_id, tool, env, precision.judge(),
                          resume_command=RESUME)
    # After the sweep, so that calibrating never disturbs its measurements;
    # shards of one sweep may share a host, so a shard does not calibrate
    # (its busy loops would disturb the other shards' points).
    profile_beside(bundle, args.results, env, None if args.shard else PROFILE_SECONDS)
    print(f"bring it home: rculab import {Path(args.results).resolve().parent} "
          f"(results/ and hw-profiles/{profile_id}/)", file=sys.stderr)
    return outcome.exit_status


RESUME = "./run-sweep --resume"
PROFILE_SECONDS = 0.2


def profile_beside(bundle: Bundle, results: Path, env: Dict[str, str], calibrate_seconds) -> None:
    """This host's profile in hw-profiles/ next to the results folder (once),
    so that `rculab import` brings its topology (and calibration) home with
    the sets; where it cannot be written, a warning."""
    root = Path(results).resolve().parent / "hw-profiles"
    try:
        profile_id, written = write.ensure(bundle.root / "bin" / "rculab-core", root, env["RCULAB_COMMIT"],
                                           "bundle", calibrate_seconds, env)
    except (LabError, OSError) as err:
        print(f"rculab: warning: host profile not written: {err}", file=sys.stderr)
        return
    if written:
        print(f"profile {profile_id}: wrote {root / profile_id}/" +
              ("" if calibrate_seconds else " (no calibration: a shard; `rculab profile` on this host adds it)"),
              file=sys.stderr)


def main(root: str, argv: Optional[List[str]] = None) -> int:
    args = parser().parse_args(argv)
    try:
        bundle = Bundle(Path(root))
        bundle.check_host()
        if args.check:
            problems = bundle.unresolved()
            for line in problems:
                print(f"unresolved: {line}")
            print("libraries: " + ("every one resolves inside the bundle" if not problems else "PROBLEMS above"))
            return 1 if problems else 0
        return run(bundle, args)
    except LabError as err:
        print(f"rculab: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
