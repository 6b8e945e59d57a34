"""Every bad input gives exactly one stderr line and a non-zero exit; --help works."""
import subprocess

import pytest

from conftest import SHIM, run_shim

COMMANDS = ["run", "test", "bench", "list", "torture", "quick", "setup"]

BAD_INPUTS = [
    [],
    ["frobnicate"],
    ["--bogus"],
    ["run", "--bogus"],
    ["run", "--seconds", "abc"],
    ["run", "--seconds", "0"],
    ["run", "--seconds"],
    ["run", "--readers", "0"],
    ["run", "--readers", "two"],
    ["run", "--preset", "debug"],
    ["run", "--duration", "0"],
    ["run", "--duration", "-1"],
    ["run", "--duration", "x"],
    ["run", "--backends", ""],
    ["run", "--backends", "qsbr,,mb"],
    ["run", "--skip-torture=yes"],
    ["bench", "--preset", "bogus"],
    ["bench", "--preset"],
    ["test", "--preset", "nope"],
    ["test", "--no-python=yes"],
    ["list", "extra-positional"],
    ["setup", "--json"],
    ["torture", "--preset", "bogus"],
]


@pytest.mark.parametrize("argv", BAD_INPUTS, ids=lambda argv: " ".join(argv) or "<nothing>")
def test_bad_input_is_one_error_line(argv, fake_core):
    done = run_shim(*argv)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("rculab: error: ")


def test_unrecognized_flag_points_at_the_command_help(fake_core):
    done = run_shim("run", "--bogus")
    assert "--bogus" in done.stderr
    assert "rculab run --help" in done.stderr


def test_no_setup_happens_on_bad_input(fake_core):
    run_shim("run", "--bogus")
    assert fake_core.calls() == []


@pytest.mark.parametrize("command", [[]] + [[c] for c in COMMANDS], ids=lambda c: c[0] if c else "top")
def test_help_exits_zero(command, fake_core):
    done = run_shim(*command, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: rculab")
    assert done.stderr == ""


def test_top_help_lists_every_command():
    done = run_shim("--help")
    for command in COMMANDS:
        assert f"    {command} " in done.stdout


def test_shim_works_from_another_cwd_and_through_a_symlink(tmp_path, fake_core):
    link = tmp_path / "rculab-link"
    link.symlink_to(SHIM)
    done = subprocess.run([str(link), "--help"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "usage: rculab" in done.stdout
