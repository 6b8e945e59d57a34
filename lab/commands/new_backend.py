"""`rculab new-backend NAME [DIR]`: a folder to start an out-of-tree backend
from (docs/byob.md). It holds the descriptor the build reads
(rculab-backend.txt) and a correct, simple RCU (a global rwlock) that builds
and passes the torture gate, in C (the lab's C ABI) or C++ (its concept),
copied from templates/backend-<form>/ with the name filled in."""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Dict, Sequence

from lab.base import paths
from lab.base.errors import LabError

HELP = "write a folder to start your own backend from: a simple, correct RCU (docs/byob.md)"
DESCRIPTION = """\
Writes DIR (default ./NAME) from templates/backend-c (--form c: the C ABI of
impls/c_abi/rculab_backend.h) or templates/backend-cpp (--form cpp: a C++
type satisfying rculab::Backend): rculab-backend.txt, the backend's sources
and a README. Then point the build at it:
  cmake --preset release -DRCULAB_EXTRA_BACKENDS=DIR   (or RCULAB_EXTRA_BACKENDS=DIR in the environment)
and it is listed, tortured and measured like the lab's own backends."""
NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
FORMS = ("c", "cpp")
USAGE_EXIT = 2


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("new-backend", help=HELP, description=DESCRIPTION,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", help="the backend's name: lower-case letters, digits, '-' and '_'")
    parser.add_argument("dir", nargs="?", help="the folder to write (default: ./NAME); absent or empty")
    parser.add_argument("--form", choices=FORMS, default="c",
                        help="c: functions behind the lab's C ABI (default); cpp: a header-only C++ type")
    parser.set_defaults(handler=main)


def main(args, extra: Sequence[str] = ()) -> int:
    folder = Path(args.dir or args.name).resolve()
    write_backend(args.name, folder, args.form)
    print(f"rculab: wrote {folder}: backend '{args.name}' ({args.form}), a global rwlock to start from", file=sys.stderr)
    print(f"next: cmake --preset release -DRCULAB_EXTRA_BACKENDS={folder} && ./rculab torture --backend {args.name}",
          file=sys.stderr)
    return 0


def builtin_names() -> set:
    """The lab's own backends (impls/backends.cmake): a new one may not take their names."""
    text = (paths.REPO_ROOT / "impls" / "backends.cmake").read_text()
    return set(re.findall(r'"([a-z0-9_-]+)\|impls/', text))


def substitutions(name: str, folder: Path) -> Dict[str, str]:
    ident = name.replace("-", "_")
    return {"@NAME@": name, "@PREFIX@": ident, "@IDENT@": ident,
            "@GUARD@": ident.upper() + "_BACKEND_H", "@DIR@": str(folder)}


def check_request(name: str, folder: Path, form: str) -> None:
    if not NAME.match(name):
        raise LabError(f"new-backend: name '{name}': lower-case letters, digits, '-' and '_', "
                       "starting with a letter", USAGE_EXIT)
    if name in builtin_names():
        raise LabError(f"new-backend: '{name}' is one of the lab's own backends; pick another name", USAGE_EXIT)
    if form not in FORMS:
        raise LabError(f"new-backend: form '{form}': expected one of {', '.join(FORMS)}", USAGE_EXIT)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise LabError(f"new-backend: {folder} exists and is not an empty folder; nothing written")


def write_backend(name: str, folder: Path, form: str) -> Path:
    """Copies templates/backend-<form>/ into `folder`, the name filled in."""
    check_request(name, folder, form)
    template = paths.REPO_ROOT / "templates" / f"backend-{form}"
    values = substitutions(name, folder)
    folder.mkdir(parents=True, exist_ok=True)
    for source in sorted(template.iterdir()):
        text = source.read_text()
        for key, value in values.items():
            text = text.replace(key, value)
        (folder / source.name).write_text(text)
    return folder
