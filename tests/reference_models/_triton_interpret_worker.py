"""Runs every Triton kernel of reference_models under Triton's CPU interpreter; prints JSON.

Started by ``test_triton_interpret.py`` in a subprocess with ``TRITON_INTERPRET=1`` set
before anything imports triton (the variable is read when a kernel is decorated, and
other tests in the pytest process may already have built the kernels for real). Each
case runs the public autograd op forward and backward on float32 CPU tensors and reports
the largest error against the float64 reference loop. The torch fallbacks are replaced
by functions that raise, and warnings are errors, so a case can only pass through the
Triton kernel itself.
"""

from __future__ import annotations

import json
import os
import sys
import warnings

assert os.environ.get("TRITON_INTERPRET") == "1", "run me with TRITON_INTERPRET=1"

import torch  # noqa: E402

from reference_models import fused, scan  # noqa: E402

TS = (1, 7, 37)
B, H = 3, 100  # B*H = 300 columns: not a multiple of the scan's 256 or the T-LSTM kernels' 128


def _no_fallback(*_args, **_kwargs):
    raise AssertionError("the torch fallback ran instead of the Triton kernel")


def _max_rel_err(got: torch.Tensor, ref: torch.Tensor) -> float:
    return ((got.double() - ref).abs().max() / (1.0 + ref.abs().max())).item()


def scan_case(T: int, seed: int) -> dict:
    g = torch.Generator().manual_seed(seed)
    f64 = torch.rand(T, B, H, generator=g, dtype=torch.float64)
    u64 = torch.randn(T, B, H, generator=g, dtype=torch.float64)
    c64 = torch.randn(B, H, generator=g, dtype=torch.float64)
    leaves = [t.float().requires_grad_() for t in (f64, u64, c64)]
    refs = [t.clone().requires_grad_() for t in (f64, u64, c64)]
    out = scan.LinearScan.apply(*leaves)
    ref = scan.reference_scan(*refs)
    w = torch.randn(ref.shape, generator=g, dtype=torch.float64)
    grads = torch.autograd.grad((out.double() * w).sum(), leaves)
    ref_grads = torch.autograd.grad((ref * w).sum(), refs)
    errors = {"out": _max_rel_err(out, ref)}
    errors.update({f"d{n}": _max_rel_err(a, b) for n, a, b in zip(("f", "u", "c0"), grads, ref_grads)})
    return errors


def tlstm_case(T: int, seed: int) -> dict:
    g = torch.Generator().manual_seed(seed)
    G64 = torch.randn(T, B, 3 * H, generator=g, dtype=torch.float64)
    c64 = torch.randn(B, H, generator=g, dtype=torch.float64)
    G, c0 = G64.float().requires_grad_(), c64.float().requires_grad_()
    G_ref, c_ref = G64.clone().requires_grad_(), c64.clone().requires_grad_()
    h, cT = fused.TLSTMFirmware.apply(G, c0)
    h_ref, cT_ref = fused.tlstm_firmware_reference(G_ref, c_ref)
    wh = torch.randn(h_ref.shape, generator=g, dtype=torch.float64)
    wc = torch.randn(cT_ref.shape, generator=g, dtype=torch.float64)
    grads = torch.autograd.grad((h.double() * wh).sum() + (cT.double() * wc).sum(), (G, c0))
    ref_grads = torch.autograd.grad((h_ref * wh).sum() + (cT_ref * wc).sum(), (G_ref, c_ref))
    return {
        "h": _max_rel_err(h, h_ref),
        "cT": _max_rel_err(cT, cT_ref),
        "dG": _max_rel_err(grads[0], ref_grads[0]),
        "dc0": _max_rel_err(grads[1], ref_grads[1]),
    }


def main() -> int:
    warnings.simplefilter("error")
    if scan._triton_kernel() is None or fused._triton_kernels() is None:
        print(json.dumps({"error": "triton is not importable"}))
        return 3
    scan._scan_loop = _no_fallback
    fused._cpu_forward = _no_fallback
    fused._cpu_backward = _no_fallback
    results = {}
    for T in TS:
        results[f"scan-T{T}"] = scan_case(T, seed=T)
        results[f"tlstm-T{T}"] = tlstm_case(T, seed=100 + T)
    print(json.dumps({"columns": B * H, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
