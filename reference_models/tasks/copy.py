"""The NTM copy task (Graves et al. 2014): read a sequence of random 8-bit vectors,
then a delimiter, then reproduce the sequence with no input.

Train on lengths 1-20 (one length per batch); evaluate bits wrong per sequence
(thresholded outputs) on fresh sequences at lengths up to 20 and beyond.
"""

from __future__ import annotations

import torch
from torch import nn

BITS = 8
EVAL_LENGTHS = (1, 5, 10, 15, 20, 30, 40, 60)


class CopyNet(nn.Module):
    """Recurrent core over (bits + delimiter) inputs -> linear read-out of 8 bit logits."""

    def __init__(self, core: nn.Module):
        super().__init__()
        self.core = core
        self.head = nn.Linear(core.d_out, BITS)

    def forward(self, xs, state=None):
        out, state = self.core(xs, state)
        return self.head(out), state


def make_batch(length: int, batch: int, generator: torch.Generator, device) -> tuple:
    """inputs (2L+1, B, 9), targets (L, B, 8)."""
    seq = torch.randint(0, 2, (length, batch, BITS), generator=generator).float()
    xs = torch.zeros(2 * length + 1, batch, BITS + 1)
    xs[:length, :, :BITS] = seq
    xs[length, :, BITS] = 1.0
    return xs.to(device), seq.to(device)


class CopyTask:
    name = "copy"
    default_steps = 3000
    default_batch_size = 32
    default_seq_len = 20
    default_lr = 1e-3
    metric = "bits_error_1_20"
    metric_lower_is_better = True
    metric_label = "bits wrong per sequence (lengths 1-20)"
    item_unit = "target vectors"  # one 8-bit vector to reproduce per counted item
    loss_unit = "nats/bit"  # binary cross-entropy per target bit
    train_loss_to_metric = None  # a loss and an error count: not one scale
    core_input = BITS + 1

    def __init__(self, batch_size: int, seq_len: int, device: torch.device, seed: int = 0):
        self.batch_size, self.max_len, self.device = batch_size, seq_len, device
        self.generator = torch.Generator().manual_seed(seed + 1)
        self.sizes = {"train_lengths": [1, seq_len]}

    def build(self, core: nn.Module) -> nn.Module:
        return CopyNet(core)

    def _loss(self, net, xs, target):
        logits, _ = net(xs)
        return nn.functional.binary_cross_entropy_with_logits(logits[-target.shape[0] :].float(), target), logits

    def loss(self, net, step: int):
        length = int(torch.randint(1, self.max_len + 1, (1,), generator=self.generator))
        xs, target = make_batch(length, self.batch_size, self.generator, self.device)
        loss, _ = self._loss(net, xs, target)
        return loss, target.shape[0] * target.shape[1]

    def state_dict(self):
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, d):
        self.generator.set_state(d["generator"])

    @torch.no_grad()
    def bits_error(self, net, length: int, sequences: int = 256) -> float:
        gen = torch.Generator().manual_seed(10_000 + length)
        xs, target = make_batch(length, sequences, gen, self.device)
        _, logits = self._loss(net, xs, target)
        wrong = ((logits[-length:].float() > 0).float() != target).float()
        return wrong.sum().item() / sequences

    def evaluate(self, net, final: bool) -> dict:
        if not final:
            gen = torch.Generator().manual_seed(99)
            errs = [self.bits_error(net, int(n), 64) for n in torch.randint(1, self.max_len + 1, (8,), generator=gen)]
            return {"bits_error_1_20": sum(errs) / len(errs)}
        per_len = {str(n): self.bits_error(net, n) for n in EVAL_LENGTHS}
        held_out = [self.bits_error(net, n, 128) for n in range(1, self.max_len + 1)]
        return {
            "bits_error_1_20": sum(held_out) / len(held_out),
            "bits_error_by_length": per_len,
            "max_bits_error_1_20": max(held_out),
        }
