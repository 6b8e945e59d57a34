"""`rculab profile` and the profile id: a fake rculab-core answers `host` and
`calibrate` (the real calibration takes seconds), profiles go to a temporary
hw-profiles/ (RCULAB_HW_PROFILES), hardware facts come from fake /proc and /sys
trees or are fed to the id function directly."""
from __future__ import annotations

import copy
import json
import re
import textwrap
from pathlib import Path

import pytest

from conftest import REPO_ROOT, run_cli, run_shim, write_fake_program
from lab.host import this_host
from lab.host import document, facts, ident, native

# Answers `host --json [--xml F]` and `calibrate --json ...` from FAKE_PROFILE_SPEC;
# logs each argv to FAKE_PROFILE_LOG.
FAKE_CORE = textwrap.dedent("""\
    import json, os, sys
    spec = json.load(open(os.environ["FAKE_PROFILE_SPEC"]))
    with open(os.environ["FAKE_PROFILE_LOG"], "a") as log:
        log.write(json.dumps(sys.argv[1:]) + "\\n")
    command, args = sys.argv[1], sys.argv[2:]
    answer = spec[command]
    if "exit" in answer:
        print(answer["stderr"], file=sys.stderr)
        sys.exit(answer["exit"])
    if "--xml" in args:
        open(args[args.index("--xml") + 1], "w").write("<?xml version='1.0'?><topology/>\\n")
    print(answer["stdout"] if "stdout" in answer else json.dumps(answer["json"]))
""")


def measure(ns=5.0, threads=1):
    return {"available": True, "what": "x", "threads": threads, "ns": ns, "raw_ns": ns + 0.25,
            "loop_ns": 0.25, "operations": 1024}


def calibration_answer():
    measures = {name: measure() for name in native.CALIBRATION_MEASURES}
    measures["membarrier"] = {"available": False, "what": "x", "threads": 1, "reason": "kernel lacks it"}
    return {"seconds": 0.05, "unit": "ns per operation", "full_fence": "lock or (x86)", "measures": measures}


def host_answer():
    t = facts.topology()
    return {"architecture": "x86_64",
            "topology": {"packages": t["packages"], "cores": t["cores"], "pus": t["pus"], "smt": t["smt"],
                         "numa_nodes": t["numa_nodes"], "numa_memory_bytes": [1 << 30], "caches": [],
                         "synthetic": "Package:1 Core:2 PU:1"},
            "libraries": {"hwloc": "2.9.0", "hwloc_api": "2.8.0", "glibc": "2.36", "libstdcxx": "6.0.30",
                          "liburcu": "0.13.2", "benchmark": "1.7.1", "shared_objects": ["libc.so.6"]},
            "build": {"compiler_id": "gcc", "compiler": "12.2.0", "libstdcxx_release": 12,
                      "libstdcxx_date": 20220819, "full_fence": "lock or (x86)"},
            "membarrier": {"supported": True, "commands": ["private_expedited"], "memb_backend": "ok"}}


def set_answers(folder: Path, host=None, calibrate=None) -> None:
    """What the fake core in `folder` answers to `host` and `calibrate`."""
    (folder / "profile-spec.json").write_text(json.dumps({
        "host": host or {"json": host_answer()}, "calibrate": calibrate or {"json": calibration_answer()}}))


def calls(folder: Path) -> list:
    return [json.loads(line) for line in (folder / "profile-calls.log").read_text().splitlines()]


@pytest.fixture
def profiles(tmp_path, monkeypatch):
    root = tmp_path / "hw-profiles"
    monkeypatch.setenv("RCULAB_HW_PROFILES", str(root))
    return root


@pytest.fixture
def fake(tmp_path, monkeypatch, profiles):
    """The fake core plugged in, set-up off; its folder is what set_answers() and calls() take."""
    monkeypatch.setenv("RCULAB_CORE", str(write_fake_program(tmp_path / "rculab-core", FAKE_CORE)))
    monkeypatch.setenv("RCULAB_SKIP_SETUP", "1")
    monkeypatch.setenv("FAKE_PROFILE_SPEC", str(tmp_path / "profile-spec.json"))
    monkeypatch.setenv("FAKE_PROFILE_LOG", str(tmp_path / "profile-calls.log"))
    (tmp_path / "profile-calls.log").write_text("")
    set_answers(tmp_path)
    return tmp_path


