"""`rculab bundle`: one tarball to run sweeps on a host without a toolchain."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Sequence

from lab.setup import core, provenance
from lab.base import paths
from lab.bundle import make
from lab.setup.prepare import prepare

HELP = "pack binaries, their libraries and the runner for a host without a toolchain"
DESCRIPTION = """\
Writes one tarball (default build/bundles/rculab-bundle-<commit>-<arch>-<UTC>.tar.gz;
never overwrites): the release binaries (debug info stripped), every shared
library they load except the C runtime (found with ldd), the lab's Python
package and the presets as JSON. On the target host, which needs only
python3 >= 3.9 and a glibc not older than this host's:

    tar xf rculab-bundle-<commit>-<arch>-<UTC>.tar.gz && cd rculab-bundle-<commit>-<arch>
    ./run-sweep --check                  # libraries resolve inside the bundle?
    ./run-sweep --preset default --dry-run   # points and estimated time
    ./run-sweep --preset default         # writes results/<profile>/<set>/ and hw-profiles/<profile>/
    ./run-sweep --resume results/<profile>/<set>   # after Ctrl-C

(this command prints the exact tar/cd line for the tarball it wrote), then
bring the sets and the host profile home with `rculab import DIR` (the
bundle folder, or a tarball of its results/ and hw-profiles/)."""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("bundle", help=HELP, description=DESCRIPTION,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, metavar="FILE", help="tarball to write (must not exist)")
    parser.add_argument("--preset", choices=paths.PRESETS, default="release",
                        help="CMake preset whose binaries go in (default: %(default)s)")
    parser.set_defaults(handler=main)


def main(args, extra: Sequence[str] = ()) -> int:
    prepare(args.preset)
    bench = core.require_bench(args.preset)
    commit = provenance.commit_id() or "unknown"
    out = make.make(bench.parent, commit, args.out)
    print(f"bundle: {out}")
    print(f"on the target, in the folder the tarball is copied to: {make.unpack_line(out, commit)}")
    return 0
