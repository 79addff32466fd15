"""Small pieces shared by the cells: the width-2 temporal convolution and state defaults."""

from __future__ import annotations

import torch
from torch import nn

from .backends import dispatch
from .fused import conv2


def shift_in_time(xs: torch.Tensor, x_prev: torch.Tensor) -> torch.Tensor:
    """x_{t-1} for every t of a time-major sequence, given the step before the window."""
    return torch.cat([x_prev.unsqueeze(0), xs[:-1]], dim=0)


class CausalConv2(nn.Module):
    """Width-2 causal convolution over time: W x_t + V x_{t-1} + b, for all t in one matmul each.

    This is the learnware of T-LSTM/T-GRU (and QRNN with width 2). It sees only
    inputs, never the recurrent state, so it can be batched over the whole sequence.
    The last input is part of the carried state so windows of truncated BPTT join up.
    """

    def __init__(self, d_in: int, d_out: int):
        super().__init__()
        self.now = nn.Linear(d_in, d_out)
        self.prev = nn.Linear(d_in, d_out, bias=False)

    def forward(self, xs: torch.Tensor, x_prev: torch.Tensor) -> torch.Tensor:
        def plain():  # what the checker sees: two Linear contractions and a sum
            return self.now(xs) + self.prev(shift_in_time(xs, x_prev))

        def fused():  # same values: two GEMMs accumulating into one buffer, no shifted copy
            return conv2(xs, x_prev.expand(xs.shape[1:]), self.now.weight, self.prev.weight, self.now.bias)

        out, _ = dispatch(
            "width-2 convolution", (xs, x_prev), reference=plain, torch_impl=fused if xs.dim() == 3 else plain
        )
        return out


def zeros_state(xs: torch.Tensor, width: int) -> torch.Tensor:
    """A (batch, width) zero state on the inputs' device and dtype."""
    return xs.new_zeros(xs.shape[1], width)
