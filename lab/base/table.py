"""Plain-text aligned tables (no third-party dependency)."""
from __future__ import annotations

import re
from typing import Collection, List, Sequence

# Colour escapes (ESC [ ... m) take no room on a terminal: widths ignore them.
ANSI_SGR = re.compile(r"\x1b\[[0-9;]*m")


def visible_len(cell: str) -> int:
    return len(ANSI_SGR.sub("", cell))


def pad(cell: str, width: int, right: bool) -> str:
    fill = " " * max(0, width - visible_len(cell))
    return fill + cell if right else cell + fill


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]],
                 right_aligned: Collection[int] = ()) -> str:
    """Columns padded to their widest cell; columns listed in `right_aligned` (by
    index) are aligned right. A row shorter than the header is a note row: its last
    cell is free text that may run past its column and does not widen it."""
    widths = [visible_len(str(header)) for header in headers]
    for row in rows:
        sized_cells = row if len(row) == len(headers) else row[:-1]
        for i, cell in enumerate(sized_cells):
            widths[i] = max(widths[i], visible_len(str(cell)))

    def render(cells: Sequence[str]) -> str:
        padded = [pad(str(cell), widths[i], i in right_aligned) for i, cell in enumerate(cells)]
        return "  ".join(padded).rstrip()

    lines: List[str] = [render(headers), "  ".join("-" * width for width in widths)]
    lines.extend(render(row) for row in rows)
    return "\n".join(lines)
