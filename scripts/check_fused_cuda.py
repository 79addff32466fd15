"""CUDA check of the fused T-LSTM ops against the plain loop (no pytest needed on the GPU box)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from reference_models import fused  # noqa: E402
from reference_models.fused import TLSTMFirmware, tlstm_firmware_reference  # noqa: E402

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
print("FUSED CUDA CHECK", "PASSED" if ok else "FAILED")
sys.exit(0 if ok else 1)
