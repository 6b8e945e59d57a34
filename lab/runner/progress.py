"""Progress with ETA: Debian's python3-tqdm when importable, else one line that
rewrites itself (bare hosts have no tqdm)."""
from __future__ import annotations

import sys
import time

try:
    from tqdm import tqdm
except ImportError:  # pragma: no cover - depends on the host
    tqdm = None


def clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class PlainProgress:
    def __init__(self, total: int):
        self.total, self.done, self.started = total, 0, time.monotonic()

    def update(self, note: str) -> None:
        self.done += 1
        elapsed = time.monotonic() - self.started
        eta = elapsed / self.done * (self.total - self.done)
        line = (f"[{self.done}/{self.total}] {100 * self.done // max(self.total, 1)}% "
                f"elapsed {clock(elapsed)} ETA {clock(eta)} {note}")
        if sys.stderr.isatty():  # one line, rewritten in place (\x1b[K clears what a longer one left)
            sys.stderr.write("\r" + line + "\x1b[K" + ("\n" if self.done == self.total else ""))
        else:  # a log file: one line per point
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def extend(self, more: int) -> None:
        self.total += more

    def close(self) -> None:
        pass


class TqdmProgress:
    def __init__(self, total: int):
        self.bar = tqdm(total=total, unit="point", file=sys.stderr, dynamic_ncols=True)

    def update(self, note: str) -> None:
        self.bar.set_postfix_str(note, refresh=False)
        self.bar.update(1)

    def extend(self, more: int) -> None:
        self.bar.total += more

    def close(self) -> None:
        self.bar.close()


def progress(total: int):
    return TqdmProgress(total) if tqdm is not None else PlainProgress(total)
