"""A result set on disk (RECORDS.md "Where"): results/<profile>/<set-id>/ with
manifest.json written first, then one record per point under points/."""
from __future__ import annotations

import json
import random
import re
from datetime import datetime
from pathlib import Path
from typing import List, Optional, Set

from lab.records import results
from lab.base.errors import LabError

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
POINTS = "points"
SUPERSEDED = ".superseded"
SET_ID_CHARS = re.compile(r"[A-Za-z0-9_.-]+")


def run_order(keys: List[str], seed: int) -> List[str]:
    """The randomized run order: a shuffle of the sorted keys, reproducible from the seed."""
    order = sorted(keys)
    random.Random(seed).shuffle(order)
    return order


def set_id_for(name: str, shard: Optional[dict], now: Optional[datetime] = None) -> str:
    set_id = f"{results.timestamp(now)}-{name}"
    if shard:
        set_id += f"-shard{shard['index']}of{shard['count']}"
    if not SET_ID_CHARS.fullmatch(set_id):
        raise LabError(f"set id {set_id!r}: only letters, digits, '-', '_' and '.' are allowed")
    return set_id


def read_json(path: Path, what: str) -> dict:
    try:
        doc = json.loads(Path(path).read_text())
    except OSError as err:
        raise LabError(f"{path}: cannot read {what}: {err.strerror}") from None
    except ValueError as err:
        raise LabError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(doc, dict):
        raise LabError(f"{path}: {what} is not a JSON object")
    if doc.get("schema_version") != SCHEMA_VERSION:
        raise LabError(f"{path}: schema_version {doc.get('schema_version')!r} is not the version "
                       f"this lab reads ({SCHEMA_VERSION})")
    return doc


class ResultSet:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.points_dir = self.path / POINTS

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST

    def load_manifest(self) -> dict:
        if not self.manifest_path.is_file():
            raise LabError(f"{self.path}: not a result set (no {MANIFEST})")
        manifest = read_json(self.manifest_path, "the manifest")
        if manifest.get("kind") != "rculab.set" or not isinstance(manifest.get("order"), list):
            raise LabError(f"{self.manifest_path}: not an rculab.set manifest")
        return manifest

    def record_path(self, key: str) -> Path:
        return self.points_dir / f"{key}.json"

    def recorded_keys(self) -> Set[str]:
        if not self.points_dir.is_dir():
            return set()
        return {p.name[:-len(".json")] for p in self.points_dir.glob("*.json") if not p.name.startswith(".")}

    def superseded(self, key: str) -> List[Path]:
        return sorted((self.points_dir / SUPERSEDED).glob(f"{key}.*.json"))

    def supersede(self, key: str) -> None:
        """Move a record aside (points/.superseded/<key>.<n>.json) so it can be re-run."""
        folder = self.points_dir / SUPERSEDED
        folder.mkdir(exist_ok=True)
        target = folder / f"{key}.{len(self.superseded(key)) + 1}.json"
        if target.exists():
            raise LabError(f"refusing to overwrite {target}")
        self.record_path(key).rename(target)

    def remove_temporaries(self) -> None:
        """Half-written temporaries of a killed runner (never a record: those are
        published by an atomic link). Called only while holding the lock."""
        for tmp in [*self.points_dir.glob(".*.tmp"), *self.points_dir.glob(".partial/.*.tmp")]:
            tmp.unlink()

    def write_record(self, record: dict) -> None:
        path = self.record_path(record["point"]["key"])
        try:
            results.write_new_json(path, record)
        except OSError as err:  # disk full, I/O error: the set stays consistent, say how to go on
            raise LabError(f"{path}: cannot write the record ({err.strerror or err}); nothing partial was "
                           f"left; finish the set later with: ./rculab sweep --resume {self.path}") from None
