"""Debian package check: exact apt command when not root, apt-get when root."""
import subprocess

import pytest

from lab.setup import deps, prepare
from lab.base import proc
from lab.base.errors import LabError

DPKG_OUTPUT = (
    "cmake\tinstall ok installed\n"
    "g++\tinstall ok installed\n"
    "ninja-build\tdeinstall ok config-files\n"  # removed: counts as missing
    "hwloc\tinstall ok installed\n"
)


@pytest.fixture
def recorded(monkeypatch):
    """Fake dpkg-query (answers from `state`) and record every streamed command."""
    state = {"dpkg": DPKG_OUTPUT, "streamed": [], "stream_status": 0}

    def fake_capture(cmd, timeout=None):
        assert cmd[:2] == ["dpkg-query", "-W"]
        return subprocess.CompletedProcess(cmd, 1, stdout=state["dpkg"], stderr="")

    def fake_stream(cmd, cwd=None, env=None, out=None):
        state["streamed"].append((list(cmd), dict(env) if env else None))
        if cmd[:2] == ["apt-get", "install"]:
            state["dpkg"] = "".join(f"{p}\tinstall ok installed\n" for p in deps.REQUIRED_PACKAGES)
        return state["stream_status"]

    monkeypatch.setattr(proc, "capture", fake_capture)
    monkeypatch.setattr(proc, "stream", fake_stream)
    return state


def test_installed_packages_only_counts_fully_installed():
    assert deps.installed_packages(DPKG_OUTPUT) == {"cmake", "g++", "hwloc"}


def test_missing_packages_keeps_required_order(recorded):
    assert deps.missing_packages() == [
        "ninja-build", "pkg-config", "libbenchmark-dev", "libgtest-dev", "libhwloc-dev",
        "liburcu-dev", "libck-dev", "ccache", "python3-pytest",
        "python3-jsonschema", "python3-tqdm", "python3-numpy", "python3-scipy",
        "python3-matplotlib", "fonts-dejavu-core"]


def test_not_root_gives_the_exact_sudo_command_and_installs_nothing(recorded, monkeypatch):
    monkeypatch.setattr(deps.os, "geteuid", lambda: 1000)
    with pytest.raises(LabError) as err:
        deps.ensure_packages()
    assert str(err.value).endswith(
        "sudo apt-get install -y ninja-build pkg-config libbenchmark-dev libgtest-dev "
        "libhwloc-dev liburcu-dev libck-dev ccache python3-pytest python3-jsonschema python3-tqdm "
        "python3-numpy python3-scipy python3-matplotlib fonts-dejavu-core")
    assert "\n" not in str(err.value)
    assert recorded["streamed"] == []


def test_not_root_through_the_cli_is_one_line_and_exit_1(recorded, monkeypatch, capsys):
    from conftest import run_cli
    monkeypatch.delenv("RCULAB_SKIP_SETUP", raising=False)
    monkeypatch.setattr(deps.os, "geteuid", lambda: 1000)
    status, out, err = run_cli(["setup"], capsys)
    assert status == 1
    assert err.splitlines() == ["rculab: error: missing Debian packages; install them with: "
                                "sudo apt-get install -y ninja-build pkg-config libbenchmark-dev "
                                "libgtest-dev libhwloc-dev liburcu-dev libck-dev ccache python3-pytest "
                                "python3-jsonschema python3-tqdm python3-numpy python3-scipy "
                                "python3-matplotlib fonts-dejavu-core"]


def test_root_runs_apt_update_then_noninteractive_install(recorded, monkeypatch):
    monkeypatch.setattr(deps.os, "geteuid", lambda: 0)
    deps.ensure_packages()
    (update, _), (install, env) = recorded["streamed"]
    assert update == ["apt-get", "update"]
    assert install == ["apt-get", "install", "-y", "ninja-build", "pkg-config", "libbenchmark-dev",
                       "libgtest-dev", "libhwloc-dev", "liburcu-dev", "libck-dev", "ccache", "python3-pytest",
                       "python3-jsonschema", "python3-tqdm", "python3-numpy", "python3-scipy",
                       "python3-matplotlib", "fonts-dejavu-core"]
    assert env["DEBIAN_FRONTEND"] == "noninteractive"


def test_root_apt_failure_is_an_error(recorded, monkeypatch):
    monkeypatch.setattr(deps.os, "geteuid", lambda: 0)
    recorded["stream_status"] = 100
    with pytest.raises(LabError, match="apt-get update failed"):
        deps.ensure_packages()


def test_nothing_missing_runs_nothing(recorded, monkeypatch):
    recorded["dpkg"] = "".join(f"{p}\tinstall ok installed\n" for p in deps.REQUIRED_PACKAGES)
    monkeypatch.setattr(deps.os, "geteuid", lambda: 1000)
    deps.ensure_packages()
    assert recorded["streamed"] == []


def test_skip_setup_knob_skips_apt_and_cmake(monkeypatch):
    def explode(*args, **kwargs):
        raise AssertionError("set-up ran although RCULAB_SKIP_SETUP=1")
    monkeypatch.setattr(proc, "capture", explode)
    monkeypatch.setattr(proc, "stream", explode)
    monkeypatch.setenv("RCULAB_SKIP_SETUP", "1")
    prepare.prepare("release")
    monkeypatch.setenv("RCULAB_SKIP_SETUP", "0")
    with pytest.raises(AssertionError):
        prepare.prepare("release")
