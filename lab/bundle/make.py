"""Building a bundle tarball (runs on the lab host, where the build is)."""
from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import tarfile
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional

from lab.base import paths
from lab.records import catalogue, results
from lab.bundle import libs
from lab.base.errors import LabError
from lab.spec import parse

BUNDLE_KIND = "rculab.bundle"
BINARIES = ("rculab-bench", "rculab-core")
# What of lab/ travels: the code and the data it reads (schemas, presets).
LAB_SUFFIXES = {".py", ".json", ".toml"}
LAUNCHER = """#!/bin/sh
# run-sweep: run a sweep from this bundle; needs python3 >= 3.9 only.
here=$(cd "$(dirname "$0")" && pwd)
for py in python3 /usr/bin/python3; do
    if "$py" -c 'import sys; sys.exit(sys.version_info < (3, 9))' 2>/dev/null; then
        exec "$py" -c 'import sys; sys.path.insert(0, sys.argv[1]); from lab.bundle import run_sweep; sys.exit(run_sweep.main(sys.argv[1], sys.argv[2:]))' "$here" "$@"
    fi
done
echo "rculab: error: run-sweep needs python3 >= 3.9 on PATH" >&2
exit 2
"""


def glibc_version() -> str:
    """"2.36" from confstr ("glibc 2.36"); "" where that is not glibc."""
    try:
        text = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError):
        text = ""
    return text.split()[-1] if text.startswith("glibc ") else ""


def ldd(binary: Path) -> str:
    done = subprocess.run(["ldd", str(binary)], capture_output=True, text=True)
    if done.returncode != 0:
        raise LabError(f"ldd {binary} failed: {(done.stderr or done.stdout).strip()}")
    return done.stdout


def copy_stripped(binary: Path, dest: Path) -> None:
    shutil.copy2(binary, dest)
    # Debug info is most of the size; symbols stay for readable stacks.
    if shutil.which("strip"):
        subprocess.run(["strip", "--strip-debug", str(dest)], check=False)


def lab_files(root: Path = paths.REPO_ROOT) -> List[Path]:
    return sorted(p for p in (root / "lab").rglob("*")
                  if p.is_file() and p.suffix in LAB_SUFFIXES and "__pycache__" not in p.parts)


def stage(build_dir: Path, commit: str, staging: Path) -> Dict:
    (staging / "bin").mkdir(parents=True)
    (staging / "lib").mkdir()
    (staging / "presets").mkdir()
    binaries = [build_dir / name for name in BINARIES]
    for binary in binaries:
        if not binary.is_file():
            raise LabError(f"{binary} is missing: build first (./rculab setup)")
        copy_stripped(binary, staging / "bin" / binary.name)
    try:
        carried = libs.libraries_to_carry([ldd(b) for b in binaries])
    except ValueError as err:
        raise LabError(f"cannot bundle: {err}") from None
    for soname, path in sorted(carried.items()):
        shutil.copy2(os.path.realpath(path), staging / "lib" / soname)
    for source in lab_files() + [catalogue.CATALOGUE]:  # the workloads' descriptors: plausibility reads them
        dest = staging / source.relative_to(paths.REPO_ROOT)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, dest)
    presets = parse.preset_names()
    for name in presets:  # JSON: the target's python may predate tomllib (3.11)
        doc = parse.read_toml(parse.preset_path(name))
        (staging / "presets" / f"{name}.json").write_text(json.dumps(doc, indent=1) + "\n")
    launcher = staging / "run-sweep"
    launcher.write_text(LAUNCHER)
    launcher.chmod(0o755)
    info = {"schema_version": 1, "kind": BUNDLE_KIND, "commit": commit,
            "arch": platform.machine(), "glibc": glibc_version(), "python_min": "3.9",
            "created_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "binaries": list(BINARIES), "libs": sorted(carried), "presets": presets}
    (staging / "BUNDLE.json").write_text(json.dumps(info, indent=1) + "\n")
    return info


def default_path(commit: str) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return paths.REPO_ROOT / "build" / "bundles" / f"rculab-bundle-{commit}-{platform.machine()}-{stamp}.tar.gz"


def top_name(commit: str) -> str:
    """The bundle's one top folder (the tarball's name adds the time, so a
    `cd rculab-bundle-*` beside the tarball would match both)."""
    return f"rculab-bundle-{commit}-{platform.machine()}"


def unpack_line(tarball: Path, commit: str) -> str:
    """What to type on the target, in the tarball's folder."""
    return f"tar xf {Path(tarball).name} && cd {top_name(commit)}"


def make(build_dir: Path, commit: str, out: Optional[Path]) -> Path:
    """Writes the tarball (never over an existing file) and returns its path."""
    out = Path(out) if out else default_path(commit)
    if out.exists():
        raise LabError(f"refusing to overwrite {out}")
    out.parent.mkdir(parents=True, exist_ok=True)
    top = top_name(commit)
    with tempfile.TemporaryDirectory(prefix="rculab-bundle-") as tmp:
        staging = Path(tmp) / top
        stage(build_dir, commit, staging)
        packed = Path(tmp) / "bundle.tar.gz"
        with tarfile.open(packed, "w:gz") as tar:
            tar.add(staging, arcname=top)
        with open(packed, "rb") as source:
            data = source.read()
    write_new_bytes(out, data)
    return out


def write_new_bytes(path: Path, data: bytes) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), 0o644)
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        results.publish(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
