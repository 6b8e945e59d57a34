"""Bring your own RCU (docs/byob.md): out-of-tree backends through a real
CMake build of this tree.

One sub-build (build/byob-test, none of the lab's own backends, so only
four backend units compile) takes four folders: the C++ template and the
C template as `rculab new-backend` writes them, tests/byob/broken (a C ABI
backend whose grace periods do not wait) and tests/byob/missing (its
pkg-config module does not exist). The templates must be listed and PASS
the torture gate; the broken one must FAIL it and make a workload count
use-after-free, which shows both checks can fail; the missing one must be
listed unavailable, with the reason, and refused. Bad descriptors stop the
configure with one line."""
import json
import os
import shutil
import subprocess

import pytest

from conftest import REPO_ROOT
from lab.base.errors import LabError
from lab.commands import new_backend

SUB_BUILD = REPO_ROOT / "build" / "byob-test"  # a stable path: ccache hits on later runs
BACKENDS = SUB_BUILD / "backends"
BROKEN = REPO_ROOT / "tests" / "byob" / "broken"
MISSING = REPO_ROOT / "tests" / "byob" / "missing"  # its pkg-config module does not exist
GOOD = {"tmpl-c": "c", "tmpl-cpp": "cpp"}
CORE = SUB_BUILD / "rculab-core"
BENCH = SUB_BUILD / "rculab-bench"
BUILD_TIMEOUT = 3600  # three backend units on a loaded 2-core host


def tools_missing() -> bool:
    return shutil.which("cmake") is None or shutil.which("ninja") is None


pytestmark = pytest.mark.skipif(tools_missing(), reason="needs cmake and ninja (./rculab setup)")


def sub_env() -> dict:
    env = dict(os.environ)
    env.pop("RCULAB_EXTRA_BACKENDS", None)  # the folders come from -D only
    env.setdefault("CCACHE_BASEDIR", str(REPO_ROOT.parent))
    return env


def configure(build_dir, folders, builtin="", extra=()):
    cmd = ["cmake", "-S", str(REPO_ROOT), "-B", str(build_dir), "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
           f"-DRCULAB_BUILTIN_BACKENDS={builtin}", "-DRCULAB_CONTRIB_BACKENDS=",
           "-DRCULAB_EXTRA_BACKENDS=" + ";".join(str(f) for f in folders), *extra]
    return subprocess.run(cmd, capture_output=True, text=True, env=sub_env(), timeout=600)


@pytest.fixture(scope="module")
def sub_build():
    """The templates and the broken backend, built into rculab-core and rculab-bench."""
    if BACKENDS.exists():
        shutil.rmtree(BACKENDS)
    folders = [new_backend.write_backend(name, BACKENDS / name, form) for name, form in GOOD.items()]
    folders += [BROKEN, MISSING]
    done = configure(SUB_BUILD, folders)
    assert done.returncode == 0, done.stdout + done.stderr
    built = subprocess.run(["ninja", "-C", str(SUB_BUILD), "rculab-core", "rculab-bench"], capture_output=True,
                           text=True, env=sub_env(), timeout=BUILD_TIMEOUT)
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
    return SUB_BUILD


def listing(build):
    done = subprocess.run([str(CORE), "list", "--json"], capture_output=True, text=True, check=True)
    return {b["name"]: b for b in json.loads(done.stdout)["backends"]}


