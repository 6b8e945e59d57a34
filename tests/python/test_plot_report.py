"""plot and report: every family from a synthetic set, byte-identical reruns,
skipped families, and the report opened in headless Chromium."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import plots
from lab.records import reader

from analysis_fixtures import small_set
from conftest import run_cli
import synth

FAMILY_FILES = {"read_scalability": "read_scalability-compact", "cs_length": "cs_length-readers",
                "gp_latency": "gp_latency_cdf-readers", "update_rate": "update_rate-readers",
                "call_rcu": "call_rcu-compact", "memory": "memory_backlog-compact",
                "call_rcu_backlog": "call_rcu_backlog-updaters"}
BACKENDS = ("qsbr", "urcu-memb", "urcu-memb-percpu", "rwlock", "none")  # two liburcu memb flavors
# Per micro-benchmark workload a point the runner failed as starved and one the
# reader fails as implausible (a wrapped counter), where every family drawing
# the workload has a figure that holds them.
STARVED = ["read_scalability.backend=urcu-memb-percpu.readers=16.updaters=1.reclaim=sync.placement=compact",
           "cs_length.backend=urcu-memb.readers=16.cs_ns=100.placement=compact",
           "update_rate.backend=urcu-memb.readers=16.updaters=1.delay_ns=1000.batch=1.placement=compact",
           "gp_latency.backend=urcu-memb.readers=16.updaters=4.placement=compact",
           "call_rcu.backend=urcu-memb-percpu.readers=1.updaters=4.interval_ns=0.placement=compact"]
IMPLAUSIBLE = ["read_scalability.backend=urcu-memb.readers=1.updaters=0.reclaim=none.placement=compact",
               "cs_length.backend=urcu-memb-percpu.readers=1.cs_ns=1000.placement=compact",
               "update_rate.backend=urcu-memb-percpu.readers=1.updaters=1.delay_ns=0.batch=64.placement=compact",
               "gp_latency.backend=urcu-memb-percpu.readers=1.updaters=1.placement=compact",
               "call_rcu.backend=qsbr.readers=1.updaters=1.interval_ns=0.placement=compact"]


@pytest.fixture(scope="module")
def set_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    profiles = tmp_path_factory.mktemp("hw-profiles")
    folder = small_set(root, backends=BACKENDS, readers=(1, 16), updaters=(1, 4), repetitions=5,
                       starved=STARVED, implausible=IMPLAUSIBLE)
    synth.write_profile(profiles, folder.parent.name)
    return folder, profiles


def test_the_set_holds_the_failures_the_charts_must_show(set_dir):
    rs = reader.load_set(set_dir[0])
    assert {rs.points[k].error["reason"] for k in STARVED} == {"starved"}
    assert {rs.points[k].error["reason"] for k in IMPLAUSIBLE} == {"implausible"}


def test_every_family_is_drawn_twice_byte_identical(set_dir, tmp_path, capsys):
    folder, _ = set_dir
    outputs = []
    for run in ("one", "two"):
        status, out, err = run_cli(["plot", str(folder), "--out", str(tmp_path / run)], capsys)
        assert status == 0, err
        outputs.append(tmp_path / run)
    names = sorted(p.name for p in outputs[0].iterdir())
    assert names == sorted(p.name for p in outputs[1].iterdir())
    for family, prefix in FAMILY_FILES.items():
        assert any(n.startswith(prefix) and n.endswith(".png") for n in names), family
        assert any(n.startswith(prefix) and n.endswith(".svg") for n in names), family
    for name in names:
        assert (outputs[0] / name).read_bytes() == (outputs[1] / name).read_bytes(), name
    svg = (outputs[0] / "read_scalability-compact.svg").read_text()
    assert "<dc:date>" not in svg


def test_default_output_is_the_sets_charts_folder_and_is_replaced(tmp_path, capsys):
    folder = synth.write_set(tmp_path, backends=("qsbr",), workloads=("read_scalability",), readers=(1, 2),
                             repetitions=3)
    charts = folder / "charts"
    charts.mkdir(exist_ok=True)
    (charts / "stale.png").write_text("old")
    status, out, err = run_cli(["plot", str(folder)], capsys)
    assert status == 0, err
    assert not (charts / "stale.png").exists() and (charts / "read_scalability-compact.png").exists()
    assert not [p for p in folder.iterdir() if p.name.startswith(".charts")]  # no staging left


def test_a_family_without_data_is_skipped_with_a_reason(tmp_path, capsys):
    folder = synth.write_set(tmp_path, backends=("qsbr", "none"), workloads=("read_cost", "read_scalability"),
                             readers=(1, 2), repetitions=3)
    status, out, err = run_cli(["plot", str(folder), "--out", str(tmp_path / "charts")], capsys)
    assert status == 0, err
    assert "read_scalability: 2 files" in out
    assert "gp_latency: skipped: no ok gp_latency points" in out
    assert "memory: skipped:" in out


def test_overlaid_sets_get_one_line_style_each_and_both_captions(tmp_path, monkeypatch):
    a = synth.write_set(tmp_path, set_id="s-a", workloads=("read_scalability",), backends=("qsbr",), readers=(1, 2))
    b = synth.write_set(tmp_path, profile_id="arm-synth-4pu", set_id="s-b", workloads=("read_scalability",),
                        backends=("qsbr",), readers=(1, 2), pus=4)
    figures = []
    monkeypatch.setattr(plots.style, "save", lambda fig, out_dir, stem: figures.append(fig) or [stem])
    plots.read_scalability.render([reader.load_set(a), reader.load_set(b)], tmp_path)
    fig = figures[0]
    styles = {line.get_linestyle() for ax in fig.axes for line in ax.get_lines() if line.get_color() != "#000000"
              and len(line.get_xdata()) == 2}
    assert {"-", "--"} <= styles
    captions = " ".join(t.get_text() for t in fig.texts)
    assert "arm-synth-4pu" in captions and "x86-64-synth-8pu" in captions


CHROMIUM = shutil.which("chromium")


def chromium_dump(url: str):
    result = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
                             "--v=0", "--virtual-time-budget=5000", "--dump-dom", url],
                            capture_output=True, text=True, timeout=120)
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    return result.stdout, console


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install -y chromium)")
def test_chromium_sees_page_errors_and_broken_images(tmp_path):
    """The check below would notice a broken page (so its passing means something)."""
    page = tmp_path / "bad.html"
    page.write_text('<img src="missing.png"><script>undefinedFunction();</script>')
    _, console = chromium_dump(page.as_uri())
    assert any("undefinedFunction" in line for line in console)


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install -y chromium)")
def test_report_loads_offline_with_every_image(set_dir, capsys, monkeypatch):
    folder, profiles = set_dir
    monkeypatch.setenv("RCULAB_HW_PROFILES", str(profiles))  # seen by the plots program too
    status, out, err = run_cli(["report", str(folder)], capsys)
    assert status == 0, err
    index = folder / "report" / "index.html"
    text = index.read_text()
    assert not re.search(r"""(src|href)=["'](https?:)?//""", text)  # nothing fetched from elsewhere
    assert "Synthetic Xeon" in text and "5fb965e0a1b2" in text  # host profile and provenance
    dom, console = chromium_dump(index.as_uri())
    check = re.search(r'id="image-check" data-images="(\d+)" data-broken="(\d+)"', dom)
    assert check, dom[-2000:]
    images, broken = int(check.group(1)), int(check.group(2))
    assert images >= len(FAMILY_FILES) and broken == 0
    assert console == []


