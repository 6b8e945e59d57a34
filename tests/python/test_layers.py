"""The lab in stages (docs/architecture.md): each Python module may import its
own stage and earlier ones, never a later one, at module level or inside a
function; lab/ holds no module at its root but the entry point; the bundle's
runner, which runs on hosts with only python3, imports only the standard
library and the lab modules it carries."""
from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest

REPO = Path(__file__).resolve().parents[2]

# Earlier first: command line at the end, the ground floor at the start.
STAGES = (
    "lab.base",      # errors, paths, subprocesses, text tables
    "lab.records",   # result records: layout, schema, sets, reading, GB JSON
    "lab.setup",     # Debian packages, the build, the binaries, provenance
    "lab.host",      # this host's facts, profile id and profiles
    "lab.spec",      # sweep specs and presets -> plans
    "lab.runner",    # running plans into result sets
    "lab.analysis",  # metrics, statistics, comparisons, summaries
    "lab.torture",   # the torture gate and soak
    "lab.bundle",    # bundles for hosts without a toolchain
    "lab.commands",  # one module per `rculab` command
    "lab.cli",       # the entry point
    "plots",         # charts and the HTML report: a program of its own (python3 -m plots)
)                    # that the commands run as a child process, never import


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def product_modules() -> Dict[str, Path]:
    files = list((REPO / "lab").rglob("*.py")) + list((REPO / "plots").glob("*.py"))
    return {module_name(p): p for p in files if "__pycache__" not in p.parts}


def stage_of(module: str) -> int:
    for index, stage in reversed(list(enumerate(STAGES))):
        if module == stage or module.startswith(stage + "."):
            return index
    return -1


def imports_of(path: Path) -> Iterator[Tuple[int, str]]:
    """(line, imported module) for every absolute import, at any depth; for
    `from M import n`, both M and M.n (n may be a submodule)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "lab":  # `from lab import x`: x is the module
                for alias in node.names:
                    yield node.lineno, f"lab.{alias.name}"
            else:
                yield node.lineno, node.module
                for alias in node.names:
                    yield node.lineno, f"{node.module}.{alias.name}"


def optional_import_lines(path: Path) -> Set[int]:
    """Lines inside `try:` blocks whose handler catches ImportError: imports
    with a fallback (tqdm for progress), which a bare host may lack."""
    lines: Set[int] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Try) and any(
                isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                for h in node.handlers):
            for statement in node.body:
                lines.update(range(statement.lineno, (statement.end_lineno or statement.lineno) + 1))
    return lines


def is_ours(module: str) -> bool:
    return module.split(".")[0] in ("lab", "plots")


def test_every_product_module_belongs_to_a_stage():
    strays = [m for m in product_modules() if m not in ("lab", "lab.__init__") and stage_of(m) < 0]
    assert strays == [], f"modules outside every stage: {strays}"


def test_lab_root_holds_only_the_entry_point():
    root = sorted(p.name for p in (REPO / "lab").glob("*.py"))
    assert root == ["__init__.py", "cli.py"]


def test_no_module_imports_a_later_stage():
    backwards: List[str] = []
    for module, path in sorted(product_modules().items()):
        mine = stage_of(module)
        for line, target in imports_of(path):
            if is_ours(target) and stage_of(target) > mine:
                backwards.append(f"{path.relative_to(REPO)}:{line} {module} ({STAGES[mine]}) imports "
                                 f"{target} ({STAGES[stage_of(target)]})")
            if is_ours(target) and stage_of(target) < 0:
                backwards.append(f"{path.relative_to(REPO)}:{line} imports {target}, in no stage")
    assert backwards == [], "\n".join(backwards)


def test_the_check_sees_a_backward_import(tmp_path):
    """The rule can fail: a records module importing the runner is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from lab.runner import sweep\n")
    targets = [t for _, t in imports_of(bad)]
    assert targets == ["lab.runner", "lab.runner.sweep"]
    assert stage_of("lab.runner") > stage_of("lab.records.combine")


def reachable_from(start: str, modules: Dict[str, Path]) -> Set[str]:
    """The lab modules `start` imports, transitively (packages count with their __init__)."""
    seen, todo = set(), [start]
    while todo:
        module = todo.pop()
        if module in seen or module not in modules:
            continue
        seen.add(module)
        for _, target in imports_of(modules[module]):
            parts = target.split(".")
            for i in range(1, len(parts) + 1):  # a package's __init__ runs first
                todo.append(".".join(parts[:i]))
    return seen


@pytest.mark.skipif(sys.version_info < (3, 10), reason="sys.stdlib_module_names needs Python 3.10")
def test_bundle_runner_imports_only_the_standard_library():
    modules = product_modules()
    carried = reachable_from("lab.bundle.run_sweep", modules)
    assert "lab.runner.sweep" in carried  # the walk follows imports
    foreign = sorted({f"{m}: {t}" for m in carried for line, t in imports_of(modules[m])
                      if not is_ours(t) and t.split(".")[0] not in sys.stdlib_module_names
                      and line not in optional_import_lines(modules[m])})
    assert foreign == [], f"the bundle's runner would need packages a bare host lacks: {foreign}"
