"""The report, findings first (lab/analysis/findings.py, plots/report.py):
findings derived from the data, each linking its evidence; claims that hold
and claims that fail; anomalies; the page's order, its provenance folded
away, balanced HTML, and headless Chromium at two widths."""
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lab.analysis import findings
from lab.records import reader
import synth

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium")
VOID = {"meta", "img", "br", "hr", "link", "input", "source", "wbr"}


@pytest.fixture(scope="module")
def report_set(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    profiles = tmp_path_factory.mktemp("hw-profiles")
    failed = ["read_cost.backend=mb.readers=2.placement=compact"]
    folder = synth.write_set(root, backends=("none", "qsbr", "mb", "memb", "rwlock"),
                             workloads=("read_cost", "read_scalability", "cs_length", "gp_latency", "call_rcu"),
                             readers=(1, 2, 4), updaters=(1,), repetitions=5, pus=2, failed=failed)
    synth.write_profile(profiles, folder.parent.name, pus=2)
    return folder, profiles


def by_kind(found, kind):
    return [f for f in found if f.kind == kind]


def test_findings_state_scalability_standing_crossovers_and_anomalies(report_set):
    folder, _ = report_set
    found = findings.all_findings(reader.load_set(folder))
    scaling = " ".join(f.text for f in by_kind(found, "scalability"))
    assert "read_scalability" in scaling and "from 1 to 2 readers (ideal 2×)" in scaling  # 4 readers oversubscribe
    rwlock = re.search(r"rwlock ([0-9.]+)×", by_kind(found, "scalability")[0].text)
    assert rwlock and float(rwlock.group(1)) < 1.5  # synth's lock word bounces between readers
    standing = [f.text for f in by_kind(found, "standing")]
    assert any("against none" in t and "mb " in t for t in standing)
    # 5 repetitions a side: every ratio has its Hodges-Lehmann CI
    assert all("95% CIs of the ratio" in f.confidence or "≈" in f.confidence for f in by_kind(found, "standing"))
    assert any("rwlock at" in f.text for f in by_kind(found, "crossover"))
    anomalies = by_kind(found, "anomaly")
    assert len(anomalies) == 1 and "1 point failed (crash)" in anomalies[0].text
    assert anomalies[0].evidence == findings.PROBLEMS_ANCHOR


def claim(found, words):
    return next(f for f in found if f.kind == "claim" and words in f.text)


def test_a_claim_holds_fails_or_is_not_measured_as_the_data_say(tmp_path):
    with_qsbr = synth.write_set(tmp_path / "a", backends=("none", "qsbr"), workloads=("read_cost",),
                                readers=(1,), repetitions=5)
    found = findings.all_findings(reader.load_set(with_qsbr))
    assert claim(found, "QSBR's read side").verdict == "holds"  # synth: qsbr 0.65 ns, none 0.71
    assert claim(found, "call_rcu keeps updaters").verdict == "not measured"
    # synth's urcu-qsbr costs 1.12 ns against none's 0.71: the same claim fails
    with_twin = synth.write_set(tmp_path / "b", backends=("none", "qsbr", "urcu-qsbr"), workloads=("read_cost",),
                                readers=(1,), repetitions=5)
    assert claim(findings.all_findings(reader.load_set(with_twin)), "QSBR's read side").verdict == "fails"


def test_a_claim_n_cannot_decide_is_undecided(tmp_path):
    """mb against memb from 3 repetitions whose ranges overlap: no verdict."""
    folder = synth.write_set(tmp_path, backends=("mb", "memb"), workloads=("read_cost",), readers=(1,),
                             repetitions=3)
    rs = reader.load_set(folder)
    for key, point in rs.points.items():  # make the two overlap: mb's middle repetition below memb's
        if point.backend == "mb":
            point.repetitions[1].counters["reader_ops"] *= 100
    assert claim(findings.all_findings(rs), "memory barrier").verdict == "undecided"


class Balance(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.ids, self.links, self.h2 = [], [], set(), [], []
        self._in_h2 = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            if attrs["id"] in self.ids:
                self.errors.append(f"duplicate id {attrs['id']}")
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href", "").startswith("#"):
            self.links.append(attrs["href"][1:])
        if tag == "h2":
            self._in_h2 = True
            self.h2.append("")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag == "h2":
            self._in_h2 = False
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()

    def handle_data(self, data):
        if self._in_h2:
            self.h2[-1] += data


@pytest.fixture(scope="module")
def report_page(report_set):
    folder, profiles = report_set
    env = dict(os.environ, RCULAB_HW_PROFILES=str(profiles))
    done = subprocess.run([sys.executable, "-m", "plots", "report", str(folder)], capture_output=True, text=True,
                          cwd=str(REPO), env=env)
    assert done.returncode == 0, done.stderr
    return folder / "report" / "index.html"


def test_the_page_opens_with_findings_and_every_evidence_link_lands(report_page):
    text = report_page.read_text()
    page = Balance()
    page.feed(text)
    page.close()
    assert page.errors == [] and page.stack == []  # balanced, no duplicate id
    assert page.h2[0] == "Findings" and page.h2[1] == "Contents"
    assert [link for link in page.links if link not in page.ids] == []
    assert "w-read_scalability" in page.links and findings.PROBLEMS_ANCHOR in page.links
    assert not re.search(r"""(src|href)=["'](https?:)?//""", text)  # offline: nothing fetched
    # provenance: the handful of facts on top, the rest folded away
    provenance = text[text.index('id="provenance"'):]
    assert "Synthetic Xeon" in provenance and "5fb965e0a1b2" in provenance
    assert provenance.index("<details>") > provenance.index("rculab commit")
    assert "failed<small>crash</small>" in text  # the failed point shows in its pivot cell


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install -y chromium)")
@pytest.mark.parametrize("width", [1400, 600])
def test_chromium_renders_the_report_at_two_widths_without_overflow(report_page, tmp_path, width):
    shot = tmp_path / f"report-{width}.png"
    base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            f"--window-size={width},1600", "--virtual-time-budget=5000"]
    subprocess.run(base + [f"--screenshot={shot}", report_page.as_uri()], capture_output=True, timeout=120)
    assert shot.stat().st_size > 10_000  # drawn, not blank
    dom = subprocess.run(base + ["--dump-dom", report_page.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    check = re.search(r'id="image-check" data-images="(\d+)" data-broken="(\d+)" data-scroll-width="(\d+)" '
                      r'data-viewport-width="(\d+)"', dom)
    assert check, dom[-2000:]
    images, broken, scroll, viewport = map(int, check.groups())
    assert images > 0 and broken == 0
    assert scroll <= viewport  # wide tables scroll inside their box, the page does not


def scale_counter(rs, counter, factor, workload, backend=None, **params):
    """Multiply `counter` in every repetition of the matching points (a broken
    or a better backend, made to order)."""
    hit = 0
    for point in rs.points.values():
        if point.workload == workload and (backend is None or point.backend == backend) and \
                all(point.params.get(k) == v for k, v in params.items()):
            for rep in point.repetitions:
                rep.counters[counter] = round(rep.counters[counter] * factor)
            hit += 1
    assert hit, (workload, backend, params)


@pytest.fixture
def desnoyers_set(tmp_path):
    folder = synth.write_set(tmp_path, backends=("qsbr", "urcu-qsbr", "urcu-signal", "urcu-mb", "ptmutex", "rwlock"),
                             workloads=("read_scalability", "cs_length", "update_rate"), readers=(1, 2),
                             updaters=(1,), repetitions=5, pus=2)
    return reader.load_set(folder)


def test_the_flavor_order_claim_fails_where_mb_reads_slower_than_per_thread_mutexes(desnoyers_set):
    """synth, like x86: urcu-mb's two fences (63.9 ns) cost more than an
    uncontended mutex (25.5 ns), against Fig. 6.12's POWER5+ order."""
    order = "outrun per-thread mutexes'"
    found = claim(findings.claims(desnoyers_set), order)
    assert found.verdict == "fails" and "urcu-mb/ptmutex 0." in found.text
    scale_counter(desnoyers_set, "reader_ops", 10, "read_scalability", "urcu-mb")
    assert claim(findings.claims(desnoyers_set), order).verdict == "holds"


def test_the_critical_section_claim_fails_when_locks_stay_apart_on_long_sections(desnoyers_set):
    words = "the less read-side synchronization matters"
    found = claim(findings.claims(desnoyers_set), words)
    assert found.verdict == "holds" and "ptmutex/qsbr at 1000 ns 1.0" in found.text
    scale_counter(desnoyers_set, "reader_ops", 0.5, "cs_length", "ptmutex", cs_ns=1000)
    assert claim(findings.claims(desnoyers_set), words).verdict == "fails"


def test_the_batch_claim_fails_when_batching_gains_less_than_2x(desnoyers_set):
    words = "retiring 64 objects per grace period"
    assert claim(findings.claims(desnoyers_set), words).verdict == "holds"
    scale_counter(desnoyers_set, "updater_ops", 0.6, "update_rate", "qsbr", batch=64)
    found = claim(findings.claims(desnoyers_set), words)
    assert found.verdict == "fails" and "qsbr 1.5" in found.text


def test_the_update_rate_claim_fails_when_per_thread_locks_update_faster(desnoyers_set):
    words = "more updates/s than per-thread-lock updaters"
    found = claim(findings.claims(desnoyers_set), words)
    assert found.verdict == "holds" and "1 reader, 1 updater)" in found.text
    scale_counter(desnoyers_set, "updater_ops", 10, "update_rate", "ptmutex", batch=1, delay_ns=0)
    assert claim(findings.claims(desnoyers_set), words).verdict == "fails"


def test_the_refcount_claim_holds_only_where_refcounted_lookups_collapse(tmp_path):
    """synth's document points scale every variant 2x from 1 to 2 readers:
    the claim fails; refcnt falling at 2 readers and hazptr below rcu make it hold."""
    names = [n for n in synth.catalogue_names(("qsbr",), readers=(1, 2), updaters=(1,))
             if n.startswith("route_table/")]
    rs = reader.load_set(synth.write_listed_set(tmp_path, names))
    rs.manifest["spec"]["pus"] = 2
    words = "per-route reference counting collapses"
    assert claim(findings.claims(rs), words).verdict == "fails"
    scale_counter(rs, "reader_ops", 0.1, "route_table", variant="refcnt", readers=2, updaters=0)
    scale_counter(rs, "reader_ops", 0.6, "route_table", variant="hazptr", updaters=0)
    found = claim(findings.claims(rs), words)
    assert found.verdict == "holds" and "refcnt lookups 0." in found.text
    # hazard pointers that stop scaling break the claim's middle part
    scale_counter(rs, "reader_ops", 0.4, "route_table", variant="hazptr", readers=2, updaters=0)
    assert claim(findings.claims(rs), words).verdict == "fails"


def test_the_call_rcu_claim_pairs_synchronize_with_the_same_readers(tmp_path):
    """call_rcu runs with 1 reader: synchronize at 1 reader is its pair, and
    a set without one says which reader counts it compared."""
    both = synth.write_set(tmp_path / "a", backends=("qsbr",), workloads=("gp_latency", "call_rcu"),
                           readers=(1, 2), updaters=(1,), repetitions=5, pus=2)
    found = claim(findings.claims(reader.load_set(both)), "call_rcu keeps updaters")
    assert "qsbr: " in found.text and "per second (1 reader)" in found.text
    only_two = synth.write_set(tmp_path / "b", backends=("qsbr",), workloads=("gp_latency", "call_rcu"),
                               readers=(2,), updaters=(1,), repetitions=5, pus=2)
    found = claim(findings.claims(reader.load_set(only_two)), "call_rcu keeps updaters")
    assert "(call_rcu with 1 reader, synchronize with 2 readers)" in found.text
