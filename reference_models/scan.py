"""The elementwise linear recurrence c_t = f_t * c_{t-1} + u_t, as one autograd op.

Every strongly-typed cell in this package (T-RNN, T-GRU, T-LSTM, QRNN, the typed
HM-RNN and the typed NTM controller) reduces to this recurrence once its learnware
(f_t and u_t, functions of the inputs only) has been computed for all time steps
with one big matmul or convolution. That is the practical pay-off of strong
typing (Balduzzi & Ghifary, ICML 2016): the firmware is elementwise, so it needs
no matrix product per step and can run as a scan.

Why one autograd node: a Python loop of ``c = f[t] * c + u[t]`` records 2T
autograd nodes and replays them one by one in backward. ``LinearScan`` instead
runs the loop with autograd off and supplies the backward pass itself, which is
the same recurrence run in reverse::

    g_t   = dL/dc_t (total) = grad_out_t + f_{t+1} * g_{t+1}
    dL/du_t = g_t     dL/df_t = g_t * c_{t-1}     dL/dc_0 = f_1 * g_1

Three implementations share those equations:

* ``reference_scan`` - the plain loop. It *defines* the semantics. When the model
  is being traced (``torch.export``, meta or fake tensors) ``linear_scan`` runs
  this loop, so the type checker sees the per-step elementwise recurrence it is
  meant to verify rather than an opaque custom op.
* CPU path - the compiled loop of ``native.py`` (C++, vectorised, rows in parallel),
  or, without a compiler, the loop with in-place ``addcmul`` on (B, H) slices inside
  ``no_grad``; fast because it is one node and allocates nothing per step.
* CUDA path - a Triton kernel, one program per block of (batch x hidden)
  columns walking over time (memory bound, coalesced). Triton is imported lazily;
  without it the CUDA path uses the same loop as the CPU. The choice between these
  is ``backends.dispatch``'s, shared with the fused firmware. With ``TRITON_INTERPRET=1``
  the same kernel also runs on CPU tensors (Triton's interpreter), which is how it is
  tested without a GPU.

Tests check all of them against each other and ``torch.autograd.gradcheck``.
"""

from __future__ import annotations

import torch

from .backends import dispatch, is_tracing, triton_kernels, triton_runs_on

__all__ = ["linear_scan", "reference_scan", "LinearScan", "is_tracing", "triton_runs_on"]


def reference_scan(f: torch.Tensor, u: torch.Tensor, c0: torch.Tensor) -> torch.Tensor:
    """The defining loop: returns all states c_1..c_T stacked on dim 0."""
    c = c0
    states = []
    for t in range(f.shape[0]):
        c = f[t] * c + u[t]
        states.append(c)
    return torch.stack(states)


@triton_kernels
def _triton_kernel(triton, tl):
    """The Triton scan kernel, built on first use (``backends.triton_kernels``); None without Triton."""

    @triton.jit
    def scan_kernel(f_ptr, u_ptr, c0_ptr, out_ptr, T, N, REVERSE: tl.constexpr, BLOCK: tl.constexpr):
        # Forward:  c_t = f_t * c_{t-1} + u_t                 for t = 0..T-1
        # Reverse:  g_t = f_{t+1} * g_{t+1} + u_t             for t = T-1..0
        pid = tl.program_id(0)
        cols = pid * BLOCK + tl.arange(0, BLOCK)
        mask = cols < N
        c = tl.load(c0_ptr + cols, mask=mask, other=0.0).to(tl.float32)
        for i in range(T):
            if REVERSE:
                t = T - 1 - i
                # the bound as a block-shaped tensor: a scalar bool mask is not portable
                # (Triton's interpreter rejects it)
                has_next = (tl.zeros([BLOCK], dtype=tl.int32) + t + 1) < T
                f = tl.load(f_ptr + (t + 1) * N + cols, mask=mask & has_next, other=0.0)
            else:
                t = i
                f = tl.load(f_ptr + t * N + cols, mask=mask, other=0.0)
            u = tl.load(u_ptr + t * N + cols, mask=mask, other=0.0)
            c = f.to(tl.float32) * c + u.to(tl.float32)
            tl.store(out_ptr + t * N + cols, c, mask=mask)

    return (scan_kernel,)


