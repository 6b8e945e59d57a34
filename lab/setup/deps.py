"""Debian packages the lab needs: find the missing ones and install them with
apt-get when we are root, else tell the user the exact command."""
from __future__ import annotations

import os
import sys
from typing import List, Sequence

from lab.base import proc
from lab.base.errors import LabError

REQUIRED_PACKAGES = (
    "cmake", "g++", "ninja-build", "pkg-config", "libbenchmark-dev", "libgtest-dev",
    "libhwloc-dev", "hwloc", "liburcu-dev",
    "libck-dev",  # ck_epoch, the out-of-tree reference backend (contrib/ck_epoch)
    "ccache", "python3-pytest",
    "python3-jsonschema", "python3-tqdm",
    # compare / plot / report: statistics and charts
    "python3-numpy", "python3-scipy", "python3-matplotlib", "fonts-dejavu-core",
)
# Only `rculab test` needs these: the many-host drivers' tests run GNU parallel
# and a one-node SLURM cluster on this host; the report's test opens it in
# headless Chromium.
TEST_PACKAGES = ("parallel", "slurmctld", "slurmd", "slurm-client", "munge", "chromium")


def installed_packages(query_output: str) -> set:
    """Names from `dpkg-query -W -f='${Package}\\t${Status}\\n'` that are fully
    installed (removed-but-configured packages also appear, with another status)."""
    names = set()
    for line in query_output.splitlines():
        name, _, status = line.partition("\t")
        if status.strip() == "install ok installed":
            names.add(name.strip())
    return names


def missing_packages(packages: Sequence[str] = REQUIRED_PACKAGES) -> List[str]:
    # One dpkg-query for all; it exits 1 when some are unknown but still prints the rest.
    query = proc.capture(["dpkg-query", "-W", "-f=${Package}\t${Status}\n", *packages])
    installed = installed_packages(query.stdout)
    return [name for name in packages if name not in installed]


def install_command(packages: Sequence[str]) -> str:
    return "sudo apt-get install -y " + " ".join(packages)


def is_root() -> bool:
    return os.geteuid() == 0


def install_as_root(packages: Sequence[str]) -> None:
    log(f"installing missing Debian packages: {' '.join(packages)}")
    if proc.stream(["apt-get", "update"]) != 0:
        raise LabError("apt-get update failed (see output above)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if proc.stream(["apt-get", "install", "-y", *packages], env=env) != 0:
        raise LabError("apt-get install failed: " + " ".join(packages))


def ensure_packages(packages: Sequence[str] = REQUIRED_PACKAGES) -> None:
    missing = missing_packages(packages)
    if not missing:
        return
    if not is_root():
        raise LabError(f"missing Debian packages; install them with: {install_command(missing)}")
    install_as_root(missing)
    still_missing = missing_packages(packages)
    if still_missing:
        raise LabError("still missing after apt-get install: " + " ".join(still_missing))


def log(message: str) -> None:
    print(f"rculab: {message}", file=sys.stderr, flush=True)
