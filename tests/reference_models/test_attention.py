"""Attention encoder-decoders (reference_models/seq2seq.py): attention weights, the model
without attention, the reversal task, and (slow) generalisation to twice the length."""

import pytest
import torch

from reference_models.seq2seq import AttentionGRU, AttentionTGRU
from reference_models.train import TrainConfig, train


@pytest.mark.parametrize("cls", [AttentionGRU, AttentionTGRU])
def test_attention_is_a_distribution_over_the_source(cls):
    torch.manual_seed(0)
    model = cls(d_in=4, hidden=8)
    out, _, alpha = model.forward_with_attention(torch.randn(6, 3, 4))
    assert out.shape == (6, 3, 24) and alpha.shape == (6, 6, 3)
    torch.testing.assert_close(alpha.sum(1), torch.ones(6, 3))


@pytest.mark.parametrize("cls", [AttentionGRU, AttentionTGRU])
def test_without_attention_the_output_ignores_the_context(cls):
    """attention=False: no context (zeros), so only the initial state carries the source."""
    torch.manual_seed(0)
    model = cls(d_in=4, hidden=8, attention=False)
    out, _, alpha = model.forward_with_attention(torch.randn(5, 2, 4))
    assert (out[..., 8:] == 0).all() and (alpha == 0).all() and alpha.shape == (5, 5, 2)


def test_typed_decoder_state_does_not_depend_on_attention():
    """The typed decoder's states are the same with and without attention (the context is an
    output only); the classic decoder's are not (its context feeds the state)."""
    torch.manual_seed(0)
    xs = torch.randn(5, 2, 4)
    for cls, same in ((AttentionTGRU, True), (AttentionGRU, False)):
        a = cls(d_in=4, hidden=8)
        b = cls(d_in=4, hidden=8, attention=False)
        b.load_state_dict(a.state_dict())
        da, db = a(xs)[0][..., :8], b(xs)[0][..., :8]
        assert torch.allclose(da, db) is same


def _reverse(model, tmp_path, steps, hidden=16, **kw):
    cfg = TrainConfig(
        model=model,
        task="reverse",
        steps=steps,
        hidden=hidden,
        device="cpu",
        out=tmp_path / model,
        eval_every=max(steps // 2, 1),
        seq_len=kw.pop("seq_len", 6),
        **kw,
    )
    return train(cfg)


@pytest.mark.parametrize("model", ["attn-gru", "t-attn-gru"])
def test_reversal_trains_and_reports_accuracy_by_length(model, tmp_path):
    m = _reverse(model, tmp_path, steps=4)
    assert set(m["final"]["accuracy_by_length"]) == {"5", "6", "9", "12"}
    assert 0 <= m["final"]["accuracy_2x"] <= 1 and m["steps_done"] == 4


@pytest.mark.slow
def test_typed_attention_generalises_to_twice_the_length(tmp_path):
    """Bahdanau's claim on the typed model, in the setting of docs/results.md (fewer steps): at 2x the longest trained
    length, attention is far above the same model without it (chance is 1/8). The classic
    GRU does not meet this margin at the budgets measured (docs/results.md), so it is not
    asserted for it."""
    setting = {"steps": 3000, "hidden": 64, "seq_len": 10}  # the report's, with 3,000 of its 4,000 steps
    with_attention = _reverse("t-attn-gru", tmp_path / "a", **setting)
    without = _reverse("t-attn-gru", tmp_path / "b", **setting, attention=False)
    assert with_attention["final"]["accuracy_2x"] > without["final"]["accuracy_2x"] + 0.25, (
        with_attention["final"],
        without["final"],
    )
