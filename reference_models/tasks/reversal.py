"""Sequence reversal (the attention experiment): read a sequence of random symbols and emit it
backwards, trained on lengths 1..L and evaluated at L and at 2L (never seen in training).

Inputs are one-hot symbols (T, B, vocab); the model emits one output per position and a
linear read-out gives the symbol logits. Metrics: per-symbol accuracy on fixed held-out
sequences of each evaluated length, and whole-sequence accuracy.
"""

from __future__ import annotations

import torch
from torch import nn

VOCAB = 8


class ReversalNet(nn.Module):
    """Encoder-decoder core over one-hot symbols -> linear read-out of symbol logits."""

    def __init__(self, core: nn.Module):
        super().__init__()
        self.core = core
        self.head = nn.Linear(core.d_out, VOCAB)

    def forward(self, xs):
        out, _ = self.core(xs)
        return self.head(out)


def make_batch(length: int, batch: int, generator: torch.Generator, device) -> tuple:
    """inputs (L, B, vocab) one-hot, targets (L, B): the symbols reversed in time."""
    symbols = torch.randint(0, VOCAB, (length, batch), generator=generator)
    xs = nn.functional.one_hot(symbols, VOCAB).float()
    return xs.to(device), symbols.flip(0).to(device)


class ReversalTask:
    name = "reverse"
    default_steps = 3000
    default_batch_size = 64
    default_seq_len = 10  # the longest training length L
    default_lr = 3e-3
    metric = "accuracy_2x"
    metric_lower_is_better = False
    metric_label = "per-symbol accuracy at 2x the longest trained length"
    item_unit = "symbols"
    loss_unit = "nats/symbol"
    train_loss_to_metric = None
    core_input = VOCAB
    eval_sequences = 512

    def __init__(self, batch_size: int, seq_len: int, device: torch.device, seed: int = 0):
        self.batch_size, self.max_len, self.device = batch_size, seq_len, device
        self.generator = torch.Generator().manual_seed(seed + 1)
        self.sizes = {"train_lengths": [1, seq_len], "vocab": VOCAB, "eval_sequences": self.eval_sequences}

    def build(self, core: nn.Module) -> nn.Module:
        return ReversalNet(core)

    def loss(self, net, step: int):
        length = int(torch.randint(1, self.max_len + 1, (1,), generator=self.generator))
        xs, target = make_batch(length, self.batch_size, self.generator, self.device)
        logits = net(xs)
        return nn.functional.cross_entropy(logits.float().reshape(-1, VOCAB), target.reshape(-1)), target.numel()

    def state_dict(self):
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, d):
        self.generator.set_state(d["generator"])

    @torch.no_grad()
    def accuracy(self, net, length: int) -> tuple[float, float]:
        """(per-symbol, whole-sequence) accuracy on fixed sequences of one length."""
        gen = torch.Generator().manual_seed(20_000 + length)
        xs, target = make_batch(length, self.eval_sequences, gen, self.device)
        right = net(xs).argmax(-1) == target
        return right.float().mean().item(), right.all(0).float().mean().item()

    def evaluate(self, net, final: bool) -> dict:
        lengths = (
            (self.max_len, 2 * self.max_len)
            if not final
            else (5, self.max_len, 3 * self.max_len // 2, 2 * self.max_len)
        )
        acc = {n: self.accuracy(net, n) for n in lengths}
        result = {
            "accuracy_1x": acc[self.max_len][0],
            "accuracy_2x": acc[2 * self.max_len][0],
            "sequence_accuracy_2x": acc[2 * self.max_len][1],
        }
        if final:
            result["accuracy_by_length"] = {str(n): a for n, (a, _) in acc.items()}
        return result
