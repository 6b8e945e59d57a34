"""Where things live. Everything is relative to the repo root, never the cwd."""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]  # lab/base/paths.py
PRESETS = ("release", "tsan", "asan")
DEFAULT_PRESET = "release"

# Raw benchmark JSON of `rculab run` (ignored by git; tests point this elsewhere).

# Result sets (results/<profile-id>/<set-id>/) and host profiles; the environment
# variables are test/debug knobs that point them elsewhere.
RESULTS_OVERRIDE_ENV = "RCULAB_RESULTS"
HW_PROFILES_OVERRIDE_ENV = "RCULAB_HW_PROFILES"


def results_root() -> Path:
    return Path(os.environ.get(RESULTS_OVERRIDE_ENV) or REPO_ROOT / "results")


def hw_profiles_root() -> Path:
    return Path(os.environ.get(HW_PROFILES_OVERRIDE_ENV) or REPO_ROOT / "hw-profiles")


# Test/debug knobs: use these binaries instead of build/<preset>/rculab-{core,bench}.
CORE_OVERRIDE_ENV = "RCULAB_CORE"
BENCH_OVERRIDE_ENV = "RCULAB_BENCH"


def build_dir(preset: str, root: Path = REPO_ROOT) -> Path:
    return root / "build" / preset


def core_path(preset: str) -> Path:
    override = os.environ.get(CORE_OVERRIDE_ENV)
    if override:
        return Path(override)
    return build_dir(preset) / "rculab-core"


def bench_path(preset: str) -> Path:
    override = os.environ.get(BENCH_OVERRIDE_ENV)
    if override:
        return Path(override)
    return build_dir(preset) / "rculab-bench"