def profile(capsys, *flags):
    return run_cli(["profile", *flags], capsys)


def only_profile_dir(root: Path) -> Path:
    dirs = list(root.iterdir())
    assert [d.name for d in dirs] == [this_host.current_profile_id()], dirs
    return dirs[0]


def assert_one_error_line(status, err, exit_code=1):
    assert status == exit_code
    assert err.count("\n") == 1 and err.startswith("rculab: error: "), err


# ---- the id -----------------------------------------------------------------------------

BASE_FACTS = {
    "arch": "x86_64",
    "cpu": {"vendor": "GenuineIntel", "model_name": "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz",
            "family": "6", "model": "106", "stepping": "6", "microcode": "0xd0003a5"},
    "topology": {"packages": 2, "cores": 64, "pus": 128, "smt": True, "numa_nodes": 2,
                 "caches": [{"level": 1, "type": "data", "size_bytes": 49152, "line_bytes": 64, "ways": 12,
                             "pus_each": 2, "count": 64},
                            {"level": 3, "type": "unified", "size_bytes": 56623104, "line_bytes": 64, "ways": 12,
                             "pus_each": 64, "count": 2}]},
    "virtualization": {"virtual_machine": False},
}


def changed(path: str, value, facts_doc=BASE_FACTS) -> dict:
    doc = copy.deepcopy(facts_doc)
    node = doc
    *parents, last = path.split(".")
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return doc


def test_id_has_the_documented_shape():
    assert re.fullmatch(r"x86-64-intel-xeon-platinum-8375c-128pu-[0-9a-f]{8}", ident.profile_id(BASE_FACTS))


def test_current_id_is_stable_and_made_of_this_hosts_facts():
    first, second = this_host.current_profile_id(), this_host.current_profile_id()
    assert first == second == ident.profile_id(facts.hardware())
    assert re.fullmatch(r"[a-z0-9-]+-\d+pu-[0-9a-f]{8}", first), first


@pytest.mark.parametrize("path, value", [
    ("arch", "aarch64"),
    ("cpu.vendor", "AuthenticAMD"),
    ("cpu.model_name", "Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz"),
    ("cpu.family", "25"),
    ("cpu.model", "143"),
    ("cpu.stepping", "8"),
    ("topology.packages", 1),
    ("topology.cores", 32),
    ("topology.pus", 64),
    ("topology.smt", False),
    ("topology.numa_nodes", 4),
    ("topology.caches.1.size_bytes", 37748736),
    ("topology.caches.1.pus_each", 32),
    ("topology.caches.1.count", 4),
    ("virtualization.virtual_machine", True),
])
def test_id_changes_with_every_hardware_fact(path, value):
    assert ident.profile_id(changed(path, value)) != ident.profile_id(BASE_FACTS)


@pytest.mark.parametrize("path, value", [
    ("cpu.microcode", "0xd0003b9"),
])
def test_id_ignores_what_is_not_hardware(path, value):
    assert ident.profile_id(changed(path, value)) == ident.profile_id(BASE_FACTS)


def test_id_ignores_volatile_and_software_sections():
    doc = copy.deepcopy(BASE_FACTS)
    doc["volatile"] = {"kernel_cmdline": "isolcpus=1", "loadavg": [9.0, 9.0, 9.0], "governors": {"powersave": [0]}}
    doc["software"] = {"kernel_release": "6.99"}
    doc["calibration"] = {"measures": {}}
    assert ident.profile_id(doc) == ident.profile_id(BASE_FACTS)


def test_same_cpu_model_other_pu_count_gets_another_id():
    small = changed("topology.pus", 64)
    assert ident.profile_id(small).split("-")[-2:-1] == ["64pu"]
    assert ident.profile_id(small) != ident.profile_id(BASE_FACTS)


