"""Shared test setup.

torchvision's PyPI wheels are built against CUDA torch; next to the CPU torch this project
pins, `import torchvision` (and so every `transformers` model class) fails unless its two
fake-kernel registrations find their op schemas. The primer's compatibility shim declares
them (see benchmarks/primer_compat.py); applying it here makes any subset of the tests,
not only a full run, import transformers the same way.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

_COMPAT = Path(__file__).resolve().parent.parent / "benchmarks" / "primer_compat.py"
_spec = importlib.util.spec_from_file_location("primer_compat", _COMPAT)
if _spec is not None and _spec.loader is not None:
    _module = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_module)
    _module.allow_torchvision_import()
