"""The fused T-LSTM ops must equal the plain per-step loop, in value and gradient."""

import pytest
import torch

from reference_models import fused
from reference_models._common import shift_in_time
from reference_models.fused import Conv2, TLSTMFirmware, tlstm_firmware_reference
from reference_models.lstm import TLSTM
from reference_models.scan import linear_scan


def _g(T=7, B=3, H=5, dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    G = torch.randn(T, B, 3 * H, generator=g, dtype=dtype).requires_grad_()
    c0 = torch.randn(B, H, generator=g, dtype=dtype).requires_grad_()
    return G, c0


@pytest.mark.parametrize("T", [1, 7, 37])  # 37 spans several CPU time chunks
def test_firmware_gradcheck_double(T):
    G, c0 = _g(T=T)
    assert torch.autograd.gradcheck(TLSTMFirmware.apply, (G, c0), eps=1e-6, atol=1e-7)


def test_firmware_matches_reference_loop():
    G, c0 = _g(T=40, B=4, H=6)
    h, cT = TLSTMFirmware.apply(G, c0)
    h_ref, cT_ref = tlstm_firmware_reference(G, c0)
    torch.testing.assert_close(h, h_ref)
    torch.testing.assert_close(cT, cT_ref)
    wh, wc = torch.randn_like(h), torch.randn_like(cT)
    got = torch.autograd.grad((h * wh).sum() + (cT * wc).sum(), (G, c0))
    ref = torch.autograd.grad((h_ref * wh).sum() + (cT_ref * wc).sum(), (G, c0))
    for a, b in zip(got, ref):
        torch.testing.assert_close(a, b)


def test_conv2_gradcheck_and_matches_linear():
    g = torch.Generator().manual_seed(1)
    T, B, D, E = 5, 3, 4, 6
    args = [
        torch.randn(*s, generator=g, dtype=torch.float64).requires_grad_()
        for s in ((T, B, D), (B, D), (E, D), (E, D), (E,))
    ]
    assert torch.autograd.gradcheck(Conv2.apply, tuple(args), eps=1e-6, atol=1e-7)
    xs, xp, w, v, b = args
    ref = xs @ w.t() + b + shift_in_time(xs, xp) @ v.t()
    torch.testing.assert_close(Conv2.apply(*args), ref)


def _tlstm_reference(model, xs, state=None):
    """TLSTM's defining equations (the traced path), run eagerly."""
    outs, new_state = xs, []
    for l in range(model.num_layers):
        c0, x_prev = state[l] if state else (xs.new_zeros(xs.shape[1], model.hidden), outs.new_zeros(outs.shape[1:]))
        conv = model.conv[l]
        z, f, o = (conv.now(outs) + conv.prev(shift_in_time(outs, x_prev))).chunk(3, dim=-1)
        f, o = torch.sigmoid(f), torch.tanh(o)
        cs = linear_scan(f, (1 - f) * z, c0)
        new_state.append((cs[-1], outs[-1]))
        outs = cs * o
    return outs, tuple(new_state)


def test_tlstm_module_fused_equals_reference():
    torch.manual_seed(0)
    model = TLSTM(6, 5, num_layers=2).double()
    xs = torch.randn(9, 3, 6, dtype=torch.float64, requires_grad=True)
    out, state = model(xs)
    assert "TLSTMFirmware" in type(out.grad_fn).__name__
    ref, ref_state = _tlstm_reference(model, xs)
    torch.testing.assert_close(out, ref)
    out2, _ = model(xs, state)  # carried state (truncated BPTT)
    ref2, _ = _tlstm_reference(model, xs, ref_state)
    torch.testing.assert_close(out2, ref2)
    params = [xs, *model.parameters()]
    w = torch.randn_like(out)
    for a, b in zip(
        torch.autograd.grad((out * w).sum() + out2.sum(), params),
        torch.autograd.grad((ref * w).sum() + ref2.sum(), params),
    ):
        torch.testing.assert_close(a, b)


def test_tlstm_traced_graph_is_the_loop():
    model = TLSTM(6, 5)
    graph = torch.export.export(model, model.example_inputs(), strict=False).graph
    targets = [str(n.target) for n in graph.nodes if n.op == "call_function"]
    assert not any("TLSTMFirmware" in t or "Conv2" in t for t in targets)
    assert sum("sigmoid" in t for t in targets) == 1 and sum("mul" in t for t in targets) >= 4


@pytest.mark.skipif(not torch.cuda.is_available() or fused._triton_kernels() is None, reason="needs CUDA + Triton")
def test_cuda_triton_firmware_matches_reference():
    G, c0 = (t.detach().float().cuda().requires_grad_() for t in _g(T=300, B=8, H=130))
    h, cT = TLSTMFirmware.apply(G, c0)
    h_ref, cT_ref = tlstm_firmware_reference(G, c0)
    torch.testing.assert_close(h, h_ref, rtol=1e-5, atol=1e-5)
    w = torch.randn_like(h)
    for a, b in zip(
        torch.autograd.grad((h * w).sum() + cT.sum(), (G, c0)),
        torch.autograd.grad((h_ref * w).sum() + cT_ref.sum(), (G, c0)),
    ):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)
