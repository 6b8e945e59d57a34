"""Bringing sets together: `merge` (shards of one sweep, or sets of one host,
into a new set) and `import` (a set folder or tarball from another host into
this repository). Both validate first, refuse conflicts, and publish a folder
only when it is whole (built beside its target, then renamed): nothing that
exists is ever overwritten."""
from __future__ import annotations

import filecmp
import json
import shutil
import sys
import tarfile
import tempfile
import zlib
from pathlib import Path
from typing import Dict, List, Tuple

from lab.base.errors import LabError
from lab.records.sets import is_set, sets_under
from lab.records.validate import INCOMPLETE, check_set, shown
from lab.records import results
from lab.records.resultset import MANIFEST, POINTS, SET_ID_CHARS


def checked_set(set_dir: Path, in_profile_folder: bool = True) -> dict:
    """The manifest of a set with no problem but, at most, missing records."""
    problems, _ = check_set(set_dir, in_profile_folder)
    bad = [p for p in problems if p.kind != INCOMPLETE]
    if bad:
        more = f" (and {len(bad) - 1} more; see ./rculab validate {shown(set_dir)})" if len(bad) > 1 else ""
        raise LabError(f"{bad[0]}{more}")
    for problem in problems:
        print(f"rculab: note: {problem}", file=sys.stderr)
    return json.loads((set_dir / MANIFEST).read_text())


def publish_dir(build: Path, target: Path) -> None:
    if target.exists():
        raise LabError(f"{target} already exists; nothing was overwritten")
    target.parent.mkdir(parents=True, exist_ok=True)
    build.rename(target)


def records_of(set_dir: Path) -> Dict[str, Path]:
    return {p.name[:-len(".json")]: p for p in (set_dir / POINTS).glob("*.json") if not p.name.startswith(".")}


def merge(set_dirs: List[Path], into: str, results_root: Path) -> Path:
    if not SET_ID_CHARS.fullmatch(into):
        raise LabError(f"--into {into!r}: a set id has only letters, digits, '-', '_' and '.'", exit_code=2)
    manifests = [checked_set(d) for d in set_dirs]
    profiles = sorted({m["profile_id"] for m in manifests})
    if len(profiles) > 1:
        raise LabError(f"cannot merge sets of different hosts ({', '.join(profiles)}): a set is one host's")
    target = results_root / profiles[0] / into
    if target.exists():
        raise LabError(f"{target} already exists; nothing was overwritten")
    points: Dict[str, Tuple[dict, Path]] = {}
    records: Dict[str, Tuple[dict, Path]] = {}
    for manifest, set_dir in zip(manifests, set_dirs):
        for point in manifest["points"]:
            seen = points.setdefault(point["key"], (point, set_dir))
            if seen[0] != point:
                raise LabError(f"point {point['key']} is defined differently in {shown(seen[1])} and "
                               f"{shown(set_dir)}; refusing to merge")
        for key, path in records_of(set_dir).items():
            record = json.loads(path.read_text())
            seen = records.setdefault(key, (record, path))
            if seen[0] != record:
                raise LabError(f"point {key} has different records in {shown(seen[1])} and {shown(path)}; "
                               "refusing to merge (keep one set out, or move one record to points/.superseded/)")
    order: List[str] = []
    for manifest in manifests:
        order += [key for key in manifest["order"] if key not in order]
    first = manifests[0]
    merged = dict(first, set_id=into, created_utc=results.utc_now(), shard=None,
                  points=[points[key][0] for key in sorted(points)], order=order,
                  merged_from=[m["set_id"] for m in manifests])
    (results_root / profiles[0]).mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".{into}.", dir=results_root / profiles[0]))
    try:
        (build / MANIFEST).write_text(json.dumps(merged, indent=2) + "\n")
        (build / POINTS).mkdir()
        for key, (record, _) in sorted(records.items()):
            record = dict(record, set_id=into, merged_from_set=record["set_id"])
            (build / POINTS / f"{key}.json").write_text(json.dumps(record, indent=2) + "\n")
        publish_dir(build, target)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    return target


