"""The parity task of Adaptive Computation Time (Graves 2016, section 3.1).

Each input is one vector of ``bits`` entries: a random number k in 1..bits of them
(the first k) are set to +1 or -1 at random, the rest are 0; the target is 1 when the
number of +1 entries is odd. The network sees the vector once (a sequence of length 1)
and may ponder on it; k is the input's difficulty. Graves used 64 bits; the default
here is 16, so the claim can be checked on a CPU in minutes.

Loss: binary cross-entropy plus ``tau`` times the mean ponder cost N + R (for cores that
ponder). Evaluation on a fixed held-out set: error rate (fraction of wrong parities),
and per difficulty k the error and the mean number of ponder steps N.
"""

from __future__ import annotations

import torch
from torch import nn


class ParityNet(nn.Module):
    """Core (one time step, pondering if it can) -> linear read-out of one parity logit."""

    def __init__(self, core: nn.Module, tau: float):
        super().__init__()
        self.core = core
        self.head = nn.Linear(core.d_out, 1)
        self.tau = tau

    def forward(self, xs):
        """xs (1, B, bits) -> (logits (B,), ponder steps N (B,), ponder cost N + R (B,))."""
        if hasattr(self.core, "forward_with_ponder"):
            out, _, ponder = self.core.forward_with_ponder(xs)
            steps, cost = ponder[-1, :, 0], ponder[-1, :, :].sum(-1)
        else:
            out, _ = self.core(xs)
            steps = cost = out.new_ones(out.shape[1])
        return self.head(out[-1]).squeeze(-1), steps, cost


def make_batch(bits: int, batch: int, generator: torch.Generator, device) -> tuple:
    """inputs (1, B, bits), targets (B,), difficulties k (B,)."""
    k = torch.randint(1, bits + 1, (batch,), generator=generator)
    signs = torch.randint(0, 2, (batch, bits), generator=generator).float() * 2 - 1
    mask = (torch.arange(bits).unsqueeze(0) < k.unsqueeze(1)).float()
    x = signs * mask
    target = ((x > 0).sum(-1) % 2).float()
    return x.unsqueeze(0).to(device), target.to(device), k


class ParityTask:
    name = "parity"
    default_steps = 3000
    default_batch_size = 128
    default_seq_len = 16  # the number of bits
    default_lr = 1e-3
    metric = "error"
    metric_lower_is_better = True
    metric_label = "parity error rate (held-out)"
    item_unit = "vectors"
    loss_unit = "nats/vector"  # binary cross-entropy (+ tau x ponder cost)
    train_loss_to_metric = None
    eval_size = 4096

    def __init__(self, batch_size: int, seq_len: int, device: torch.device, seed: int = 0, tau: float = 1e-3):
        self.batch_size, self.bits, self.device, self.tau = batch_size, seq_len, device, tau
        self.generator = torch.Generator().manual_seed(seed + 1)
        self.sizes = {"bits": seq_len, "eval_vectors": self.eval_size, "ponder_cost_tau": tau}

    @property
    def core_input(self) -> int:
        return self.bits

    def build(self, core: nn.Module) -> nn.Module:
        return ParityNet(core, self.tau)

    def loss(self, net, step: int):
        xs, target, _ = make_batch(self.bits, self.batch_size, self.generator, self.device)
        logits, _, cost = net(xs)
        bce = nn.functional.binary_cross_entropy_with_logits(logits.float(), target)
        return bce + self.tau * cost.float().mean(), target.shape[0]

    def state_dict(self):
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, d):
        self.generator.set_state(d["generator"])

    @torch.no_grad()
    def evaluate(self, net, final: bool) -> dict:
        gen = torch.Generator().manual_seed(12_345)  # the same held-out vectors every time
        xs, target, k = make_batch(self.bits, self.eval_size, gen, self.device)
        logits, steps, _ = net(xs)
        wrong = ((logits.float() > 0).float() != target).float().cpu()
        steps = steps.float().cpu()
        result = {"error": wrong.mean().item(), "mean_ponder": steps.mean().item()}
        if final:
            result["by_difficulty"] = {
                str(d): {"error": wrong[k == d].mean().item(), "ponder": steps[k == d].mean().item()}
                for d in range(1, self.bits + 1)
                if (k == d).any()
            }
        return result
