"""Checking result sets against lab/RECORDS.md: each file against its JSON
Schema, then what a schema cannot say (file name = point key, records and
manifest agree, every manifest point has a record, no impossible value in an
ok record: plausible.py). Every problem is reported, each with its file and
field."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from lab.records import plausible, schema
from lab.records.sets import sets_under
from lab.records.points import point_key
from lab.records.resultset import MANIFEST, SCHEMA_VERSION

INCOMPLETE = "incomplete"


@dataclass
class Problem:
    file: Path
    field: str
    message: str
    kind: str = "invalid"  # or INCOMPLETE: a set whose points are not all recorded yet

    def __str__(self) -> str:
        where = shown(self.file)
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


def shown(path: Path) -> str:
    """Relative to the working directory when below it (shorter lines)."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def load_document(path: Path, kind: str) -> Tuple[Optional[dict], List[Problem]]:
    """The document if it is whole, readable and of this schema version, and its problems."""
    try:
        doc = json.loads(Path(path).read_text())
    except OSError as err:
        return None, [Problem(path, "", f"cannot read: {err.strerror}")]
    except ValueError as err:
        return None, [Problem(path, "", f"not valid JSON, truncated? ({err})")]
    if not isinstance(doc, dict):
        return None, [Problem(path, "", "expected a JSON object")]
    if doc.get("schema_version") != SCHEMA_VERSION:
        return None, [Problem(path, "schema_version", f"unsupported version {json.dumps(doc.get('schema_version'))} "
                              f"(this lab reads version {SCHEMA_VERSION})")]
    found = [Problem(path, field, message) for field, message in schema.problems(kind, doc)]
    return (None if found else doc), found


def check_record_file(path: Path) -> Tuple[Optional[dict], List[Problem]]:
    record, found = load_document(path, "record")
    if record is None:
        return None, found
    key = record["point"]["key"]
    if path.name != f"{key}.json":
        found.append(Problem(path, "point.key", f"{key!r} does not match the file name {path.name!r}"))
    if key != point_key(record["point"]["benchmark"]):
        found.append(Problem(path, "point.key", f"{key!r} is not the key of benchmark {record['point']['benchmark']!r}"))
    if record["status"] == "ok":
        found += [Problem(path, field, f"implausible ({kind}): {message}")
                  for field, kind, message in plausible.findings(record["point"]["workload"], record["repetitions"])]
    return record, found


def check_manifest(path: Path, set_dir: Path, in_profile_folder: bool = True) -> Tuple[Optional[dict], List[Problem]]:
    """in_profile_folder: the set sits in results/<profile-id>/ (not a loose copy to import)."""
    manifest, found = load_document(path, "manifest")
    if manifest is None:
        return None, found
    if manifest["set_id"] != set_dir.name:
        found.append(Problem(path, "set_id", f"{manifest['set_id']!r} is not the set's folder name {set_dir.name!r}"))
    if in_profile_folder and manifest["profile_id"] != set_dir.parent.name:
        found.append(Problem(path, "profile_id", f"{manifest['profile_id']!r} is not the profile folder "
                             f"{set_dir.parent.name!r}"))
    keys = [p["key"] for p in manifest["points"]]
    if keys != sorted(set(keys)):
        found.append(Problem(path, "points", "keys must be unique and sorted"))
    for index, point in enumerate(manifest["points"]):
        if point["key"] != point_key(point["benchmark"]):
            found.append(Problem(path, f"points[{index}].key", f"{point['key']!r} is not the key of "
                                 f"benchmark {point['benchmark']!r}"))
    if sorted(manifest["order"]) != sorted(keys):
        found.append(Problem(path, "order", "is not a permutation of the points' keys"))
    shard = manifest["shard"]
    if shard and shard["index"] > shard["count"]:
        found.append(Problem(path, "shard", f"index {shard['index']} is above count {shard['count']}"))
    return manifest, found


def check_set(set_dir: Path, in_profile_folder: bool = True) -> Tuple[List[Problem], int]:
    """Problems of one set, and how many records it holds."""
    manifest_path = set_dir / MANIFEST
    if manifest_path.is_file():
        manifest, found = check_manifest(manifest_path, set_dir, in_profile_folder)
    else:
        manifest, found = None, [Problem(set_dir, "", f"no {MANIFEST}: not a complete result set")]
    points: Dict[str, dict] = {p["key"]: p for p in manifest["points"]} if manifest else {}
    record_files = sorted(p for p in (set_dir / "points").glob("*.json") if not p.name.startswith("."))
    recorded = set()
    for path in record_files:
        record, record_problems = check_record_file(path)
        found += record_problems
        if record is None:
            recorded.add(path.name[:-len(".json")])  # there, if broken: reported above
            continue
        key = record["point"]["key"]
        recorded.add(key)
        if manifest is None:
            continue
        for field in ("set_id", "profile_id"):
            if record[field] != manifest[field]:
                found.append(Problem(path, field, f"{record[field]!r} differs from the manifest's {manifest[field]!r}"))
        if key not in points:
            found.append(Problem(path, "point.key", f"{key!r} is not a point of the set's manifest"))
        elif record["point"] != points[key]:
            found.append(Problem(path, "point", "differs from the manifest's entry for this key"))
    missing = sorted(set(points) - recorded)
    if missing:
        found.append(Problem(set_dir, "", f"incomplete set: {len(missing)} of {len(points)} points have no record "
                             f"(first: {missing[0]}); run them with: ./rculab sweep --resume {shown(set_dir)}",
                             INCOMPLETE))
    return found, len(record_files)


def check_paths(targets: List[Path]) -> Tuple[List[Problem], int, int]:
    """(problems, sets checked, records checked) for files and folders."""
    found: List[Problem] = []
    set_count = record_count = 0
    for target in targets:
        if target.is_file():
            if target.name == MANIFEST:
                found += check_manifest(target, target.parent)[1]
            else:
                found += check_record_file(target)[1]
                record_count += 1
            continue
        if not target.is_dir():
            found.append(Problem(target, "", "no such file or folder"))
            continue
        sets = sets_under(target)
        if not sets:
            found.append(Problem(target, "", "no result set here"))
        for set_dir in sets:
            set_problems, records = check_set(set_dir)
            found += set_problems
            set_count += 1
            record_count += records
    return found, set_count, record_count
