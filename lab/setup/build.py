"""Configure (once per preset) and build the C++ side through CMake presets."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from lab.base import paths, proc
from lab.base.errors import LabError


# Out-of-tree backends' folders (docs/byob.md). CMake reads the variable when it
# configures and caches it (cmake/extra_backends.cmake), but cannot see it change.
EXTRA_BACKENDS_ENV = "RCULAB_EXTRA_BACKENDS"
EXTRA_BACKENDS_CACHE_KEY = "RCULAB_EXTRA_BACKENDS_ENV:"


def is_configured(preset: str, root: Path = paths.REPO_ROOT) -> bool:
    # A failed configure leaves CMakeCache.txt but no build.ninja (presets use Ninja);
    # configure again then, or `cmake --build` fails with a confusing ninja error.
    build_dir = paths.build_dir(preset, root)
    if not ((build_dir / "CMakeCache.txt").is_file() and (build_dir / "build.ninja").is_file()):
        return False
    return configured_extra_backends(build_dir) == os.environ.get(EXTRA_BACKENDS_ENV, "")


def configured_extra_backends(build_dir: Path) -> str:
    """RCULAB_EXTRA_BACKENDS as the last configure saw it ("" if unset or not recorded)."""
    for line in (build_dir / "CMakeCache.txt").read_text(errors="replace").splitlines():
        if line.startswith(EXTRA_BACKENDS_CACHE_KEY):
            return line.partition("=")[2]
    return ""


def configure(preset: str, root: Path = paths.REPO_ROOT) -> None:
    run_step("configure", ["cmake", "--preset", preset], root)


def build(preset: str, root: Path = paths.REPO_ROOT) -> None:
    jobs = str(os.cpu_count() or 1)
    run_step("build", ["cmake", "--build", "--preset", preset, "-j", jobs], root)


def configure_and_build(preset: str, root: Path = paths.REPO_ROOT) -> None:
    if not is_configured(preset, root):
        configure(preset, root)
    build(preset, root)


def run_step(step: str, cmd: list, root: Path) -> None:
    print(f"rculab: {step}: {' '.join(cmd)}", file=sys.stderr, flush=True)
    status = proc.stream(cmd, cwd=root)
    if status != 0:
        raise LabError(f"{step} failed ({' '.join(cmd)} exited {status}); see the output above")