def _run_triton(f, u, c0, reverse: bool):
    triton, kernel = _triton_kernel()
    T = f.shape[0]
    n = f[0].numel()
    out = torch.empty_like(u)
    block = 256
    kernel[(triton.cdiv(n, block),)](f, u, c0, out, T, n, REVERSE=reverse, BLOCK=block)
    return out


def _scan_loop(f, u, c0, reverse: bool):
    """Sequential scan with in-place ops; reverse=True computes g_t = f_{t+1} g_{t+1} + u_t."""
    out = torch.empty_like(u)
    T = f.shape[0]
    if not reverse:
        c = c0
        for t in range(T):
            torch.addcmul(u[t], f[t], c, out=out[t])
            c = out[t]
    else:
        out[T - 1].copy_(u[T - 1])
        for t in range(T - 2, -1, -1):
            torch.addcmul(u[t], f[t + 1], out[t + 1], out=out[t])
    return out


def _run_native(lib, f, u, c0, reverse: bool):
    """Compiled loop: rows of the first state axis in parallel, the rest vectorised."""
    T = f.shape[0]
    rows = f.shape[1] if f.dim() > 1 else 1
    view = (T, rows, -1)
    return lib.scan(f.reshape(view), u.reshape(view), c0.reshape(rows, -1), reverse).view(u.shape)


def _scan(f, u, c0, reverse: bool = False):
    out, _ = dispatch(
        "scan",
        (f, u, c0),
        triton=lambda: _run_triton(f, u, c0, reverse),
        kernels=_triton_kernel,
        native_impl=lambda lib: _run_native(lib, f, u, c0, reverse),
        native_ok=f.shape[0] > 0 and f.dtype in (torch.float32, torch.float64),
        torch_impl=lambda: _scan_loop(f, u, c0, reverse),
    )
    return out


class LinearScan(torch.autograd.Function):
    """c_t = f_t * c_{t-1} + u_t over dim 0, with the reverse scan as its backward."""

    @staticmethod
    def forward(ctx, f, u, c0):
        f, u, c0 = f.contiguous(), u.contiguous(), c0.contiguous()
        with torch.no_grad():
            out = _scan(f, u, c0)
        ctx.save_for_backward(f, c0, out)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        f, c0, out = ctx.saved_tensors
        with torch.no_grad():
            g = _scan(f, grad_out.contiguous(), torch.zeros_like(c0), reverse=True)
            prev = torch.cat([c0.unsqueeze(0), out[:-1]], dim=0)
            grad_f = g * prev
            grad_c0 = f[0] * g[0]
        return grad_f, g, grad_c0


def linear_scan(f: torch.Tensor, u: torch.Tensor, c0: torch.Tensor) -> torch.Tensor:
    """All states of c_t = f_t * c_{t-1} + u_t; f, u: (T, *S), c0: S. Returns (T, *S).

    Computed in float32 (bf16 accumulation over long sequences drifts). Under
    tracing this is exactly ``reference_scan`` so the checker sees the recurrence.
    """

    def fused():
        shape = torch.broadcast_shapes(f.shape, u.shape, (1,) + tuple(c0.shape))
        dtype = torch.promote_types(torch.promote_types(f.dtype, u.dtype), torch.float32)
        return LinearScan.apply(f.to(dtype).expand(shape), u.to(dtype).expand(shape), c0.to(dtype).expand(shape[1:]))

    # the kernel ladder runs inside LinearScan (``_scan``); here: the loop when traced
    out, _ = dispatch("scan", (f, u, c0), reference=lambda: reference_scan(f, u, c0), torch_impl=fused)
    return out
