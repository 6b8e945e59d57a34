"""Which shared libraries a binary loads, from `ldd`, and which of them a
bundle must carry: all but the C runtime (glibc's own libraries and the
dynamic loader), which the target must have and must not be replaced."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple

# glibc's libraries: the target's own must be used (they match its loader).
C_RUNTIME = re.compile(r"^(ld-linux.*|ld64\.so.*|linux-vdso\.so.*|linux-gate\.so.*|"
                       r"lib(c|m|pthread|dl|rt|resolv|util|anl|nsl|mvec)\.so(\.\d+)*)$")
# "libfoo.so.1 => /usr/lib/x86_64-linux-gnu/libfoo.so.1 (0x...)", "libfoo.so.1 => not found",
# "/lib64/ld-linux-x86-64.so.2 (0x...)", "linux-vdso.so.1 (0x...)"
LDD_LINE = re.compile(r"^\s*(\S+)(?:\s+=>\s+(\S+|not found))?(?:\s+\(0x[0-9a-f]+\))?\s*$")


def parse_ldd(output: str) -> List[Tuple[str, Optional[str]]]:
    """(name, resolved path or None when not found) per library ldd lists."""
    found = []
    for line in output.splitlines():
        match = LDD_LINE.match(line)
        if not match or line.strip().startswith("statically linked"):
            continue
        name, target = match.group(1), match.group(2)
        if target is None:  # the loader or the vdso: a path or a bare name, no arrow
            found.append((Path(name).name, name if name.startswith("/") else None))
        else:
            found.append((name, None if target == "not found" else target))
    return found


def is_c_runtime(name: str) -> bool:
    return bool(C_RUNTIME.match(Path(name).name))


def libraries_to_carry(ldd_outputs: List[str]) -> Dict[str, str]:
    """soname -> path on this host, over every binary; raises ValueError naming
    a library that does not resolve here (a bundle must not miss one)."""
    carry: Dict[str, str] = {}
    for output in ldd_outputs:
        for name, path in parse_ldd(output):
            if is_c_runtime(name):
                continue
            if path is None:
                raise ValueError(f"{name} is not found on this host (ldd)")
            carry[name] = path
    return carry
