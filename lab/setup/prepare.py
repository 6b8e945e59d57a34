"""The set-up every command shares: Debian packages, then configure + build."""
from __future__ import annotations

import os

from lab.setup import build, deps

# Test/debug knob: RCULAB_SKIP_SETUP=1 skips apt and cmake entirely.
SKIP_SETUP_ENV = "RCULAB_SKIP_SETUP"


def setup_skipped() -> bool:
    return os.environ.get(SKIP_SETUP_ENV, "") not in ("", "0")


def prepare(preset: str) -> None:
    if setup_skipped():
        return
    deps.ensure_packages()
    build.configure_and_build(preset)
