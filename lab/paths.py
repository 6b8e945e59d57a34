"""Where things live. Everything is relative to the repo root, never the cwd."""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PRESETS = ("release", "tsan", "asan")
DEFAULT_PRESET = "release"

# Raw benchmark JSON of `rculab run` (ignored by git; tests point this elsewhere).
RUNS_ROOT = REPO_ROOT / "results" / "runs"

# Host profiles (hw-profiles/<profile-id>/); the environment variable is a
# test/debug knob that points them elsewhere.
HW_PROFILES_OVERRIDE_ENV = "RCULAB_HW_PROFILES"


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
