"""Shared loader for the real-code harnesses: import a fetched file as it is.

A harness never copies or edits the fetched file: it puts the repository's folder under
`benchmarks/realcode/files/` on `sys.path` (so that the file's sibling imports resolve as
they do in the repository) and imports the file, by its dotted module name for a package
file, or by path under a unique name for a script.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REALCODE = Path(__file__).resolve().parents[1]
FILES = REALCODE / "files"
BENCHMARKS = REALCODE.parent


def allow_torchvision_import() -> None:
    """torchvision (and timm, which imports it) needs the primer's shim next to CPU torch."""
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    import primer_compat

    primer_compat.allow_torchvision_import()


def load(repo_dir: str, relpath: str, module: str | None = None) -> ModuleType:
    """Import `files/<repo_dir>/<relpath>`; `module` is its dotted name for package files."""
    root = FILES / repo_dir
    path = root / relpath
    for entry in (str(path.parent), str(root)):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    if module is not None:
        return importlib.import_module(module)
    name = "realcode_" + (repo_dir + "__" + relpath[:-3]).replace("/", "_").replace("-", "_").replace(".", "_")
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod
