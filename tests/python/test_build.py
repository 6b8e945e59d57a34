"""Configure only when needed, build every time, one clear line on failure."""
import os

import pytest

from lab.setup import build
from lab.base import proc
from lab.base.errors import LabError


@pytest.fixture
def commands(monkeypatch):
    """Record streamed commands; `fail_on` makes a matching step exit 1."""
    state = {"ran": [], "fail_on": None}

    def fake_stream(cmd, cwd=None, env=None, out=None):
        state["ran"].append(list(cmd))
        return 1 if state["fail_on"] and state["fail_on"] in cmd else 0

    monkeypatch.setattr(proc, "stream", fake_stream)
    return state


def test_unconfigured_preset_is_configured_then_built(commands, tmp_path):
    build.configure_and_build("tsan", root=tmp_path)
    assert commands["ran"] == [["cmake", "--preset", "tsan"],
                               ["cmake", "--build", "--preset", "tsan", "-j", str(os.cpu_count())]]


def make_build_dir(root, *files):
    build_dir = root / "build" / "release"
    build_dir.mkdir(parents=True)
    for name in files:
        (build_dir / name).write_text("")


def test_configured_preset_is_only_built(commands, tmp_path):
    make_build_dir(tmp_path, "CMakeCache.txt", "build.ninja")
    build.configure_and_build("release", root=tmp_path)
    assert [cmd[:2] for cmd in commands["ran"]] == [["cmake", "--build"]]


def test_failed_earlier_configure_is_redone(commands, tmp_path):
    make_build_dir(tmp_path, "CMakeCache.txt")  # cache written, no build.ninja
    build.configure_and_build("release", root=tmp_path)
    assert [cmd[:2] for cmd in commands["ran"]] == [["cmake", "--preset"], ["cmake", "--build"]]


def test_build_failure_is_one_clear_line(commands, tmp_path):
    commands["fail_on"] = "--build"
    with pytest.raises(LabError) as err:
        build.configure_and_build("asan", root=tmp_path)
    assert str(err.value).startswith("build failed (cmake --build --preset asan")
    assert "\n" not in str(err.value)


def test_configure_failure_stops_before_building(commands, tmp_path):
    commands["fail_on"] = "release"
    with pytest.raises(LabError, match="^configure failed"):
        build.configure_and_build("release", root=tmp_path)
    assert len(commands["ran"]) == 1


def test_stream_copies_child_output_to_the_given_stream(tmp_path):
    import io
    sink = io.StringIO()
    status = proc.stream(["sh", "-c", "echo out; echo err >&2; exit 3"], out=sink)
    assert status == 3
    assert sorted(sink.getvalue().splitlines()) == ["err", "out"]


def test_missing_program_is_a_lab_error():
    with pytest.raises(LabError, match="command not found: no-such-program-rculab"):
        proc.run(["no-such-program-rculab"])


def test_a_changed_extra_backends_variable_configures_again(commands, tmp_path, monkeypatch):
    """CMake cannot see the environment: the lab compares it with what the
    last configure cached (docs/byob.md) and configures again when it differs."""
    make_build_dir(tmp_path, "build.ninja")
    cache = tmp_path / "build" / "release" / "CMakeCache.txt"
    cache.write_text("RCULAB_EXTRA_BACKENDS_ENV:INTERNAL=/old/backend\n")
    monkeypatch.setenv("RCULAB_EXTRA_BACKENDS", "/old/backend")
    build.configure_and_build("release", root=tmp_path)
    assert [cmd[:2] for cmd in commands["ran"]] == [["cmake", "--build"]]
    monkeypatch.setenv("RCULAB_EXTRA_BACKENDS", "/new/backend")
    build.configure_and_build("release", root=tmp_path)
    assert [cmd[:2] for cmd in commands["ran"][1:]] == [["cmake", "--preset"], ["cmake", "--build"]]