def test_families_are_the_plots_modules_with_a_title():
    """Adding a chart family is adding its module: found by looking, in name order."""
    root = Path(plots.__file__).parent
    titled = sorted(p.stem for p in root.glob("*.py") if re.search(r"^TITLE = ", p.read_text(), re.M))
    assert [plots.family_name(m) for m in plots.FAMILIES] == titled
    assert len(titled) >= 18


def test_a_points_summary_is_its_own_after_other_points_are_freed():
    """Summaries are memoized on the point: a module dict keyed by id(point)
    handed a freed point's summary to the next point that got its id (charts
    drawn later in the same process showed another set's numbers)."""
    from lab.records.reader import Point, Repetition
    from plots import data
    for n in range(1, 30):
        reps = [Repetition(i, {"reader_ops": 1e6 * n, "wall_ns": 1e9, "reader_threads": 1}) for i in range(3)]
        point = Point("k", "b", "read_scalability", "qsbr", {}, "ok", None, reps, {}, Path("."))
        assert data.summary(point, "reads_per_s").median == pytest.approx(1e6 * n)
        del point, reps


def documents_set(root: Path) -> Path:
    """The documents' workloads (the catalogue's names, no build needed) on
    qsbr and both liburcu memb flavors; per workload its first urcu-memb
    point of an RCU variant starved, its last urcu-memb-percpu one implausible."""
    from lab.records import catalogue
    names = synth.catalogue_names(("qsbr", "urcu-memb", "urcu-memb-percpu"), readers=(1, 2), updaters=(1,))
    starved, implausible = [], []
    for workload in sorted({n.split("/")[0] for n in names}):
        described = catalogue.workload(workload)
        twins = {v.name for v in described.twin_variants}
        rcu = [n for n in names if n.startswith(workload + "/")
               and dict(synth.parse_listed(n)[2]).get(described.variant_key) not in twins]
        starved.append(next(n for n in rcu if "/backend:urcu-memb/" in n))
        implausible.append([n for n in rcu if "/backend:urcu-memb-percpu/" in n][-1])
    return synth.write_listed_set(root, names, starved=starved, implausible=implausible)


