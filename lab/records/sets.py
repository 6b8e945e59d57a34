"""Finding result sets: results/<profile-id>/<set-id>/ holding a manifest.json."""
from __future__ import annotations

from pathlib import Path
from typing import List

from lab.base import paths
from lab.base.errors import LabError
from lab.records.resultset import MANIFEST, SET_ID_CHARS


def is_set(folder: Path) -> bool:
    """A manifest or a points/ folder (a set whose manifest is missing is still a
    set, a broken one)."""
    return folder.is_dir() and ((folder / MANIFEST).exists() or (folder / "points").is_dir())


def all_sets(root: Path) -> List[Path]:
    """Every set folder under the results root: results/<profile>/<set>/."""
    return sorted(d for d in root.glob("*/*") if is_set(d)) if root.is_dir() else []


def sets_under(path: Path) -> List[Path]:
    """`path` if it is a set, else every set one or two levels below it (a
    profile folder, or a results root)."""
    if is_set(path):
        return [path]
    return sorted(set(all_sets(path)) | {d for d in path.glob("*") if is_set(d)})


def find_set(text: str, root: Path = None) -> Path:
    """A set by path, or by set id under any profile of the results root."""
    root = root or paths.results_root()
    path = Path(text)
    if (path / MANIFEST).is_file():
        return path
    if path.exists():
        raise LabError(f"{text}: not a result set (no {MANIFEST})")
    if not SET_ID_CHARS.fullmatch(text):
        raise LabError(f"{text}: no such result set")
    found = [d for d in root.glob(f"*/{text}") if (d / MANIFEST).is_file()] if root.is_dir() else []
    if not found:
        raise LabError(f"no result set {text!r} under {root}")
    if len(found) > 1:
        raise LabError(f"set id {text!r} is ambiguous under {root}: " + ", ".join(map(str, found)))
    return found[0]
