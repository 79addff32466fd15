"""The compiled CPU firmware (native.py / _firmware.cpp) and its torch fallback, in float64.

Both backends are gradchecked and compared with the defining loops. The compiled one is
built on first use and cached under ~/.cache (about 30 s once per machine); without a
compiler or ninja it is skipped (the torch backend still runs), and with them a failed
build is a test failure.
"""

import pytest
import torch

from reference_models import native
from reference_models.fused import TGRUFirmware, TLSTMFirmware, tgru_firmware_reference, tlstm_firmware_reference
from reference_models.gru import TGRU
from reference_models.ntm import TNTM
from reference_models.scan import LinearScan, reference_scan

SIZES = [(1, 3, 5), (7, 2, 13), (37, 3, 5)]  # (T, B, H): H not a multiple of any vector width


@pytest.fixture(params=["native", "torch"])
def backend(request, monkeypatch):
    if request.param == "torch":
        monkeypatch.setenv(native.ENV, "torch")
        assert native.firmware() is None
    else:
        monkeypatch.delenv(native.ENV, raising=False)
        if native.firmware() is None:
            if native.toolchain_present():
                pytest.fail("a C++ compiler and ninja are present but the compiled firmware did not build")
            pytest.skip("no C++ compiler or ninja: the compiled firmware is unavailable (torch firmware tested)")
    return request.param


def _randn(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@pytest.mark.parametrize("T,B,H", SIZES)
def test_tlstm_firmware_gradcheck(backend, T, B, H):
    G, c0 = _randn(T, B, 3 * H).requires_grad_(), _randn(B, H, seed=1).requires_grad_()
    h, _ = TLSTMFirmware.apply(G, c0)
    assert h.grad_fn.backend == backend
    assert torch.autograd.gradcheck(TLSTMFirmware.apply, (G, c0), eps=1e-6, atol=1e-7)
    h_ref, c_ref = tlstm_firmware_reference(G, c0)
    torch.testing.assert_close(h, h_ref)


@pytest.mark.parametrize("T,B,H", SIZES)
def test_scan_gradcheck(backend, T, B, H):
    f = torch.rand(T, B, H, generator=torch.Generator().manual_seed(2), dtype=torch.float64).requires_grad_()
    u, c0 = _randn(T, B, H, seed=3).requires_grad_(), _randn(B, H, seed=4).requires_grad_()
    assert torch.autograd.gradcheck(LinearScan.apply, (f, u, c0), eps=1e-6, atol=1e-8)
    torch.testing.assert_close(LinearScan.apply(f, u, c0), reference_scan(f, u, c0))


@pytest.mark.parametrize("T,B,H", SIZES)
def test_tgru_firmware_gradcheck(backend, T, B, H):
    if backend == "torch":
        pytest.skip("T-GRU has no fused torch op: without the compiled one it runs linear_scan (tested above)")
    G, h0 = _randn(T, B, 3 * H, seed=5).requires_grad_(), _randn(B, H, seed=6).requires_grad_()
    assert torch.autograd.gradcheck(TGRUFirmware.apply, (G, h0), eps=1e-6, atol=1e-7)
    torch.testing.assert_close(TGRUFirmware.apply(G, h0), tgru_firmware_reference(G, h0))


def test_float32_matches_float64_loop(backend):
    G, c0 = _randn(50, 4, 3 * 33), _randn(4, 33, seed=1)
    h, cT = TLSTMFirmware.apply(G.float(), c0.float())
    h_ref, c_ref = tlstm_firmware_reference(G, c0)
    assert h.dtype == torch.float32
    torch.testing.assert_close(h.double(), h_ref, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(cT.double(), c_ref, rtol=1e-5, atol=1e-5)


def test_saturated_gates_stay_finite(backend):
    """Pre-activations of +-1000 must not make inf/nan (exp's argument is clamped in C++)."""
    G = torch.tensor([-1000.0, 1000.0]).repeat(6, 2, 3 * 2 // 2 * 3)[:, :, :6].contiguous().requires_grad_()
    h, cT = TLSTMFirmware.apply(G, torch.zeros(2, 2))
    (h.sum() + cT.sum()).backward()
    assert torch.isfinite(h).all() and torch.isfinite(G.grad).all()


@pytest.mark.parametrize("cls", [TGRU, TNTM])
def test_models_give_the_same_function_on_both_backends(cls, monkeypatch):
    """T-GRU and the typed NTM route through the compiled op: values and gradients unchanged."""
    if native.firmware() is None:
        pytest.skip("no compiled firmware")
    torch.manual_seed(0)
    model = cls(6, 5).double()
    xs = torch.randn(9, 3, 6, dtype=torch.float64, requires_grad=True)
    results = []
    for env in ("native", "torch"):
        monkeypatch.setenv(native.ENV, env)
        out, _ = model(xs)
        grads = torch.autograd.grad(out.sum(), [xs, *model.parameters()])
        results.append((out, grads))
    torch.testing.assert_close(results[0][0], results[1][0])
    for a, b in zip(results[0][1], results[1][1]):
        torch.testing.assert_close(a, b)


def test_build_is_cached_per_machine():
    if native.firmware() is None:
        pytest.skip("no compiled firmware")
    directory = native.cache_dir()
    assert directory == native.cache_dir()  # stable key
    assert any(directory.glob("*.so")), f"no library cached in {directory}"
