"""Chart families of the lab, one module each, sharing plots/style.py.

A family is a module of this package with TITLE and render(sets, out_dir) ->
[file names], raising style.NoData(reason) when the sets hold nothing for it.
Families are found by looking: adding one is adding its module. They render
in name order. (Helpers such as data, rescues, categorical, style and the
HTML report have no TITLE.)"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Dict, List, Sequence, Union

from plots import style


def discover_families() -> tuple:
    modules = (importlib.import_module(f"{__name__}.{info.name}")
               for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name))
    return tuple(m for m in modules if hasattr(m, "TITLE") and hasattr(m, "render"))


FAMILIES = discover_families()


def family_name(module) -> str:
    return module.__name__.rsplit(".", 1)[-1]


def render_all(sets: Sequence, out_dir) -> Dict[str, Union[List[str], str]]:
    """Family name -> files written, or the reason it was skipped."""
    style.assign_backends(p.backend for rs in sets for p in rs.points.values())
    outcome: Dict[str, Union[List[str], str]] = {}
    for module in FAMILIES:
        try:
            outcome[family_name(module)] = module.render(sets, out_dir)
        except style.NoData as why:
            outcome[family_name(module)] = str(why)
    return outcome
