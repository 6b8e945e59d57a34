"""The docs follow the code: the core counters table (docs/benchmarks.md)
lists exactly what `rculab-bench --list_counters` prints, the CLI reference
(docs/cli.md) names every `rculab` command argparse knows, the README stays a
short page for users, and every relative link in the README and docs/ leads
to a file that exists."""
import re
import subprocess

import pytest

from conftest import REPO_ROOT
from lab import cli

README = REPO_ROOT / "README.md"
COUNTERS_DOC = REPO_ROOT / "docs" / "benchmarks.md"
CLI_DOC = REPO_ROOT / "docs" / "cli.md"
BENCH = REPO_ROOT / "build" / "release" / "rculab-bench"


def table_after(heading_line: str) -> list:
    """First-column cells of the Markdown table right after `heading_line`."""
    lines = COUNTERS_DOC.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading_line))
    cells = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells.append(line.split("|")[1])
    return cells


def documented_counters() -> set:
    names = set()
    for cell in table_after("| counter | unit | meaning |"):
        names.update(n for n in re.findall(r"`([a-z_0-9<>]+)`", cell) if "<" not in n)
    return names


@pytest.mark.skipif(not BENCH.exists(), reason="needs the release build (./rculab setup)")
def test_counter_table_lists_exactly_the_core_counters():
    printed = set(subprocess.run([str(BENCH), "--list_counters"], check=True, capture_output=True,
                                 text=True).stdout.split())
    documented = documented_counters()
    assert printed - documented == set(), "counters rculab-bench reports that docs/benchmarks.md does not explain"
    assert documented - printed == set(), "counters docs/benchmarks.md explains that rculab-bench does not report"


def test_the_counter_check_can_fail():
    assert "wall_ns" in documented_counters()
    assert "no_such_counter" not in documented_counters()


def test_cli_reference_names_every_command():
    commands = set(cli.build_parser()._subparsers._group_actions[0].choices)
    text = CLI_DOC.read_text()
    missing = sorted(c for c in commands if not re.search(rf"rculab {c}\b|`{c}`", text))
    assert missing == [], f"commands docs/cli.md never shows: {missing}"


def test_readme_is_a_short_page_for_users():
    assert len(README.read_text().splitlines()) <= 200


def test_relative_links_lead_to_files():
    broken = []
    for doc in [README, *sorted((REPO_ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", doc.read_text()):
            if not (doc.parent / target).exists():
                broken.append(f"{doc.relative_to(REPO_ROOT)}: {target}")
    assert broken == []


def test_workload_tables_are_generated_from_the_descriptors():
    from lab.records import catalogue
    text = COUNTERS_DOC.read_text()
    start, end = text.index(catalogue.BEGIN_MARK), text.index(catalogue.END_MARK)
    shown = text[start + len(catalogue.BEGIN_MARK) + 1:end]
    assert shown == catalogue.markdown(), (
        "docs/benchmarks.md's workload tables differ from the descriptors; paste the output of "
        "`python3 -m lab.records.catalogue` between its markers")
    assert "| `hash_lookup` | `permanent_misses` |" in shown and "**Must stay 0.**" in shown
