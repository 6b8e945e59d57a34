"""Plain-text aligned tables (no third-party dependency)."""
from __future__ import annotations

from typing import Collection, List, Sequence


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]],
                 right_aligned: Collection[int] = ()) -> str:
    """Columns padded to their widest cell; numeric columns (by index) aligned right."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]

    def render(cells: Sequence[str]) -> str:
        padded = [str(cell).rjust(width) if i in right_aligned else str(cell).ljust(width)
                  for i, (cell, width) in enumerate(zip(cells, widths))]
        return "  ".join(padded).rstrip()

    lines: List[str] = [render(headers), "  ".join("-" * width for width in widths)]
    lines.extend(render(row) for row in rows)
    return "\n".join(lines)
