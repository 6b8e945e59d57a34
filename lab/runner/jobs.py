"""Drivers for sweeps over many hosts: a sweep split into N shards (the
runner's --shard i/N, deterministic by point key), each shard run from a
bundle on one host, the shards merged afterwards (`rculab merge`).

Every shard must plan the same points, so the PU count the plan is sized for
is fixed here (--pus), not taken from each host, and so is the seed."""
from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path

from lab.base.errors import LabError

PARALLEL_SCRIPT = """\
#!/usr/bin/env bash
# rculab export-jobs: sweep {name!r} as {shards} shards through GNU parallel,
# one job per host at a time (--jobs 1 per sshlogin). Hosts: the sshloginfile
# (":" is this host). Each job unpacks the bundle, runs its shard and returns
# shard-<i>/results here; then: rculab import + rculab merge (see the end).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
logins=${{1:-{sshloginfile}}}
if [ "$logins" = ":" ]; then where=(--sshlogin :); else where=(--sshloginfile "$logins"); fi
parallel "${{where[@]}}" --jobs 1 --tag --line-buffer --halt never \\
    --basefile ./bundle.tar.gz --basefile ./spec.json --return 'shard-{{}}' --cleanup \\
    'rm -rf shard-{{}} && mkdir -p shard-{{}}/bundle && tar xzf bundle.tar.gz -C shard-{{}}/bundle &&
     shard-{{}}/bundle/*/run-sweep --spec-json spec.json --shard {{}}/{shards} --seed {seed} --pus {pus} --results shard-{{}}/results;
     status=$?; rm -rf shard-{{}}/bundle; exit $status' \\
    ::: $(seq 1 {shards})
echo "shards done: $here/shard-*/results"
echo 'then, in the lab: for d in shard-*/results/*/*; do rculab import "$d"; done; rculab merge SET... --into NEW'
"""

SLURM_SCRIPT = """\
#!/bin/bash
# rculab export-jobs: sweep {name!r} as {shards} shards, one SLURM array task
# per shard on a whole node. Submit with: sbatch {script_path}
# The jobs folder ({here}) must be on a file system the nodes share.
#SBATCH --job-name=rculab-{name}
#SBATCH --array=1-{shards}
#SBATCH --nodes=1
#SBATCH --ntasks=1
#SBATCH --exclusive
#SBATCH --output={here}/slurm-%A_%a.out
set -euo pipefail
here={here_q}
i=$SLURM_ARRAY_TASK_ID
work=$(mktemp -d "${{TMPDIR:-/tmp}}/rculab-shard-$i.XXXXXX")
trap 'rm -rf "$work"' EXIT
tar xzf "$here/bundle.tar.gz" -C "$work"
"$work"/*/run-sweep --spec-json "$here/spec.json" --shard "$i/{shards}" --seed {seed} --pus {pus} \\
    --results "$here/shard-$i/results"
"""


def write_jobs(kind: str, out: Path, bundle: Path, spec_doc: dict, shards: int, seed: int, pus: int,
               sshloginfile: str = "") -> Path:
    """Writes the jobs folder `out` (must not exist): bundle.tar.gz, spec.json and
    the driver script; returns the script's path."""
    if out.exists():
        raise LabError(f"refusing to overwrite {out}")
    if not bundle.is_file():
        raise LabError(f"--bundle: {bundle} is not a file (make one with `rculab bundle`)")
    name = str(spec_doc.get("name") or "sweep")
    tmp = out.with_name(f".{out.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    shutil.copy2(bundle, tmp / "bundle.tar.gz")
    (tmp / "spec.json").write_text(json.dumps(dict(spec_doc, name=name), indent=1) + "\n")
    here = out.resolve()
    if kind == "gnu-parallel":
        script = tmp / "run-parallel.sh"
        script.write_text(PARALLEL_SCRIPT.format(name=name, shards=shards, seed=seed, pus=pus,
                                                 sshloginfile=shlex.quote(sshloginfile or ":")))
    else:
        script = tmp / "sbatch.sh"
        script.write_text(SLURM_SCRIPT.format(name=name, shards=shards, seed=seed, pus=pus, here=here,
                                              here_q=shlex.quote(str(here)),
                                              script_path=shlex.quote(str(here / "sbatch.sh"))))
    script.chmod(0o755)
    tmp.rename(out)  # the whole folder appears at once
    return out / script.name
