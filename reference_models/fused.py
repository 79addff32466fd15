"""Fused T-LSTM kernels: the learnware as accumulated GEMMs, the whole firmware as one op.

T-LSTM (Balduzzi & Ghifary 2016, eq. 8) splits into

* learnware ``G = W x_t + V x_{t-1} + b`` (``G = [z, f, o]`` pre-activations, width-2
  causal convolution over the inputs), and
* firmware ``f = sigmoid(.)``, ``o = tanh(.)``, ``c_t = f c_{t-1} + (1 - f) z``, ``h = c o``.

``conv2`` computes the learnware for all T*B rows with two GEMMs that accumulate into
one output buffer (``addmm`` then ``addmm_`` on the row-shifted slice, since in a
time-major ``(T*B, D)`` matrix ``x_{t-1}`` is the same matrix moved by B rows). That
needs neither the concatenated input ``[x_t; x_{t-1}]`` nor a separate add pass; on the
2-core CPU it measured the same as one GEMM over the concatenation (39.1 vs 39.9 ms),
without the copy. Its backward is three more accumulated GEMMs.

``tlstm_firmware`` is one ``autograd.Function`` for the whole firmware. It saves only
the pre-activations (which exist anyway) and the cell states, and recomputes the gates
in backward. Backward is the reverse scan::

    a_t = dh_t o_t                       (gradient reaching c_t from h_t)
    g_t = a_t + f_{t+1} g_{t+1}          (g_T also gets dL/dc_T)
    dz = g (1 - f)    df = g (c_{t-1} - z) f (1 - f)    do = dh c (1 - o^2)
    dc_0 = f_1 g_1

* CPU, compiled (``native.py``): one C++ loop per direction, vectorised over the hidden
  units and parallel over the batch rows, built on first use and cached. This is the
  default; it makes the firmware a few percent of the GEMMs' time.
* CPU, torch (the fallback without a compiler, and ``REFERENCE_MODELS_FIRMWARE=torch``):
  time is cut into chunks of a few steps so each chunk's gates stay in cache;
  the gates are computed per chunk with whole-chunk ops and the scan itself is an
  in-place ``addcmul`` per step on contiguous (B, H) slices.
* CUDA: one Triton kernel forward and one backward, each program owning a block of
  the B*H columns and walking over time with the state in registers (fp32).

Neither is used while the model is traced (``torch.export`` / meta / fake tensors):
``TLSTM`` then runs the plain per-step loop, which defines the semantics the
checker verifies. ``tests/reference_models/test_fused.py`` gradchecks both ops in
double precision and compares them with that loop.
"""

from __future__ import annotations

import torch

from . import native
from .backends import dispatch, triton_kernels

__all__ = [
    "conv2",
    "tlstm_firmware",
    "tlstm_firmware_reference",
    "tgru_firmware",
    "tgru_firmware_reference",
    "Conv2",
    "TLSTMFirmware",
    "TGRUFirmware",
]


def _autocast_dtype(device_type: str, dtype: torch.dtype) -> torch.dtype:
    if torch.is_autocast_enabled(device_type):
        return torch.get_autocast_dtype(device_type)
    return dtype


class Conv2(torch.autograd.Function):
    """G = x_t W^T + x_{t-1} V^T + b for time-major x (T, B, D); accumulated GEMMs."""

    @staticmethod
    def forward(ctx, xs, x_prev, w, v, b):
        T, B, D = xs.shape
        dtype = _autocast_dtype(xs.device.type, xs.dtype)
        ctx.dtypes = (xs.dtype, x_prev.dtype, w.dtype, v.dtype, None if b is None else b.dtype)
        X = xs.to(dtype).reshape(T * B, D)
        xp = x_prev.to(dtype).reshape(B, D)
        W, V = w.to(dtype), v.to(dtype)
        if b is None:
            G = torch.mm(X, W.t())
        else:
            G = torch.addmm(b.to(dtype), X, W.t())
        if T > 1:
            G[B:].addmm_(X[:-B], V.t())
        G[:B].addmm_(xp, V.t())
        ctx.save_for_backward(X, xp, W, V)
        ctx.has_bias = b is not None
        ctx.shape = (T, B, D)
        return G.view(T, B, -1)

    @staticmethod
    def backward(ctx, dG):
        X, xp, W, V = ctx.saved_tensors
        T, B, D = ctx.shape
        dG = dG.reshape(T * B, -1).to(X.dtype)
        dx = dxp = dw = dv = db = None
        if ctx.needs_input_grad[0]:
            dx = torch.mm(dG, W)
            if T > 1:
                dx[:-B].addmm_(dG[B:], V)
            dx = dx.view(T, B, D).to(ctx.dtypes[0])
        if ctx.needs_input_grad[1]:
            dxp = torch.mm(dG[:B], V).to(ctx.dtypes[1])
        if ctx.needs_input_grad[2]:
            dw = torch.mm(dG.t(), X).to(ctx.dtypes[2])
        if ctx.needs_input_grad[3]:
            dv = torch.mm(dG[:B].t(), xp)
            if T > 1:
                dv.addmm_(dG[B:].t(), X[:-B])
            dv = dv.to(ctx.dtypes[3])
        if ctx.has_bias and ctx.needs_input_grad[4]:
            db = dG.sum(0).to(ctx.dtypes[4])
        return dx, dxp, dw, dv, db


