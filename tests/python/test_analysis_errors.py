"""Bad input: one `rculab: error:` line naming the file and field, a non-zero
exit, and nothing overwritten or half-written."""
import json

import pytest

from lab.records import reader

from analysis_fixtures import UNIMODAL_KEY
from conftest import run_cli
import synth


@pytest.fixture
def set_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "RESULTS_ROOT", tmp_path)
    return synth.write_set(tmp_path, backends=("qsbr", "none"), workloads=("read_scalability",), readers=(1, 2),
                           repetitions=3)


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rculab: error: "), err
    return lines[0]


@pytest.mark.parametrize("command", [["compare", "nope", "nope2"], ["plot", "nope"], ["report", "nope"]])
def test_missing_set(command, set_dir, capsys):
    status, out, err = run_cli(command, capsys)
    assert status != 0 and out == ""
    assert "no result set 'nope'" in one_error_line(err)


def test_other_schema_version_is_refused_naming_the_file(set_dir, capsys):
    record = set_dir / "points" / f"{UNIMODAL_KEY}.json"
    doc = json.loads(record.read_text())
    doc["schema_version"] = 2
    record.write_text(json.dumps(doc))
    status, _, err = run_cli(["compare", str(set_dir), "--backends", "qsbr,none"], capsys)
    line = one_error_line(err)
    assert status == 1 and str(record) in line and "schema_version 2 is not supported" in line


def test_other_manifest_version_is_refused(set_dir, capsys):
    manifest = set_dir / "manifest.json"
    doc = json.loads(manifest.read_text())
    doc["schema_version"] = 0
    manifest.write_text(json.dumps(doc))
    status, _, err = run_cli(["plot", set_dir.name], capsys)
    assert status == 1 and f"{manifest}: schema_version 0" in one_error_line(err)
    assert not (set_dir / "charts").exists()


def test_truncated_record_leaves_existing_charts_and_report_alone(set_dir, capsys):
    for sub in ("charts", "report"):
        (set_dir / sub).mkdir()
        (set_dir / sub / "earlier.png").write_text("earlier")
    record = set_dir / "points" / f"{UNIMODAL_KEY}.json"
    record.write_text(record.read_text()[:200])
    for command in (["plot", str(set_dir)], ["report", str(set_dir)]):
        status, _, err = run_cli(command, capsys)
        line = one_error_line(err)
        assert status == 1 and str(record) in line and "not valid JSON" in line
    for sub in ("charts", "report"):
        assert [p.name for p in (set_dir / sub).iterdir()] == ["earlier.png"]
    assert sorted(p.name for p in set_dir.iterdir()) == ["charts", "manifest.json", "points", "report"]


def test_bad_field_names_the_field(set_dir, capsys):
    record = set_dir / "points" / f"{UNIMODAL_KEY}.json"
    doc = json.loads(record.read_text())
    doc["repetitions"][1]["counters"]["reader_ops"] = "many"
    record.write_text(json.dumps(doc))
    status, _, err = run_cli(["compare", str(set_dir), str(set_dir)], capsys)
    assert status == 1 and "field 'repetitions[1].counters.reader_ops'" in one_error_line(err)


def test_failure_while_drawing_leaves_no_staging_folder(set_dir, capsys, monkeypatch):
    import plots
    from plots.__main__ import main as plots_main
    (set_dir / "charts").mkdir()
    (set_dir / "charts" / "earlier.png").write_text("earlier")

    def broken(sets, out_dir):
        (out_dir / "half.png").write_text("half")
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(plots, "render_all", broken)
    status = plots_main(["charts", str(set_dir), "--out", str(set_dir / "charts")])
    err = capsys.readouterr().err
    assert status == 1 and err.startswith("plots: error: ") and "No space left on device" in err
    assert [p.name for p in (set_dir / "charts").iterdir()] == ["earlier.png"]
    assert not [p for p in set_dir.iterdir() if p.name.startswith(".")]


def test_the_plots_programs_error_is_the_commands_one_line(set_dir, tmp_path, capsys):
    """`rculab plot` runs python3 -m plots as a child: its error comes back as one line."""
    blocked = tmp_path / "charts"
    blocked.write_text("a file where the charts folder should go")
    status, _, err = run_cli(["plot", str(set_dir), "--out", str(blocked)], capsys)
    assert status == 1 and "refusing to replace" in one_error_line(err)
    assert blocked.read_text().startswith("a file")


def test_compare_usage_errors(set_dir, capsys):
    status, _, err = run_cli(["compare", str(set_dir)], capsys)
    assert status == 2 and "two SETs" in one_error_line(err)
    status, _, err = run_cli(["compare", str(set_dir), "--backends", "qsbr,mb"], capsys)
    assert status == 1 and "no point for backend 'mb'" in one_error_line(err)
    status, _, err = run_cli(["compare", str(set_dir), str(set_dir), "--metric", "speed"], capsys)
    assert "unknown metric 'speed'" in one_error_line(err)


def test_set_ids_and_profiles_are_found_where_the_environment_points(tmp_path, monkeypatch):
    """compare/plot/report look where the runner writes: RCULAB_RESULTS and
    RCULAB_HW_PROFILES move both (they once looked only under the repository)."""
    results, profiles = tmp_path / "results", tmp_path / "hw-profiles"
    folder = synth.write_set(results, backends=("qsbr",), workloads=("read_scalability",), readers=(1,),
                             repetitions=3)
    synth.write_profile(profiles, folder.parent.name)
    monkeypatch.setenv("RCULAB_RESULTS", str(results))
    monkeypatch.setenv("RCULAB_HW_PROFILES", str(profiles))
    assert reader.resolve(folder.name) == folder
    assert reader.all_sets() == [folder]
    assert reader.host_profile(folder.parent.name)["profile_id"] == folder.parent.name
    monkeypatch.delenv("RCULAB_RESULTS")
    assert folder not in reader.all_sets()
