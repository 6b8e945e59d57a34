"""`rculab test`: set up, build, then ctest and the Python test suite."""
from __future__ import annotations

import os
import sys
from typing import List, Sequence

from lab.setup import deps
from lab.commands import options
from lab.base import paths, proc
from lab.setup.prepare import prepare, setup_skipped

HELP = "set up, build, then run ctest and the Python tests (pytest)"
DESCRIPTION = """\
Installs missing Debian packages, configures and builds the chosen preset, runs
`ctest --preset P --output-on-failure`, then `python3 -m pytest -q tests/python`
with Debian's interpreter. Both phases always run; the exit status is non-zero
if either failed, and the failing phase is named."""

# pytest comes from Debian's python3-pytest, which only Debian's interpreter sees.
DEBIAN_PYTHON = "/usr/bin/python3"


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("test", help=HELP, description=DESCRIPTION)
    options.add_preset_flag(parser)
    parser.add_argument("--no-python", action="store_true",
                        help="skip the pytest phase (C++ tests only)")
    parser.set_defaults(handler=main)


def main(args, extra: Sequence[str] = ()) -> int:
    prepare(args.preset)
    if not args.no_python and not setup_skipped():
        deps.ensure_packages(deps.TEST_PACKAGES)
    failed: List[str] = []
    phase("ctest", ["ctest", "--preset", args.preset, "--output-on-failure"], failed)
    if not args.no_python:
        phase("pytest", [python_for_pytest(), "-m", "pytest", "-q", "tests/python"], failed)
    if failed:
        print(f"rculab: error: test phase failed: {', '.join(failed)} (preset {args.preset})",
              file=sys.stderr)
        return 1
    print(f"rculab: all test phases passed (preset {args.preset})", file=sys.stderr)
    return 0


def phase(name: str, cmd: List[str], failed: List[str]) -> None:
    print(f"rculab: {name}: {' '.join(cmd)}", file=sys.stderr, flush=True)
    status = proc.run(cmd, cwd=paths.REPO_ROOT)
    if status != 0:
        print(f"rculab: {name} failed ({proc.describe_status(status)})", file=sys.stderr, flush=True)
        failed.append(name)


def python_for_pytest() -> str:
    return DEBIAN_PYTHON if os.access(DEBIAN_PYTHON, os.X_OK) else sys.executable