def torture(backend, *flags):
    done = subprocess.run([str(CORE), "torture", "--backend", backend, "--seconds", "1", "--readers", "2",
                           "--json", *flags], capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def test_both_forms_and_the_broken_one_are_listed_as_out_of_tree(sub_build):
    backends = listing(sub_build)
    assert sorted(backends) == ["broken-ext", "needs-missing", "tmpl-c", "tmpl-cpp"]
    for name, b in backends.items():
        assert b["available"] == (name != "needs-missing"), name
        assert b["traits"]["external"] and not b["traits"]["ours"], name
    assert "LTO" in backends["tmpl-c"]["mode"]  # the C sources were built with -flto
    assert "template: a global rwlock" in backends["tmpl-cpp"]["mode"]
    text = subprocess.run([str(CORE), "list"], capture_output=True, text=True, check=True).stdout
    assert any(line.split()[:2] == ["tmpl-c", "ext"] for line in text.splitlines()), text


def test_a_backend_whose_module_is_missing_is_listed_unavailable_and_refused(sub_build):
    reason = listing(sub_build)["needs-missing"]["unavailable_reason"]
    assert reason == ("pkg-config found no rculab-no-such-module when the build was configured "
                      "(apt-get install -y rculab-no-such-package, then configure again)")
    text = subprocess.run([str(CORE), "list"], capture_output=True, text=True, check=True).stdout
    assert any(line.startswith("needs-missing") and "unavailable: " + reason in line for line in text.splitlines())
    done = subprocess.run([str(CORE), "torture", "--backend", "needs-missing", "--seconds", "0.1"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "unavailable here: " + reason in done.stderr, done.stderr
    done = subprocess.run([str(BENCH), "--backends=needs-missing", "--benchmark_filter=read_cost"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "needs-missing is unavailable here" in done.stderr, done.stderr


@pytest.mark.parametrize("name", sorted(GOOD))
@pytest.mark.parametrize("style", ["synchronize", "call_rcu", "mixed"])
def test_templates_pass_the_torture_gate(sub_build, name, style):
    status, result = torture(name, "--gp-style", style, "--churn")
    assert status == 0 and result["pass"] is True, result
    assert result["updates"] > 0 and result["freed_seen"] == 0


def test_broken_backend_fails_the_torture_gate(sub_build):
    status, result = torture("broken-ext", "--gp-style", "synchronize")
    assert status == 1 and result["pass"] is False, result
    assert result["freed_seen"] > 0 or result["too_old"] > 0, result


def violations(backend, runs):
    """read_scalability's use-after-free count over up to `runs` short runs
    (stops at the first that counts one); readers 2 per PU, so some are
    preempted inside a section: the late reader a grace period exists for."""
    readers = 2 * (os.cpu_count() or 1)
    name = f"^read_scalability/backend:{backend}/readers:{readers}/updaters:1/reclaim:sync/"
    total = 0
    for _ in range(runs):
        done = subprocess.run([str(BENCH), f"--backends={backend}", f"--readers={readers}", "--updaters=1",
                               "--duration=0.2", "--warmup=0.01", "--tolerate_bind_failure",
                               f"--benchmark_filter={name}", "--benchmark_format=json"],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        rows = json.loads(done.stdout)["benchmarks"]
        assert len(rows) == 1, [r["name"] for r in rows]
        total += rows[0]["violations"]
        if total > 0:
            break
    return total


def test_broken_backend_makes_the_workload_count_use_after_free(sub_build):
    assert violations("broken-ext", runs=20) > 0


def test_template_keeps_the_workload_free_of_use_after_free(sub_build):
    assert violations("tmpl-c", runs=1) == 0


# ---- bad input: one line at configure time, non-zero exit ------------------------

BAD_BUILD = SUB_BUILD.parent / "byob-test-bad"


def error_lines(done):
    return [line.strip() for line in done.stderr.splitlines() if line.strip().startswith("rculab:")]


def write_folder(folder, descriptor, files=()):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rculab-backend.txt").write_text(descriptor)
    for name in files:
        (folder / name).write_text("/* empty */\n")
    return folder


def c_abi_declared_only(folder):
    """A C ABI header whose functions nothing defines: the link check names one."""
    write_folder(folder, "name = x\nform = c\nheader = x.h\nprefix = x\n")
    (folder / "x.h").write_text("#include <rculab_backend.h>\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n"
                                "RCULAB_DECLARE_BACKEND(x)\n#ifdef __cplusplus\n}\n#endif\n")
    return folder


BAD_INPUTS = {
    "missing folder": (lambda tmp: tmp / "no-such-folder", "does not exist"),
    "no descriptor": (lambda tmp: (tmp / "empty").mkdir() or tmp / "empty", "no rculab-backend.txt"),
    "unknown key": (lambda tmp: write_folder(tmp / "unknown", "name = x\nform = c\nheader = x.h\nprefix = x\ncolour = red\n",
                                             ["x.h"]), "rculab-backend.txt:5: unknown key 'colour'"),
    "bad form": (lambda tmp: write_folder(tmp / "form", "name = x\nform = rust\nheader = x.h\n", ["x.h"]),
                 "form 'rust'"),
    "missing header": (lambda tmp: write_folder(tmp / "header", "name = x\nform = cpp\nheader = x.h\ntype = x\n"),
                       "header: "),
    "library that does not link": (lambda tmp: write_folder(
        tmp / "lib", "name = x\nform = cpp\nheader = x.h\ntype = x\nlibraries = no_such_rculab_library\n",
        ["x.h"]), "its libraries (no_such_rculab_library) do not link: /usr/bin/ld: cannot find"),
    "C ABI without definitions": (lambda tmp: c_abi_declared_only(tmp / "abi"), "undefined reference to `x_"),
    "prefix taken": (lambda tmp: write_folder(tmp / "prefix", "name = x\nform = c\nheader = x.h\nprefix = broken\n",
                                              ["x.h"]), "prefix 'broken' is another backend's already"),
    "name taken": (lambda tmp: write_folder(tmp / "taken", "name = qsbr\nform = cpp\nheader = x.h\ntype = x\n",
                                            ["x.h"]), "'qsbr' exists already"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_stops_the_configure_with_one_line(tmp_path, case):
    make, expected = BAD_INPUTS[case]
    folder = make(tmp_path)
    folders = [BROKEN, folder] if case == "prefix taken" else [folder]  # broken's prefix: broken
    done = configure(BAD_BUILD, folders, builtin="none")
    assert done.returncode != 0, done.stdout
    lines = error_lines(done)
    assert len(lines) == 1, done.stderr
    assert expected in lines[0], lines[0]


# ---- rculab new-backend ------------------------------------------------------------

def test_new_backend_writes_a_named_folder(tmp_path):
    folder = new_backend.write_backend("my-rcu", tmp_path / "mine", "c")
    descriptor = (folder / "rculab-backend.txt").read_text()
    assert "name = my-rcu" in descriptor and "prefix = my_rcu" in descriptor
    assert "void my_rcu_synchronize(void)" in (folder / "backend.c").read_text()
    assert "@" not in "".join(p.read_text() for p in folder.iterdir())


@pytest.mark.parametrize("name", ["My-Rcu", "1rcu", "qsbr", "a b"])
def test_new_backend_refuses_bad_or_taken_names(tmp_path, name):
    with pytest.raises(LabError):
        new_backend.write_backend(name, tmp_path / "x", "c")
    assert not (tmp_path / "x").exists()


def test_new_backend_never_writes_into_a_folder_with_files(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(LabError, match="not an empty folder"):
        new_backend.write_backend("my-rcu", tmp_path, "cpp")
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