def legends_by_family(sets, out_dir: Path, monkeypatch) -> dict:
    """Render every family; family -> (files written, legend texts of its figures)."""
    texts = {}
    real_save = plots.style.save

    def save(fig, folder, stem):
        texts[stem] = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
        return real_save(fig, folder, stem)
    monkeypatch.setattr(plots.style, "save", save)
    out_dir.mkdir()
    found = {}
    for family, outcome in plots.render_all(sets, out_dir).items():
        if isinstance(outcome, list) and outcome:
            stems = {name.rsplit(".", 1)[0] for name in outcome}
            found[family] = (outcome, [t for stem in sorted(stems) for t in texts[stem]])
    return found


def test_every_family_marks_failed_points_and_tells_the_memb_flavors_apart(set_dir, tmp_path, monkeypatch):
    """Every chart family draws from synthetic sets holding a starved point,
    an implausible one and both liburcu memb flavors: each file is there, the
    legend names both failures, and both flavors (each in its own style)."""
    micro = legends_by_family([reader.load_set(set_dir[0])], tmp_path / "micro", monkeypatch)
    docs = legends_by_family([reader.load_set(documents_set(tmp_path / "results"))], tmp_path / "docs",
                             monkeypatch)
    assert not set(micro) & set(docs)
    drawn = {**micro, **docs}
    assert sorted(drawn) == sorted(plots.family_name(m) for m in plots.FAMILIES)
    for family, (files, legend) in drawn.items():
        folder = tmp_path / ("micro" if family in micro else "docs")
        assert all((folder / name).is_file() for name in files), family
        failed = [t for t in legend if t.startswith("failed:")]
        assert any("starved" in t for t in failed) and any("implausible" in t for t in failed), (family, failed)
        assert {"urcu-memb", "urcu-memb-percpu"} <= set(legend), family


BENCH = Path(__file__).resolve().parents[2] / "build" / "release" / "rculab-bench"


@pytest.mark.skipif(not BENCH.exists(), reason="needs the release build (./rculab setup)")
def test_the_documents_set_has_the_benchmarks_the_binary_lists():
    """The documents' set the charts are drawn from (synth.catalogue_names,
    no build needed) holds exactly the benchmarks rculab-bench lists, given
    the descriptors the build exports (whether bench/workloads/catalogue.json
    is that export is test_catalogue's to say)."""
    from lab.records import catalogue
    core = BENCH.parent / "rculab-core"
    exported = catalogue.parse(subprocess.run([str(core), "list", "--catalogue"], check=True, capture_output=True,
                                              text=True).stdout)
    for backends, readers, updaters in ((("qsbr", "rwlock", "none"), (1, 2), (1,)),
                                        (("qsbr", "urcu-memb", "urcu-memb-percpu"), (1, 2), (1,))):
        listed = subprocess.run([str(BENCH), "--benchmark_list_tests", f"--backends={','.join(backends)}",
                                 f"--readers={','.join(map(str, readers))}",
                                 f"--updaters={','.join(map(str, updaters))}"], check=True, capture_output=True,
                                text=True).stdout.split()
        documents = [n.split("/iterations:")[0] for n in listed if n.split("/")[0] not in synth.WORKLOADS]
        assert documents, "the catalogue lists no document workload"
        assert sorted(synth.catalogue_names(backends, readers, updaters, workloads=exported)) == sorted(documents)
