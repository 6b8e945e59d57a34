"""Making a real bundle from build/release for the bundle and jobs tests."""
import os
import subprocess
from pathlib import Path

import pytest

from conftest import REPO_ROOT

BUILD = REPO_ROOT / "build" / "release"
needs_build = pytest.mark.skipif(not os.access(BUILD / "rculab-bench", os.X_OK),
                                 reason="build/release not built")


def make_bundle(tarball: Path) -> Path:
    done = subprocess.run([str(REPO_ROOT / "rculab"), "bundle", "--out", str(tarball)],
                          capture_output=True, text=True, env=dict(os.environ, RCULAB_SKIP_SETUP="1"))
    assert done.returncode == 0, done.stderr
    return tarball
