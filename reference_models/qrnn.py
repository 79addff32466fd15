"""Quasi-recurrent neural networks (Bradbury, Merity, Xiong & Socher, ICLR 2017).

QRNN is the strongly-typed design scaled up: a causal convolution over inputs
computes every gate (learnware), and "pooling" is an elementwise recurrence
(firmware), i.e. a linear scan. Three poolings:

    f-pooling:    h_t = f_t * h_{t-1} + (1 - f_t) * z_t
    fo-pooling:   c_t = f_t * c_{t-1} + (1 - f_t) * z_t,   h_t = o_t * c_t
    ifo-pooling:  c_t = f_t * c_{t-1} + i_t * z_t,         h_t = o_t * c_t

with z = tanh(conv_z), f, o, i = sigmoid(conv_*), convolution width ``width``.
"""

from __future__ import annotations

import torch
from torch import nn

from ._common import zeros_state
from .scan import linear_scan

_GATES = {"f": 2, "fo": 3, "ifo": 4}


class QRNN(nn.Module):
    """QRNN layer (Bradbury et al. 2017) with fo-pooling by default (``pooling`` in f/fo/ifo).

        [z, f, o, i]_t = conv_width(x_{t-w+1..t});  c_t = f_t * c_{t-1} + (1 - f_t) * z_t;  h_t = o_t * c_t

    Strongly typed: gates come from a convolution over inputs only; pooling is a scan.
    """

    expected_strongly_typed = True

    def __init__(self, d_in: int = 16, hidden: int = 32, width: int = 2, pooling: str = "fo"):
        super().__init__()
        if pooling not in _GATES:
            raise ValueError(f"pooling must be one of {sorted(_GATES)}, got {pooling!r}")
        self.d_in, self.hidden, self.d_out = d_in, hidden, hidden
        self.width, self.pooling = width, pooling
        self.conv = nn.Conv1d(d_in, _GATES[pooling] * hidden, kernel_size=width)

    def forward(self, xs: torch.Tensor, state: tuple | None = None):
        # state = (c, last width-1 inputs (width-1, B, d_in))
        if state is None:
            c0 = zeros_state(xs, self.hidden)
            context = xs.new_zeros(self.width - 1, xs.shape[1], self.d_in)
        else:
            c0, context = state
        window = torch.cat([context, xs], dim=0)  # (T+w-1, B, d_in)
        gates = self.conv(window.permute(1, 2, 0)).permute(2, 0, 1)  # (T, B, k*H)
        parts = gates.chunk(_GATES[self.pooling], dim=-1)
        z, f = torch.tanh(parts[0]), torch.sigmoid(parts[1])
        if self.pooling == "ifo":
            u = torch.sigmoid(parts[3]) * z
        else:
            u = (1 - f) * z
        cs = linear_scan(f, u, c0)
        hs = cs if self.pooling == "f" else torch.sigmoid(parts[2]) * cs
        return hs, (cs[-1], window[window.shape[0] - (self.width - 1) :])

    def example_inputs(self):
        return (torch.randn(4, 2, self.d_in),)


class QRNNF(QRNN):
    """QRNN with f-pooling (Bradbury et al. 2017): h_t = f_t * h_{t-1} + (1 - f_t) * z_t.

    z = tanh(conv_z x), f = sigmoid(conv_f x): the T-RNN with convolutional learnware.
    """

    def __init__(self, d_in: int = 16, hidden: int = 32, width: int = 2):
        super().__init__(d_in, hidden, width, pooling="f")


class QRNNIFO(QRNN):
    """QRNN with ifo-pooling (Bradbury et al. 2017): c_t = f_t * c_{t-1} + i_t * z_t, h_t = o_t * c_t.

    Independent input gate i = sigmoid(conv_i x); still a scan over input-only gates.
    """

    def __init__(self, d_in: int = 16, hidden: int = 32, width: int = 2):
        super().__init__(d_in, hidden, width, pooling="ifo")
