"""The fused scan must be the reference loop, value and gradient."""

import pytest
import torch

from reference_models.scan import LinearScan, is_tracing, linear_scan, reference_scan


def _inputs(T=7, B=3, H=5, dtype=torch.float64, requires_grad=True):
    g = torch.Generator().manual_seed(0)
    f = torch.rand(T, B, H, generator=g, dtype=dtype).requires_grad_(requires_grad)
    u = torch.randn(T, B, H, generator=g, dtype=dtype).requires_grad_(requires_grad)
    c0 = torch.randn(B, H, generator=g, dtype=dtype).requires_grad_(requires_grad)
    return f, u, c0


def test_gradcheck_double():
    assert torch.autograd.gradcheck(LinearScan.apply, _inputs(), eps=1e-6, atol=1e-8)


def test_matches_naive_loop_values_and_grads():
    f, u, c0 = _inputs(T=33, B=4, H=6)
    out = linear_scan(f, u, c0)
    ref = reference_scan(f, u, c0)
    torch.testing.assert_close(out, ref)
    weights = torch.randn_like(out)
    grads = torch.autograd.grad((out * weights).sum(), (f, u, c0))
    ref_grads = torch.autograd.grad((ref * weights).sum(), (f, u, c0))
    for a, b in zip(grads, ref_grads):
        torch.testing.assert_close(a, b)


def test_broadcast_gate_and_float32_output():
    f = torch.rand(5, 2, 1, requires_grad=True)
    u = torch.randn(5, 2, 4, dtype=torch.bfloat16)
    c0 = torch.zeros(2, 4)
    out = linear_scan(f, u, c0)
    assert out.dtype == torch.float32 and out.shape == (5, 2, 4)
    torch.testing.assert_close(out, reference_scan(f.expand(5, 2, 4), u.float(), c0))
    out.sum().backward()
    assert f.grad.shape == f.shape


def test_single_autograd_node():
    f, u, c0 = _inputs()
    out = linear_scan(f, u, c0)
    assert type(out.grad_fn).__name__ == "LinearScanBackward"


def test_tracing_uses_reference_loop():
    class Cell(torch.nn.Module):
        def forward(self, f, u, c0):
            return linear_scan(f, u, c0)

    f, u, c0 = (t.detach().float() for t in _inputs(T=4))
    graph = torch.export.export(Cell(), (f, u, c0), strict=False).graph
    targets = [str(n.target) for n in graph.nodes if n.op == "call_function"]
    assert sum("mul" in t for t in targets) == 4  # one f[t] * c per step, no opaque op
    assert not any("LinearScan" in t for t in targets)
    assert is_tracing(torch.empty(1, device="meta"))
    assert not is_tracing(torch.empty(1))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_path_matches_reference():
    f, u, c0 = (t.detach().float().cuda().requires_grad_() for t in _inputs(T=300, B=8, H=130))
    out = linear_scan(f, u, c0)
    ref = reference_scan(f, u, c0)
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)
    w = torch.randn_like(out)
    for a, b in zip(torch.autograd.grad((out * w).sum(), (f, u, c0)), torch.autograd.grad((ref * w).sum(), (f, u, c0))):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)
