"""Plain-text aligned tables (no third-party dependency)."""
from __future__ import annotations

from typing import Collection, List, Sequence


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]],
                 right_aligned: Collection[int] = ()) -> str:
    """Columns padded to their widest cell; columns listed in `right_aligned` (by
    index) are aligned right. A row shorter than the header is a note row: its last
    cell is free text that may run past its column and does not widen it."""
    widths = [len(str(header)) for header in headers]
    for row in rows:
        sized_cells = row if len(row) == len(headers) else row[:-1]
        for i, cell in enumerate(sized_cells):
            widths[i] = max(widths[i], len(str(cell)))

    def render(cells: Sequence[str]) -> str:
        padded = [str(cell).rjust(widths[i]) if i in right_aligned else str(cell).ljust(widths[i])
                  for i, cell in enumerate(cells)]
        return "  ".join(padded).rstrip()

    lines: List[str] = [render(headers), "  ".join("-" * width for width in widths)]
    lines.extend(render(row) for row in rows)
    return "\n".join(lines)
