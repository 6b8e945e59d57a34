"""Argument types and flags shared by several commands."""
from __future__ import annotations

import argparse
from typing import Optional

from lab.base import paths


# The C++ side's limits, checked here too so that a run does not fail halfway
# through (rculab-core torture and calibrate --seconds, torture --readers,
# rculab-bench --duration).
CORE_MAX_SECONDS = 86400
CORE_MAX_READERS = 4096
BENCH_MAX_SECONDS = 3600


def seconds(maximum: float):
    """An argparse type: seconds in (0, maximum] (not NaN, not infinity)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
        if not 0 < value <= maximum:
            raise argparse.ArgumentTypeError(f"expected seconds in (0, {maximum:g}], got {text!r}")
        return value
    return parse


def whole_number(minimum: int, maximum: Optional[int] = None):
    """An argparse type: a whole number >= minimum (and <= maximum, if given)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {text!r}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum}, got {text!r}")
        return value
    return parse


positive_int = whole_number(1)


def add_preset_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--preset", choices=paths.PRESETS, default=paths.DEFAULT_PRESET,
                        help="CMake preset to build and use (default: %(default)s)")


def name_list(text: str) -> list:
    """a,b,c -> ["a", "b", "c"]; empty names are mistakes."""
    names = [name.strip() for name in text.split(",")]
    if not names or any(not name for name in names):
        raise argparse.ArgumentTypeError(f"expected comma-separated names, got {text!r}")
    return names
