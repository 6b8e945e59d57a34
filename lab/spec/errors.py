"""Spec mistakes name the spec and the field: `rculab: error: FILE: group[1].readers[0]: ...`."""
from __future__ import annotations

from lab.base.errors import LabError

USAGE_EXIT = 2


class SpecError(LabError):
    """Raised with a field; `located(source)` prefixes the file or preset once known."""

    def __init__(self, field: str, problem: str, source: str = ""):
        self.field, self.problem, self.source = field, problem, source
        prefix = f"{source}: " if source else ""
        super().__init__(f"{prefix}{field}: {problem}" if field else f"{prefix}{problem}", USAGE_EXIT)

    def located(self, source: str) -> "SpecError":
        return SpecError(self.field, self.problem, source)
