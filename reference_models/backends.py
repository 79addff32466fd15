"""One dispatcher for the reference models' kernels: Triton -> compiled C++ -> plain torch.

Every fused op of the typed cells (the scan of ``scan.py``, the T-LSTM and T-GRU firmware
of ``fused.py``) has up to four implementations of the same equations:

* ``reference`` - the defining per-step loop in torch ops. It runs whenever the model is
  being traced (``torch.export``, meta or fake tensors), so the checker sees the
  equations rather than an opaque kernel;
* ``triton`` - a Triton kernel, on CUDA tensors (or CPU tensors under Triton's
  interpreter, ``TRITON_INTERPRET=1``, which is how the kernels are tested without a GPU);
* ``native`` - the compiled CPU firmware of ``native.py`` (C++, built on first use);
* ``torch`` - the same loop in torch ops without autograd, for any device.

``dispatch`` picks the first one that applies, in that order, and says which it ran, so
each op states its ladder once and every cell goes through the same rules (and the same
tracing test). A Triton kernel that fails to compile or launch warns once per call and
falls through to the next rung: a broken toolchain must not stop training.
``triton_kernels`` is the one lazy loader: Triton is imported, and a module's kernels
built, on first use only; without Triton it returns None and the ladder skips that rung.
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Callable
from typing import TypeVar

import torch

from . import native

__all__ = ["dispatch", "is_tracing", "triton_kernels", "triton_runs_on"]

R = TypeVar("R")


def is_tracing(*tensors: torch.Tensor) -> bool:
    """True while torch.export / meta / fake-tensor tracing runs through the model."""
    if torch.compiler.is_exporting():
        return True
    from torch._subclasses.fake_tensor import FakeTensor

    return any(t.is_meta or isinstance(t, FakeTensor) for t in tensors)


def triton_runs_on(t: torch.Tensor) -> bool:
    """Whether a Triton kernel can take this tensor: a CUDA tensor, or a CPU tensor under
    Triton's interpreter (``TRITON_INTERPRET=1``, read when the kernels are first built).

    The interpreter case exists so the GPU kernels are tested on machines without a GPU
    (tests/reference_models/test_triton_interpret.py); it is far slower than the CPU path.
    """
    return t.is_cuda or (t.device.type == "cpu" and os.environ.get("TRITON_INTERPRET") == "1")


@functools.lru_cache(maxsize=1)
def _triton():
    try:
        import triton
        import triton.language as tl
    except Exception:  # noqa: BLE001 - any import problem means "no Triton rung"
        return None
    return triton, tl


def triton_kernels(build: Callable[..., tuple]) -> Callable[[], tuple | None]:
    """Decorator: ``build(triton, tl) -> kernels`` runs on the first call of the returned
    loader, which then returns ``(triton, *kernels)`` (cached), or None without Triton."""

    @functools.lru_cache(maxsize=1)
    def load():
        mods = _triton()
        return None if mods is None else (mods[0], *build(*mods))

    load.__name__ = load.__qualname__ = build.__name__
    load.__doc__ = build.__doc__
    return load


def dispatch(
    label: str,
    tensors: tuple[torch.Tensor, ...],
    *,
    torch_impl: Callable[[], R],
    reference: Callable[[], R] | None = None,
    triton: Callable[[], R] | None = None,
    kernels: Callable[[], tuple | None] | None = None,
    native_impl: Callable[[object], R] | None = None,
    native_ok: bool = True,
) -> tuple[R, str]:
    """Run the first applicable implementation; returns (result, "reference" | "triton" | "native" | "torch").

    ``tensors[0]`` decides the device; all of them are checked for tracing. ``native_ok``
    lets an op refuse the compiled rung for inputs it does not cover (dtype, empty).
    """
    if reference is not None and is_tracing(*tensors):
        return reference(), "reference"
    probe = tensors[0]
    if triton is not None and triton_runs_on(probe) and (kernels is None or kernels() is not None):
        try:
            return triton(), "triton"
        except Exception as err:  # noqa: BLE001 - a broken toolchain must not stop training
            warnings.warn(f"Triton {label} failed ({err!r}); using the next backend", RuntimeWarning, stacklevel=3)
    if native_impl is not None and native_ok:
        lib = native.usable(*tensors)
        if lib is not None:
            return native_impl(lib), "native"
    return torch_impl(), "torch"