def conv2(xs, x_prev, w, v, b):
    return Conv2.apply(xs, x_prev, w, v, b)


# ---------------------------------------------------------------- firmware: reference


def tlstm_firmware_reference(G: torch.Tensor, c0: torch.Tensor):
    """The defining per-step loop (what the checker sees): returns (h (T,B,H), c_T)."""
    z, f, o = G.chunk(3, dim=-1)
    f, o = torch.sigmoid(f), torch.tanh(o)
    u = (1 - f) * z
    c, hs = c0, []
    for t in range(G.shape[0]):
        c = f[t] * c + u[t]
        hs.append(c * o[t])
    return torch.stack(hs), c


# ---------------------------------------------------------------- firmware: CPU

_CHUNK = 16


def _cpu_forward(G, c0):
    T, B, H3 = G.shape
    H = H3 // 3
    C = G.new_empty(T, B, H)
    Hout = G.new_empty(T, B, H)
    c = c0
    for s in range(0, T, _CHUNK):
        e = min(s + _CHUNK, T)
        z, fp, op = G[s:e, :, :H], G[s:e, :, H : 2 * H], G[s:e, :, 2 * H :]
        f = torch.sigmoid(fp)
        u = torch.addcmul(z, f, z, value=-1.0)  # (1 - f) z
        for t in range(e - s):
            torch.addcmul(u[t], f[t], c, out=C[s + t])
            c = C[s + t]
        torch.mul(C[s:e], torch.tanh(op), out=Hout[s:e])
    return Hout, C


def _cpu_backward(G, c0, C, dh, dcT):
    T, B, H3 = G.shape
    H = H3 // 3
    dG = torch.empty_like(G)
    g_next = dcT.clone()  # accumulates into g_T-1 below
    f_next = None
    for e in range(T, 0, -_CHUNK):
        s = max(e - _CHUNK, 0)
        z, fp, op = G[s:e, :, :H], G[s:e, :, H : 2 * H], G[s:e, :, 2 * H :]
        f = torch.sigmoid(fp)
        o = torch.tanh(op)
        dh_c = dh[s:e]
        c = C[s:e]
        # do = dh c (1 - o^2)
        tmp = dh_c * c
        torch.addcmul(tmp, tmp * o, o, value=-1.0, out=dG[s:e, :, 2 * H :])
        g = dh_c * o  # becomes g in place by the reverse scan
        n = e - s
        if f_next is None:
            g[n - 1].add_(g_next)
        else:
            g[n - 1].addcmul_(f_next, g_next)
        for t in range(n - 2, -1, -1):
            g[t].addcmul_(f[t + 1], g[t + 1])
        g_next, f_next = g[0], f[0]
        # dz = g (1 - f)
        gf = g * f
        torch.sub(g, gf, out=dG[s:e, :, :H])
        # df = g f (1 - f) (c_prev - z) = (gf - gf f)(c_prev - z)
        if s == 0:
            c_prev = torch.cat([c0.unsqueeze(0), C[: e - 1]], 0) if e > 1 else c0.unsqueeze(0)
        else:
            c_prev = C[s - 1 : e - 1]
        torch.mul(torch.addcmul(gf, gf, f, value=-1.0), c_prev - z, out=dG[s:e, :, H : 2 * H])
    dc0 = f_next * g_next
    return dG, dc0


# ---------------------------------------------------------------- firmware: CUDA (Triton)