@pytest.mark.parametrize("model_name, vendor, model, slug", [
    ("Intel(R) Xeon(R) Processor", "GenuineIntel", "167", "intel-xeon"),
    ("AMD EPYC 7B13 64-Core Processor", "AuthenticAMD", "1", "amd-epyc-7b13-64-core"),
    ("", "0x41", "0xd0c", "arm-0xd0c"),
])
def test_cpu_slug(model_name, vendor, model, slug):
    assert ident.cpu_slug({"model_name": model_name, "vendor": vendor, "model": model}) == slug


# ---- facts from /proc and /sys ------------------------------------------------------------

def fake_sys(root: Path, packages=2, cores=2, threads=2, l2_kib=2048) -> Path:
    """Linux-style sysfs: CPU n = thread t of core c of package p, siblings n and n+N/2."""
    total = packages * cores * threads
    per_thread = packages * cores
    cpu_dir = root / "devices/system/cpu"
    cpu_dir.mkdir(parents=True)
    (cpu_dir / "online").write_text(f"0-{total - 1}\n")
    (root / "devices/system/node").mkdir(parents=True)
    (root / "devices/system/node/online").write_text(f"0-{packages - 1}\n")
    for n in range(total):
        core = n % per_thread
        package = core // cores
        siblings = ",".join(str(core + t * per_thread) for t in range(threads))
        package_cpus = [c for c in range(total) if (c % per_thread) // cores == package]
        topo = cpu_dir / f"cpu{n}/topology"
        topo.mkdir(parents=True)
        (topo / "physical_package_id").write_text(f"{package}\n")
        (topo / "core_cpus_list").write_text(siblings + "\n")
        for index, (level, kind, size, shared) in enumerate([
                (1, "Data", "48K", siblings), (2, "Unified", f"{l2_kib}K", siblings),
                (3, "Unified", "32768K", ",".join(map(str, package_cpus)))]):
            cache = cpu_dir / f"cpu{n}/cache/index{index}"
            cache.mkdir(parents=True)
            for name, value in (("level", level), ("type", kind), ("size", size), ("shared_cpu_list", shared),
                                ("coherency_line_size", 64), ("ways_of_associativity", 16)):
                (cache / name).write_text(f"{value}\n")
    return root


def fake_proc(root: Path, model_name="Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", microcode="0x1") -> Path:
    root.mkdir(parents=True)
    (root / "cpuinfo").write_text(
        f"processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 106\n"
        f"model name\t: {model_name}\nstepping\t: 6\nmicrocode\t: {microcode}\nflags\t\t: fpu sse2\n\n"
        f"processor\t: 1\nvendor_id\t: GenuineIntel\nmodel name\t: {model_name}\n")
    return root


def test_topology_and_caches_from_sysfs(tmp_path):
    hw = facts.hardware(fake_sys(tmp_path / "sys"), fake_proc(tmp_path / "proc"), arch="x86_64")
    assert hw["topology"] == {
        "packages": 2, "cores": 4, "pus": 8, "smt": True, "numa_nodes": 2,
        "caches": [
            {"level": 1, "type": "data", "size_bytes": 49152, "line_bytes": 64, "ways": 16, "pus_each": 2, "count": 4},
            {"level": 2, "type": "unified", "size_bytes": 2 << 20, "line_bytes": 64, "ways": 16, "pus_each": 2,
             "count": 4},
            {"level": 3, "type": "unified", "size_bytes": 32 << 20, "line_bytes": 64, "ways": 16, "pus_each": 4,
             "count": 2}]}
    assert hw["cpu"]["model_name"] == "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz"
    assert hw["virtualization"] == {"virtual_machine": False}
    assert ident.profile_id(hw).startswith("x86-64-intel-xeon-gold-6338-8pu-")


def test_sysfs_hosts_differing_in_cache_or_pus_get_other_ids(tmp_path):
    proc = fake_proc(tmp_path / "proc")
    base = ident.profile_id(facts.hardware(fake_sys(tmp_path / "a"), proc, arch="x86_64"))
    again = ident.profile_id(facts.hardware(fake_sys(tmp_path / "b"), proc, arch="x86_64"))
    other_l2 = ident.profile_id(facts.hardware(fake_sys(tmp_path / "c", l2_kib=1280), proc, arch="x86_64"))
    no_smt = ident.profile_id(facts.hardware(fake_sys(tmp_path / "d", threads=1), proc, arch="x86_64"))
    new_microcode = ident.profile_id(facts.hardware(fake_sys(tmp_path / "e"), fake_proc(tmp_path / "p2", microcode="0x2"),
                                                    arch="x86_64"))
    assert base == again == new_microcode
    assert len({base, other_l2, no_smt}) == 3


# ---- rculab profile -----------------------------------------------------------------------

def documented_example() -> dict:
    """The profile.json example of lab/RECORDS.md ("Host profile")."""
    text = (REPO_ROOT / "lab/RECORDS.md").read_text()
    section = text[text.index("## Host profile"):]
    return json.loads(section[section.index("```json") + 7:section.index("```", section.index("```json") + 7)])


# Maps whose keys are data (a governor's name, a vulnerability), not fields.
DATA_KEYED = {"volatile.governors", "volatile.vulnerabilities"}


def missing_keys(example, actual, where="") -> list:
    if not isinstance(example, dict) or where in DATA_KEYED:
        if isinstance(example, list) and example and isinstance(example[0], dict):
            return missing_keys(example[0], actual[0] if actual else {}, where + "[0]")
        return []
    missing = []
    for key, value in example.items():
        path = f"{where}.{key}".lstrip(".")
        if not isinstance(actual, dict) or key not in actual:
            missing.append(path)
        elif value is not None:
            missing += missing_keys(value, actual[key], path)
    return missing


def test_profile_writes_every_documented_field(fake, profiles, capsys):
    status, out, err = profile(capsys, "--seconds", "0.05")
    assert status == 0, err
    folder = only_profile_dir(profiles)
    assert sorted(p.name for p in folder.iterdir()) == ["profile.json", "topology.xml"]
    assert f"profile {folder.name}: wrote" in out
    doc = json.loads((folder / "profile.json").read_text())
    assert missing_keys(documented_example(), doc) == []
    assert document.missing_fields(doc) == []
    assert doc["profile_id"] == folder.name == this_host.current_profile_id()
    assert doc["calibration"]["measures"]["membarrier"]["available"] is False
    assert doc["software"]["libraries"]["hwloc"] == "2.9.0"
    assert ["calibrate", "--json", "--seconds", "0.05"] in calls(fake)
    assert not [p for p in profiles.iterdir() if p.name.startswith(".")], "staging folder left behind"


def test_json_output_is_the_written_profile(fake, profiles, capsys):
    status, out, err = profile(capsys, "--json", "--no-calibrate")
    assert status == 0, err
    doc = json.loads(out)
    assert doc == json.loads((only_profile_dir(profiles) / "profile.json").read_text())
    assert doc["calibration"] is None
    assert not any(call[0] == "calibrate" for call in calls(fake))


def test_existing_profile_is_kept_not_overwritten(fake, profiles, capsys):
    assert profile(capsys, "--no-calibrate")[0] == 0
    path = only_profile_dir(profiles) / "profile.json"
    before = path.read_bytes()
    calls_before = len(calls(fake))
    status, out, err = profile(capsys)
    assert status == 0, err
    assert "already exists with the same hardware facts; kept it" in out
    assert path.read_bytes() == before
    assert len(calls(fake)) == calls_before, "a kept profile is neither re-gathered nor re-calibrated"
    assert sorted(p.name for p in path.parent.iterdir()) == ["profile.json", "topology.xml"]


def test_refresh_moves_the_old_profile_aside(fake, profiles, capsys):
    assert profile(capsys, "--no-calibrate")[0] == 0
    folder = only_profile_dir(profiles)
    before = (folder / "profile.json").read_bytes()
    status, out, err = profile(capsys, "--refresh")
    assert status == 0, err
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 4 and "profile.json" in names and "topology.xml" in names, names
    old = [n for n in names if re.fullmatch(r"profile\.\d{8}T\d{6}Z\.json", n)]
    assert len(old) == 1 and (folder / old[0]).read_bytes() == before
    assert json.loads((folder / "profile.json").read_text())["calibration"] is not None


@pytest.mark.parametrize("content, says", [
    ("{not json", "is not valid JSON"),
    (b"\xff\xfe\x00garbage", "is not valid JSON"),
    ('["a list"]', "is not an rculab profile"),
    ('{"kind": "rculab.profile", "schema_version": 2}', "schema_version 2"),
    ('{"kind": "rculab.profile", "schema_version": 1, "arch": "x86_64"}', "lacks"),
])
def test_garbage_existing_profile_is_one_clear_error(fake, profiles, capsys, content, says):
    folder = profiles / this_host.current_profile_id()
    folder.mkdir(parents=True)
    path = folder / "profile.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    for flags in ((), ("--refresh",)):
        status, out, err = profile(capsys, *flags)
        assert_one_error_line(status, err)
        assert str(path) in err and says in err, err
        assert path.read_bytes() == (content if isinstance(content, bytes) else content.encode())
    assert calls(fake) == []


def test_unreadable_existing_profile_is_one_clear_error(fake, profiles, capsys, monkeypatch):
    assert profile(capsys, "--no-calibrate")[0] == 0
    path = only_profile_dir(profiles) / "profile.json"
    real_read_text = Path.read_text

    def refuse(self, *args, **kwargs):  # root reads a chmod 000 file, so fake the EACCES
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", refuse)
    status, out, err = profile(capsys)
    assert_one_error_line(status, err)
    assert f"cannot read {path}: Permission denied" in err


def test_profile_folder_without_profile_json_is_an_error(fake, profiles, capsys):
    folder = profiles / this_host.current_profile_id()
    folder.mkdir(parents=True)
    (folder / "profile.json").symlink_to(folder / "nowhere")
    status, out, err = profile(capsys)
    assert_one_error_line(status, err)
    assert "holds no profile.json" in err


def test_existing_profile_of_other_hardware_is_refused(fake, profiles, capsys):
    assert profile(capsys, "--no-calibrate")[0] == 0
    path = only_profile_dir(profiles) / "profile.json"
    doc = json.loads(path.read_text())
    doc["topology"]["caches"] = []
    path.write_text(json.dumps(doc))
    status, out, err = profile(capsys, "--refresh")
    assert_one_error_line(status, err)
    assert "other hardware facts (topology.caches)" in err


@pytest.mark.parametrize("host_answer_, calibrate_answer, says", [
    ({"exit": 2, "stderr": "rculab: host: boom"}, None, "rculab: host: boom"),
    ({"stdout": "not json"}, None, "printed no JSON object"),
    ({"json": {"topology": {}}}, None, "unexpected output"),
    (None, {"stdout": '{"measures": {"mfence": {"available": true, "ns": NaN}}}'}, "calibration measure"),
    (None, {"exit": 1, "stderr": "rculab: error: pthread_create failed"}, "pthread_create failed"),
])
def test_core_failures_write_nothing(fake, profiles, capsys, host_answer_, calibrate_answer, says):
    set_answers(fake, host=host_answer_, calibrate=calibrate_answer)
    status, out, err = profile(capsys)
    assert_one_error_line(status, err)
    assert says in err, err
    assert list(profiles.iterdir()) == [], "nothing half-written, no staging folder left"


def test_id_only_needs_no_core_and_writes_nothing(profiles, capsys, monkeypatch):
    monkeypatch.setenv("RCULAB_CORE", "/nonexistent/rculab-core")
    monkeypatch.setenv("RCULAB_SKIP_SETUP", "1")
    status, out, err = profile(capsys, "--id-only")
    assert (status, out, err) == (0, this_host.current_profile_id() + "\n", "")
    status, out, err = profile(capsys, "--id-only", "--json")
    assert status == 0 and json.loads(out)["profile_id"] == this_host.current_profile_id()
    assert not profiles.exists()


@pytest.mark.parametrize("flags", [
    ["--bogus"],
    ["--seconds"],
    ["--seconds", "0"],
    ["--seconds", "abc"],
    ["--id-only", "--refresh"],
    ["--no-calibrate", "--seconds", "1"],
    ["--preset", "nope"],
    ["extra"],
])
def test_bad_flags_are_one_line_and_exit_2(flags):
    done = run_shim("profile", *flags)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("rculab: error: "), done.stderr
