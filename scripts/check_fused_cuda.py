"""CUDA check of the Triton kernels (fused T-LSTM firmware, linear scan) against the plain loops.

No pytest needed on the GPU box; scripts/gpu_session.sh runs it. On CPU the same kernels
are tested under Triton's interpreter (tests/reference_models/test_triton_interpret.py).
"""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from reference_models import fused  # noqa: E402
from reference_models.fused import TLSTMFirmware, tlstm_firmware_reference  # noqa: E402
from reference_models.scan import LinearScan, reference_scan  # noqa: E402

assert torch.cuda.is_available() and fused._triton_kernels() is not None, "needs CUDA + Triton"
torch.manual_seed(0)
ok = True
for dtype, tol in ((torch.float32, 1e-4), (torch.bfloat16, 3e-2)):
    G = torch.randn(300, 8, 3 * 130, device="cuda").to(dtype).requires_grad_()
    c0 = torch.randn(8, 130, device="cuda").requires_grad_()
    h, cT = TLSTMFirmware.apply(G, c0)
    assert cT.dtype == torch.float32
    h_ref, cT_ref = tlstm_firmware_reference(G.float(), c0)
    w = torch.randn_like(h_ref)
    got = torch.autograd.grad((h.float() * w).sum() + cT.sum(), (G, c0))
    ref = torch.autograd.grad((h_ref * w).sum() + cT_ref.sum(), (G, c0))
    errs = [(h.float() - h_ref).abs().max().item(), (cT - cT_ref).abs().max().item()] + [
        ((a.float() - b.float()).abs().max() / (1 + b.float().abs().max())).item() for a, b in zip(got, ref)
    ]
    good = all(e < tol for e in errs)
    ok &= good
    print(
        f"{dtype}: max errors h {errs[0]:.2e} cT {errs[1]:.2e} dG(rel) {errs[2]:.2e} dc0(rel) {errs[3]:.2e} -> {'OK' if good else 'FAIL'}"
    )
for T in (1, 7, 37, 300):  # the scan kernel, forward and reverse (backward), 1,040 columns (not a block multiple)
    f = torch.rand(T, 8, 130, device="cuda", dtype=torch.float64)
    u, c0 = torch.randn_like(f), torch.randn(8, 130, device="cuda", dtype=torch.float64)
    leaves = [t.float().requires_grad_() for t in (f, u, c0)]
    refs = [t.clone().requires_grad_() for t in (f, u, c0)]
    out, ref = LinearScan.apply(*leaves), reference_scan(*refs)
    w = torch.randn_like(ref)
    got = torch.autograd.grad((out.double() * w).sum(), leaves)
    want = torch.autograd.grad((ref * w).sum(), refs)
    errs = [((out.double() - ref).abs().max() / (1 + ref.abs().max())).item()] + [
        ((a.double() - b).abs().max() / (1 + b.abs().max())).item() for a, b in zip(got, want)
    ]
    good = all(e < 1e-5 for e in errs)
    ok &= good
    print(
        f"scan T={T}: max relative errors out/df/du/dc0 {', '.join(f'{e:.1e}' for e in errs)} -> {'OK' if good else 'FAIL'}"
    )
print("FUSED CUDA CHECK", "PASSED" if ok else "FAILED")
sys.exit(0 if ok else 1)
