"""Models users actually run: torch's TransformerEncoder and tiny random configs from
`transformers` (GPT-2, BERT, Llama). They must check strongly typed without crashing."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import typecheck_nn

transformers = pytest.importorskip("transformers")


def _tokens():
    return torch.randint(0, 100, (2, 8))


def _assert_strong(report):
    (model,) = report.models
    assert model.error is None, model.error
    assert model.strongly_typed is True, [v.message for v in model.violations]
    assert not [n for n in model.notes if n.code == "TNN100"], [n.message for n in model.notes]
    assert model.complete, model.unchecked
    assert model.graph is not None and len(model.graph.nodes) > 50
    return model


def test_torch_transformer_encoder():
    layer = nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64, batch_first=True)
    model = _assert_strong(typecheck_nn.check(nn.TransformerEncoder(layer, num_layers=2), torch.randn(2, 5, 32)))
    assert model.recurrence.has_recurrence is False


def test_gpt2():
    cfg = transformers.GPT2Config(n_layer=2, n_head=2, n_embd=32, vocab_size=100, n_positions=16)
    model = _assert_strong(typecheck_nn.check(transformers.GPT2LMHeadModel(cfg), _tokens()))
    assert model.recurrence.has_recurrence is False
    # the tied embedding is one typed parameter, used both as a lookup and as the output matrix
    assert any(n.id.endswith("wte.weight") for n in model.graph.nodes)


def test_bert():
    cfg = transformers.BertConfig(
        num_hidden_layers=2,
        num_attention_heads=2,
        hidden_size=32,
        intermediate_size=64,
        vocab_size=100,
        max_position_embeddings=16,
    )
    _assert_strong(typecheck_nn.check(transformers.BertModel(cfg), _tokens()))


def test_llama():
    cfg = transformers.LlamaConfig(
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        hidden_size=32,
        intermediate_size=64,
        vocab_size=100,
        max_position_embeddings=16,
    )
    _assert_strong(typecheck_nn.check(transformers.LlamaForCausalLM(cfg), _tokens()))


def test_torch_transformer_decoder_is_checked_on_the_recorded_path():
    """nn.TransformerDecoder inspects its mask's values (a data-dependent branch inside
    torch): export gives up, the recorded path is checked, and a note says so."""
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(32, 4, 64, batch_first=True), 2)

    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.dec = dec

        def forward(self, tgt, mem):
            mask = nn.Transformer.generate_square_subsequent_mask(tgt.shape[1])
            return self.dec(tgt, mem, tgt_mask=mask)

    report = typecheck_nn.check(Decoder(), torch.randn(2, 5, 32), torch.randn(2, 7, 32))
    model = report.models[0]
    assert model.error is None, model.error
    assert model.trace_method == "recorded-path"
    assert model.strongly_typed is True
    assert [n.code for n in model.notes if n.code == "TNN102"]
    assert not [n for n in model.notes if n.code == "TNN100"], [n.message for n in model.notes]


def test_mixture_of_experts_keeps_expert_matrices_visible():
    """transformers' MoE experts run as one grouped matmul kernel; it has a rule."""
    cfg = transformers.MixtralConfig(
        vocab_size=100,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        num_local_experts=4,
        num_experts_per_tok=2,
        max_position_embeddings=32,
    )
    model = _assert_strong(typecheck_nn.check(transformers.MixtralForCausalLM(cfg), _tokens()))
    assert model.recurrence.has_recurrence is False