@triton_kernels
def _triton_kernels(triton, tl):
    """The Triton firmware kernels, built on first use (``backends.triton_kernels``); None without Triton."""

    @triton.jit
    def fwd_kernel(g_ptr, c0_ptr, c_ptr, h_ptr, T, B, H, BLOCK: tl.constexpr):
        pid = tl.program_id(0)
        cols = pid * BLOCK + tl.arange(0, BLOCK)  # over B*H
        N = B * H
        mask = cols < N
        b = cols // H
        j = cols - b * H
        gcol = b * (3 * H) + j
        c = tl.load(c0_ptr + cols, mask=mask, other=0.0).to(tl.float32)
        for t in range(T):
            base = t * B * 3 * H
            z = tl.load(g_ptr + base + gcol, mask=mask, other=0.0).to(tl.float32)
            fp = tl.load(g_ptr + base + gcol + H, mask=mask, other=0.0).to(tl.float32)
            op = tl.load(g_ptr + base + gcol + 2 * H, mask=mask, other=0.0).to(tl.float32)
            f = 1.0 / (1.0 + tl.exp(-fp))
            c = f * c + (1.0 - f) * z
            tl.store(c_ptr + t * N + cols, c, mask=mask)
            tl.store(
                h_ptr + t * N + cols,
                (c * (2.0 / (1.0 + tl.exp(-2.0 * op)) - 1.0)).to(h_ptr.dtype.element_ty),
                mask=mask,
            )

    @triton.jit
    def bwd_kernel(g_ptr, c0_ptr, c_ptr, dh_ptr, dcT_ptr, dg_ptr, dc0_ptr, T, B, H, BLOCK: tl.constexpr):
        pid = tl.program_id(0)
        cols = pid * BLOCK + tl.arange(0, BLOCK)
        N = B * H
        mask = cols < N
        b = cols // H
        j = cols - b * H
        gcol = b * (3 * H) + j
        g = tl.load(dcT_ptr + cols, mask=mask, other=0.0).to(tl.float32)  # f_{t+1} g_{t+1} for t = T-1
        c = tl.load(c_ptr + (T - 1) * N + cols, mask=mask, other=0.0)
        f_next = tl.zeros([BLOCK], dtype=tl.float32) + 1.0
        for i in range(T):
            t = T - 1 - i
            base = t * B * 3 * H
            z = tl.load(g_ptr + base + gcol, mask=mask, other=0.0).to(tl.float32)
            fp = tl.load(g_ptr + base + gcol + H, mask=mask, other=0.0).to(tl.float32)
            op = tl.load(g_ptr + base + gcol + 2 * H, mask=mask, other=0.0).to(tl.float32)
            dh = tl.load(dh_ptr + t * N + cols, mask=mask, other=0.0).to(tl.float32)
            tv = tl.zeros([BLOCK], dtype=tl.int32) + t
            c_prev = tl.load(c_ptr + (t - 1) * N + cols, mask=mask & (tv > 0), other=0.0) + tl.load(
                c0_ptr + cols, mask=mask & (tv == 0), other=0.0
            )
            f = 1.0 / (1.0 + tl.exp(-fp))
            o = 2.0 / (1.0 + tl.exp(-2.0 * op)) - 1.0  # tanh, stable for large |x|
            g = dh * o + f_next * g
            out_ty = dg_ptr.dtype.element_ty
            tl.store(dg_ptr + base + gcol, (g * (1.0 - f)).to(out_ty), mask=mask)
            tl.store(dg_ptr + base + gcol + H, (g * (c_prev - z) * f * (1.0 - f)).to(out_ty), mask=mask)
            tl.store(dg_ptr + base + gcol + 2 * H, (dh * c * (1.0 - o * o)).to(out_ty), mask=mask)
            f_next = f
            c = c_prev
        tl.store(dc0_ptr + cols, f_next * g, mask=mask)

    return fwd_kernel, bwd_kernel


_BLOCK = 128
_WARPS = 4


def _cuda_forward(G, c0):
    triton, fwd, _ = _triton_kernels()
    T, B, H3 = G.shape
    H = H3 // 3
    C = torch.empty(T, B, H, device=G.device, dtype=torch.float32)
    Hout = torch.empty(T, B, H, device=G.device, dtype=G.dtype)
    fwd[(triton.cdiv(B * H, _BLOCK),)](G, c0, C, Hout, T, B, H, BLOCK=_BLOCK, num_warps=_WARPS)
    return Hout, C


def _cuda_backward(G, c0, C, dh, dcT):
    triton, _, bwd = _triton_kernels()
    T, B, H3 = G.shape
    H = H3 // 3
    dG = torch.empty_like(G)
    dc0 = torch.empty(B, H, device=G.device, dtype=torch.float32)
    bwd[(triton.cdiv(B * H, _BLOCK),)](G, c0, C, dh, dcT, dG, dc0, T, B, H, BLOCK=_BLOCK, num_warps=_WARPS)
    return dG, dc0