def safe_members(archive: tarfile.TarFile, name: str) -> List[tarfile.TarInfo]:
    members = archive.getmembers()
    for member in members:
        parts = Path(member.name).parts
        if member.name.startswith("/") or ".." in parts or not (member.isfile() or member.isdir()):
            raise LabError(f"{name}: refusing to import: unsafe entry {member.name!r} (absolute, '..', or a link)")
    return members


def same_tree(a: Path, b: Path) -> bool:
    compared = filecmp.dircmp(a, b)
    if compared.left_only or compared.right_only or compared.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, compared.common_files, shallow=False)
    return not mismatch and not errors and all(same_tree(a / d, b / d) for d in compared.common_dirs)


# The hardware facts a profile id is hashed from (lab/host/ident.py): two
# profiles that agree on them describe one machine at two times (another
# calibration, kernel or load), and the one already here is kept.
MACHINE_FIELDS = ("profile_id", "arch", "cpu", "topology")


def same_machine(a: Path, b: Path) -> bool:
    try:
        docs = [json.loads((folder / "profile.json").read_text()) for folder in (a, b)]
    except (OSError, ValueError):
        return False
    machine = [{k: (d.get(k) if k != "topology" else {t: v for t, v in (d.get(k) or {}).items()
                                                        if t in ("packages", "cores", "pus", "smt", "numa_nodes")})
                for k in MACHINE_FIELDS} for d in docs if isinstance(d, dict)]
    return len(machine) == 2 and machine[0] == machine[1]


def import_tree(source: Path, results_root: Path, profiles_root: Path) -> List[Path]:
    """Copy the sets (and host profiles) of a folder or tarball into this repository."""
    if not source.exists():
        raise LabError(f"{source}: no such file or folder")
    with tempfile.TemporaryDirectory(prefix="rculab-import-") as tmp:
        tree = source
        if source.is_file():
            try:
                with tarfile.open(source) as archive:
                    archive.extractall(tmp, members=safe_members(archive, str(source)))
            except (tarfile.TarError, OSError, EOFError, zlib.error) as err:  # EOFError: truncated
                reason = str(err).splitlines()[0]  # tarfile lists every method it tried, a line each
                raise LabError(f"{source}: not a readable tarball ({reason})") from None
            tree = Path(tmp)
        sets = [tree] if is_set(tree) else sets_under(tree / "results") + sets_under(tree)
        sets = sorted(set(sets))
        if not sets:
            raise LabError(f"{source}: no result set in it (expected results/<profile>/<set>/ or a set folder)")
        plan: List[Tuple[Path, Path]] = []
        for set_dir in sets:
            manifest = checked_set(set_dir, in_profile_folder=set_dir != tree)
            plan.append((set_dir, results_root / manifest["profile_id"] / manifest["set_id"]))
        profiles = sorted(p for p in (tree / "hw-profiles").glob("*") if p.is_dir()) \
            if (tree / "hw-profiles").is_dir() else []
        for profile in profiles:
            existing = profiles_root / profile.name
            if existing.exists() and not same_tree(profile, existing) and not same_machine(profile, existing):
                raise LabError(f"{shown(existing)} exists and describes another machine than the imported "
                               "host profile; nothing was imported")
            if not existing.exists():
                plan.append((profile, existing))
        for _, target in plan:
            if target.exists():
                raise LabError(f"{shown(target)} already exists; nothing was imported")
        done = []
        for origin, target in plan:
            target.parent.mkdir(parents=True, exist_ok=True)
            build = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
            try:
                shutil.copytree(origin, build / "tree", ignore=shutil.ignore_patterns(".lock", ".*.tmp"))
                publish_dir(build / "tree", target)
            finally:
                shutil.rmtree(build, ignore_errors=True)
            done.append(target)
        return done
