"""ACT (reference_models/act.py): the halting arithmetic, the early exit, the cell without
ACT, the parity task's metrics, and (slow) the paper's claim on a small budget."""

import pytest
import torch

from reference_models import act
from reference_models.act import TACTRNN, ACTElman, ponder_weights
from reference_models.train import TrainConfig, train


def test_ponder_weights_follow_graves():
    """h = 0.3, 0.5, 0.4: the sum reaches 1 - eps at the third step, so N = 3, R = 1 - 0.8,
    and p = (0.3, 0.5, 0.2)."""
    cum, running = torch.zeros(1, 1), torch.ones(1, 1)
    ps = []
    for n, h in enumerate((0.3, 0.5, 0.4, 0.9)):
        p, r, cum, running = ponder_weights(torch.full((1, 1), h), cum, running, last=n == 3)
        ps.append(p.item())
    assert ps == pytest.approx([0.3, 0.5, 0.2, 0.0])
    assert running.item() == 0


@pytest.mark.parametrize("cls", [ACTElman, TACTRNN])
def test_early_exit_equals_the_bounded_loop(cls, monkeypatch):
    """Outside tracing the loop stops once all rows halted; the bounded loop (what the checker
    sees) gives the same outputs, states, ponder counts and gradients."""
    torch.manual_seed(0)
    model = cls(d_in=5, hidden=8, max_ponder=12)
    with torch.no_grad():  # a small halting bias: rows halt after different numbers of steps
        model.cell.halt.bias.fill_(-1.5)
    xs = torch.randn(3, 6, 5)

    def run():
        model.zero_grad()
        out, state, ponder = model.forward_with_ponder(xs)
        (out.square().sum() + ponder[..., 1].sum()).backward()
        return out, state, ponder, [p.grad.clone() for p in model.parameters()]

    early = run()
    monkeypatch.setattr(act, "is_tracing", lambda *tensors: True)
    bounded = run()
    steps = early[2][..., 0]
    assert steps.min() < steps.max()  # rows halted at different steps
    assert (steps.amax(1) < 12).any()  # and at some t all before the bound: the loop left early
    for a, b in zip(early[:3], bounded[:3], strict=True):
        torch.testing.assert_close(a, b)
    for a, b in zip(early[3], bounded[3], strict=True):
        torch.testing.assert_close(a, b)


def test_max_ponder_one_is_the_plain_cell():
    torch.manual_seed(0)
    model = ACTElman(d_in=3, hidden=4, max_ponder=1)
    xs = torch.randn(5, 2, 3)
    out, _, ponder = model.forward_with_ponder(xs)
    h, expected = torch.zeros(2, 4), []
    for t in range(5):
        h = torch.tanh(model.cell.W(torch.cat([xs[t], torch.ones(2, 1)], -1)) + model.cell.U(h))
        expected.append(h)
    torch.testing.assert_close(out, torch.stack(expected))
    assert (ponder[..., 0] == 1).all() and (ponder[..., 1] == 1).all()  # N = 1, R = 1


def _parity(model, tmp_path, steps, max_ponder, hidden=16, **kw):
    cfg = TrainConfig(
        model=model,
        task="parity",
        steps=steps,
        hidden=hidden,
        max_ponder=max_ponder,
        device="cpu",
        out=tmp_path / f"{model}-{max_ponder}",
        eval_every=max(steps // 2, 1),
        seq_len=kw.pop("bits", 8),
        **kw,
    )
    return train(cfg)


@pytest.mark.parametrize("model", ["act-rnn", "t-act-rnn"])
def test_parity_trains_and_reports_ponder_by_difficulty(model, tmp_path):
    m = _parity(model, tmp_path, steps=4, max_ponder=5)
    by_k = m["final"]["by_difficulty"]
    assert set(by_k) == {str(k) for k in range(1, 9)}
    assert all(1 <= v["ponder"] <= 5 for v in by_k.values())
    assert 0 <= m["final"]["error"] <= 1 and m["steps_done"] == 4
    assert m["data"]["ponder_cost_tau"] == 1e-3


@pytest.mark.slow
def test_act_beats_the_same_cell_without_act_on_parity(tmp_path):
    """Graves' parity claim at a small budget (8 bits, 1,500 steps): same cell, same parameters."""
    with_act = _parity("act-rnn", tmp_path, steps=1500, max_ponder=8, hidden=64)
    without = _parity("act-rnn", tmp_path, steps=1500, max_ponder=1, hidden=64)
    assert with_act["params_total"] == without["params_total"]
    assert with_act["final"]["error"] < 0.7 * without["final"]["error"], (with_act["final"], without["final"])
