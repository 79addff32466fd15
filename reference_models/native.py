"""The compiled CPU firmware: ``_firmware.cpp`` built with ``torch.utils.cpp_extension`` on first use.

Why compiled: the typed cells' firmware is a few elementwise operations per step over
the B*H columns, sequential in time. As torch ops it costs about as much as the
learnware GEMMs (one dispatch and one memory pass per operation and step); fused into
one loop per direction that keeps the state in cache, vectorises over the hidden units
(gcc ``-O3 -march=native -ffast-math``, glibc's vector ``exp``) and runs the batch rows
on torch's threads, it costs a few milliseconds (benchmarks/scan_vs_cudnn.py measures
the overhead over the GEMMs alone).

Build and cache: the first call compiles (about 30 s on 2 cores; a line on stderr says
so) into ``$XDG_CACHE_HOME/typecheck-nn/firmware/<key>`` (default ``~/.cache``), where
the key hashes the source, flags, torch and Python versions and this CPU's instruction
set flags, so later processes only load the library. If there is no C++ compiler or
ninja, or the build fails, ``firmware()`` returns None once with a warning and every
caller uses its torch implementation (same results, slower).

``REFERENCE_MODELS_FIRMWARE=torch`` selects the torch implementation without building
(tests use it to keep that path covered; benchmarks to compare).
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
import shutil
import sys
import warnings
from pathlib import Path
from types import ModuleType

import torch

SOURCE = Path(__file__).with_name("_firmware.cpp")
CFLAGS = ("-O3", "-march=native", "-ffast-math", "-fopenmp")
LDFLAGS = ("-fopenmp",)
ENV = "REFERENCE_MODELS_FIRMWARE"

# modes of gated_forward / gated_backward
TLSTM, TGRU = 0, 1


def _cpu_flags() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return line
    except OSError:
        pass
    return platform.processor()


def cache_dir() -> Path:
    """Where the built library lives: one directory per (source, flags, torch, python, CPU)."""
    key = hashlib.sha256(
        "\n".join(
            [SOURCE.read_text(), " ".join(CFLAGS + LDFLAGS), torch.__version__, sys.version, _cpu_flags()]
        ).encode()
    ).hexdigest()[:16]
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "typecheck-nn" / "firmware" / key


def wanted() -> bool:
    """False when the user asked for the torch firmware (``REFERENCE_MODELS_FIRMWARE=torch``)."""
    return os.environ.get(ENV, "native").strip().lower() != "torch"


def toolchain_present() -> bool:
    """A C++ compiler and ninja (what ``cpp_extension.load`` needs) are on PATH."""
    return bool(shutil.which(os.environ.get("CXX", "c++")) and shutil.which("ninja"))


@functools.lru_cache(maxsize=1)
def _build() -> ModuleType | None:
    if not toolchain_present():
        warnings.warn(
            "no C++ compiler or ninja found: the typed cells use the (slower) torch firmware",
            RuntimeWarning,
            stacklevel=3,
        )
        return None
    from torch.utils.cpp_extension import load

    build_dir = cache_dir()
    build_dir.mkdir(parents=True, exist_ok=True)
    name = "reference_models_firmware_" + build_dir.name
    if not any(build_dir.glob(f"{name}*.so")):
        print(f"building the compiled CPU firmware once (~30 s), cached in {build_dir}", file=sys.stderr, flush=True)
    try:
        return load(
            name=name,
            sources=[str(SOURCE)],
            extra_cflags=list(CFLAGS),  # copies: load() appends torch's own flags to these lists
            extra_ldflags=list(LDFLAGS),
            build_directory=str(build_dir),
            verbose=False,
        )
    except Exception as err:  # noqa: BLE001 - any build problem means "use the torch firmware"
        warnings.warn(
            f"building the compiled CPU firmware failed ({err!r}); using the torch firmware",
            RuntimeWarning,
            stacklevel=3,
        )
        return None


def firmware() -> ModuleType | None:
    """The compiled module (building it on first use), or None: use the torch firmware."""
    return _build() if wanted() else None


def usable(*tensors: torch.Tensor) -> ModuleType | None:
    """The compiled module if these tensors can go through it (CPU, not being traced), else None."""
    if not all(t.device.type == "cpu" for t in tensors):
        return None
    return firmware()
