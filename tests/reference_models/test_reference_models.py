"""Every reference model: contract, shapes, export, state carrying, and that it learns."""

import pytest
import torch
from torch.utils._pytree import tree_flatten

from reference_models import MODELS
from reference_models.hmrnn import HMLSTM, THMRNN

NAMES = sorted(MODELS)


@pytest.mark.parametrize("name", NAMES)
def test_contract_and_shapes(name):
    cls = MODELS[name]
    assert isinstance(cls.expected_strongly_typed, bool)
    assert cls.__doc__ and len(cls.__doc__) > 80
    model = cls()
    (xs,) = model.example_inputs()
    T, B = xs.shape[:2]
    out, state = model(xs)
    assert out.shape == (T, B, model.d_out)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("name", NAMES)
def test_state_carries_across_windows(name):
    """Running two halves with carried state equals running the whole sequence."""
    if not getattr(MODELS[name], "carries_state", True):
        pytest.skip("an encoder-decoder: it reads the whole source before its first output")
    torch.manual_seed(0)
    model = MODELS[name]().eval()
    xs = torch.randn(6, 2, model.d_in)
    full, _ = model(xs)
    first, state = model(xs[:3])
    second, _ = model(xs[3:], state)
    torch.testing.assert_close(torch.cat([first, second]), full, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("meta", [False, True])
def test_exports_non_strict(name, meta):
    """torch.export (non-strict) captures the whole forward: the exported program, run on the
    example inputs, returns what the model returns (the same values on real tensors, the same
    structure, shapes and dtypes on the meta device, where there are no values)."""
    torch.manual_seed(0)
    cls = MODELS[name]
    if meta:
        with torch.device("meta"):
            model = cls()
            args = model.example_inputs()
    else:
        model = cls()
        args = model.example_inputs()
    exported = torch.export.export(model, args, strict=False)
    expected, expected_spec = tree_flatten(model(*args))
    got, got_spec = tree_flatten(exported.module()(*args))
    assert got_spec == expected_spec
    assert [(t.shape, t.dtype, t.device) for t in got] == [(t.shape, t.dtype, t.device) for t in expected]
    if not meta:
        torch.testing.assert_close(got, expected)


@pytest.mark.parametrize("name", NAMES)
def test_loss_falls(name):
    """A few dozen Adam steps fit a fixed sequence-regression batch noticeably better."""
    torch.manual_seed(0)
    model = MODELS[name]()
    head = torch.nn.Linear(model.d_out, 3)
    xs = torch.randn(8, 4, model.d_in)
    target = torch.randn(8, 4, 3).cumsum(0) * 0.3
    opt = torch.optim.Adam([*model.parameters(), *head.parameters()], lr=1e-2)
    losses = []
    for _ in range(40):
        loss = torch.nn.functional.mse_loss(head(model(xs)[0]), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0], losses[::8]


@pytest.mark.parametrize("cls", [HMLSTM, THMRNN])
def test_boundary_straight_through_gradient(cls):
    """Binary boundaries in forward, yet gradient reaches the boundary pre-activations."""
    torch.manual_seed(0)
    model = cls()
    xs = torch.randn(6, 2, model.d_in)
    out, _, z = model.forward_with_boundaries(xs)
    assert set(z.unique().tolist()) <= {0.0, 1.0}
    out.sum().backward()
    boundary_rows = (model.recurrent[0] if cls is HMLSTM else model.first.now).weight.grad[4 * model.hidden :]
    assert boundary_rows.abs().sum() > 0


def test_slope_annealing_sharpens_the_straight_through_gradient():
    """Forward is round(hard_sigm(a x)) = [x > 0] for any slope a; the slope shapes the
    backward: gradient a/2 inside |x| < 1/a, zero outside."""
    from reference_models.hmrnn import hard_boundary

    pre = torch.tensor([-0.3, 0.2, 0.4], requires_grad=True)
    grads = {}
    for slope in (1.0, 4.0):
        z = hard_boundary(pre, torch.tensor(slope))
        assert z.tolist() == [0.0, 1.0, 1.0]
        (grads[slope],) = torch.autograd.grad(z.sum(), pre)
    torch.testing.assert_close(grads[1.0], torch.tensor([0.5, 0.5, 0.5]))
    torch.testing.assert_close(grads[4.0], torch.tensor([0.0, 2.0, 0.0]))
    model = THMRNN()
    model.set_slope(3.0)
    assert model.slope.item() == 3.0 and "slope" in model.state_dict()


def test_typed_models_use_one_scan_node_in_training():
    """Typed cells train through the fused op, not a per-step autograd chain."""
    from reference_models.lstm import TLSTM

    model = TLSTM()
    out, _ = model(torch.randn(16, 2, model.d_in))
    names = set()
    stack = [out.grad_fn]
    while stack:
        fn = stack.pop()
        if fn is None or type(fn).__name__ in names:
            continue
        names.add(type(fn).__name__)
        stack.extend(next_fn for next_fn, _ in fn.next_functions)
    assert {"Conv2Backward", "TLSTMFirmwareBackward"} <= names  # learnware GEMMs + one firmware node
    assert "LinearScanBackward" not in names and "SigmoidBackward0" not in names