class TLSTMFirmware(torch.autograd.Function):
    """(G (T,B,3H) = [z, f, o] pre-activations, c0 (B,H)) -> (h (T,B,H), c_T (B,H)).

    The states are kept in float32 (float64 for float64 inputs); h comes out in G's
    dtype when that is a 16-bit type (bf16 autocast), else in the state dtype.
    """

    @staticmethod
    def forward(ctx, G, c0):
        cd = torch.float64 if G.dtype == torch.float64 else torch.float32
        ctx.c0_dtype = c0.dtype
        G = G.contiguous()
        c0 = c0.to(cd).contiguous()
        with torch.no_grad():
            (Hout, C), ctx.backend = dispatch(
                "T-LSTM firmware",
                (G,),
                triton=lambda: _cuda_forward(G, c0),
                kernels=_triton_kernels,
                native_impl=lambda lib: lib.gated_forward(G.to(cd).contiguous(), c0, native.TLSTM),
                torch_impl=lambda: _cpu_forward(G.to(cd), c0),
            )
            if ctx.backend != "triton" and G.dtype in (torch.bfloat16, torch.float16):
                Hout = Hout.to(G.dtype)
        ctx.save_for_backward(G, c0, C)
        return Hout, C[-1].clone()

    @staticmethod
    def backward(ctx, dh, dcT):
        G, c0, C = ctx.saved_tensors
        if dh is None:
            dh = torch.zeros(C.shape, device=C.device, dtype=G.dtype)
        if dcT is None:
            dcT = torch.zeros_like(c0)
        with torch.no_grad():
            if ctx.backend == "triton":
                dG, dc0 = _cuda_backward(G, c0, C, dh.contiguous(), dcT.to(c0.dtype).contiguous())
            else:
                cd = c0.dtype
                args = (G.to(cd).contiguous(), c0, C, dh.to(cd).contiguous(), dcT.to(cd).contiguous())
                if ctx.backend == "native":
                    dG, dc0 = native.firmware().gated_backward(*args, native.TLSTM)
                else:
                    dG, dc0 = _cpu_backward(*args)
                dG = dG.to(G.dtype)
        return dG, dc0.to(ctx.c0_dtype)


def tlstm_firmware(G: torch.Tensor, c0: torch.Tensor):
    """Fused T-LSTM firmware; see the module docstring. Returns (h, c_T).

    The backend (Triton, compiled C++, torch) is ``backends.dispatch``'s choice in forward;
    backward uses the same one.
    """
    return TLSTMFirmware.apply(G, c0)


# ---------------------------------------------------------------- T-GRU firmware (compiled CPU only)


def tgru_firmware_reference(G: torch.Tensor, h0: torch.Tensor) -> torch.Tensor:
    """T-GRU's defining loop: h_t = sigmoid(f_t) h_{t-1} + z_t tanh(o_t); returns all h (T, B, H)."""
    z, f, o = G.chunk(3, dim=-1)
    f, u = torch.sigmoid(f), z * torch.tanh(o)
    h, hs = h0, []
    for t in range(G.shape[0]):
        h = f[t] * h + u[t]
        hs.append(h)
    return torch.stack(hs)


class TGRUFirmware(torch.autograd.Function):
    """(G (T,B,3H) = [z, f, o] pre-activations, h0 (B,H)) -> all states h (T,B,H), in one compiled op.

    Backward: g_t = dh_t + f_{t+1} g_{t+1};  dz = g o,  df = g h_{t-1} f (1 - f),
    do = g z (1 - o^2),  dh_0 = f_1 g_1. Only used where ``native.usable`` says so;
    T-GRU otherwise computes the gates with torch ops and calls ``linear_scan``.
    """

    @staticmethod
    def forward(ctx, G, h0):
        cd = torch.float64 if G.dtype == torch.float64 else torch.float32
        ctx.dtypes = (G.dtype, h0.dtype)
        G = G.to(cd).contiguous()
        h0 = h0.to(cd).contiguous()
        with torch.no_grad():
            _, C = native.firmware().gated_forward(G, h0, native.TGRU)
        ctx.save_for_backward(G, h0, C)
        return C

    @staticmethod
    def backward(ctx, dh):
        G, h0, C = ctx.saved_tensors
        with torch.no_grad():
            dG, dh0 = native.firmware().gated_backward(
                G, h0, C, dh.to(G.dtype).contiguous(), torch.zeros_like(h0), native.TGRU
            )
        return dG.to(ctx.dtypes[0]), dh0.to(ctx.dtypes[1])


def tgru_firmware(G: torch.Tensor, h0: torch.Tensor) -> torch.Tensor:
    return TGRUFirmware.apply(G, h0)
