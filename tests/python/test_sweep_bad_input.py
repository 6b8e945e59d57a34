"""Every bad input to sweep / validate / merge / import: one `rculab: error:`
line (naming the file and field where there is one), a non-zero exit, and
results/ exactly as it was."""
import json

import pytest

from conftest import run_cli
from sweep_support import SMALL_SPEC, only_set, write_spec


def spec_with(tmp_path, text):
    return str(write_spec(tmp_path, text, "bad.toml"))


def bad_record(tmp_path, text_or_change):
    """A copy of a real record outside results/, broken."""
    source = sorted((only_set(tmp_path / "results") / "points").glob("*.json"))[0]
    target = tmp_path / source.name
    if callable(text_or_change):
        doc = json.loads(source.read_text())
        text_or_change(doc)
        target.write_text(json.dumps(doc))
    else:
        target.write_text(source.read_text()[:text_or_change])
    return str(target)


CASES = [
    ("unknown preset", lambda t: ["sweep", "--preset", "fastest"], 2,
     "rculab: error: --preset: unknown preset 'fastest' (one of: default, paper, quick, scale)"),
    ("spec with an unknown key", lambda t: ["sweep", "--spec", spec_with(t, SMALL_SPEC + "threads = 4\n")], 2,
     "{t}/bad.toml: group[1].threads: unknown key (known: name, workloads, backends, readers, updaters, placements, params)"),
    ("negative thread count", lambda t: ["sweep", "--spec", spec_with(t, SMALL_SPEC.replace("readers = [1, 2]", "readers = [1, -2]"))], 2,
     "{t}/bad.toml: group[1].readers[1]: expected a positive whole number or an expression like"),
    ("top-level value of the wrong type", lambda t: ["sweep", "--spec", spec_with(t, 'repetitions = "three"\n[[group]]\n')], 2,
     "{t}/bad.toml: repetitions: expected a whole number, got 'three'"),
    ("spec that is not TOML", lambda t: ["sweep", "--spec", spec_with(t, "name = \n")], 2,
     "{t}/bad.toml: not valid TOML"),
    ("spec without groups", lambda t: ["sweep", "--spec", spec_with(t, 'name = "x"\n')], 2,
     "{t}/bad.toml: group: expected one or more [[group]] tables"),
    ("spec file that does not exist", lambda t: ["sweep", "--spec", f"{t}/none.toml"], 2,
     "{t}/none.toml: cannot read the spec: No such file or directory"),
    ("unknown placement", lambda t: ["sweep", "--spec", spec_with(t, SMALL_SPEC + 'placements = ["diagonal"]\n'), "--dry-run"], 2,
     "{t}/bad.toml: group[1].placements: rculab-bench: --placement: expected compact|scatter|cores|smt, got 'diagonal'"),
    ("unknown worker placement", lambda t: ["sweep", "--spec", spec_with(t, 'worker_placement = "beside"\n' + SMALL_SPEC),
                                             "--dry-run"], 2,
     "{t}/bad.toml: worker_placement: rculab-bench: --worker_placement: expected free|compact|scatter|cores|smt, "
     "got 'beside'"),
    ("truncated record", lambda t: ["validate", bad_record(t, 100)], 1, "not valid JSON, truncated?"),
    ("record of another schema_version", lambda t: ["validate", bad_record(t, lambda d: d.update(schema_version=3))], 1,
     "schema_version: unsupported version 3 (this lab reads version 1)"),
    ("resume of a set that does not exist", lambda t: ["sweep", "--resume", "20990101T000000Z-nothing"], 1,
     "rculab: error: no result set '20990101T000000Z-nothing' under {t}/results"),
    ("resume of a path that is not a set", lambda t: ["sweep", "--resume", str(t)], 1,
     "rculab: error: {t}: not a result set (no manifest.json)"),
    ("shard 3/2", lambda t: ["sweep", "--preset", "quick", "--shard", "3/2"], 2,
     "rculab: error: argument --shard: expected i/N with 1 <= i <= N, got '3/2'"),
    ("shard 0/2", lambda t: ["sweep", "--preset", "quick", "--shard", "0/2"], 2, "got '0/2'"),
    ("resume with a shard", lambda t: ["sweep", "--resume", "x", "--shard", "1/2"], 2,
     "rculab: error: --shard cannot be combined with --resume"),
    ("retry-failed without resume", lambda t: ["sweep", "--preset", "quick", "--retry-failed"], 2,
     "rculab: error: --retry-failed goes with --resume SET"),
    ("negative seed", lambda t: ["sweep", "--preset", "quick", "--seed", "-4"], 2, "argument --seed: must be at least 0"),
    ("merge into a bad set id", lambda t: ["merge", str(only_set(t / "results")), "--into", "a/b"], 2,
     "rculab: error: --into 'a/b': a set id has only letters"),
    ("import of nothing", lambda t: ["import", f"{t}/missing.tgz"], 1, "{t}/missing.tgz: no such file or folder"),
    ("import of a file that is no tarball", lambda t: ["import", spec_with(t, SMALL_SPEC)], 1, "not a readable tarball"),
]


@pytest.mark.parametrize("what, argv, status, message", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_error_line_and_leaves_results_alone(sweep_env, tmp_path, capsys, what, argv, status, message):
    assert run_cli(["sweep", "--spec", str(write_spec(tmp_path, SMALL_SPEC))], capsys)[0] == 0
    before = {p: p.read_bytes() for p in sweep_env.results.rglob("*") if p.is_file()}
    code, _, err = run_cli(argv(tmp_path), capsys)
    lines = err.strip().splitlines()
    assert code == status, err
    assert len(lines) == 1 and lines[0].startswith("rculab: error: "), lines
    assert message.format(t=tmp_path) in lines[0]
    assert {p: p.read_bytes() for p in sweep_env.results.rglob("*") if p.is_file()} == before
