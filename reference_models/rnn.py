"""Elman RNN (weakly typed) and T-RNN (strongly typed), Balduzzi & Ghifary, ICML 2016.

All models in this package are time-major: inputs (T, B, d_in), outputs (T, B, d_out),
and ``forward(xs, state=None) -> (outputs, state)`` so truncated BPTT can carry state.
"""

from __future__ import annotations

import torch
from torch import nn

from ._common import zeros_state
from .scan import linear_scan


class ElmanRNN(nn.Module):
    """Classic Elman RNN:  h_t = tanh(W x_t + U h_{t-1} + b).

    Weakly typed: U maps the state's type to a different type, and its output is
    added back into the state (Balduzzi & Ghifary 2016, section 2). Kept as the
    paper's counter-example.
    """

    expected_strongly_typed = False

    def __init__(self, d_in: int = 16, hidden: int = 32):
        super().__init__()
        self.d_in, self.hidden, self.d_out = d_in, hidden, hidden
        self.W = nn.Linear(d_in, hidden)
        self.U = nn.Linear(hidden, hidden, bias=False)

    def forward(self, xs: torch.Tensor, state: torch.Tensor | None = None):
        h = zeros_state(xs, self.hidden) if state is None else state
        wx = self.W(xs)
        outputs = []
        for t in range(xs.shape[0]):
            h = torch.tanh(wx[t] + self.U(h))
            outputs.append(h)
        return torch.stack(outputs), h

    def example_inputs(self):
        return (torch.randn(4, 2, self.d_in),)


class TRNN(nn.Module):
    """Strongly-typed RNN (T-RNN), Balduzzi & Ghifary 2016, eq. (6):

        z_t = W x_t        f_t = sigmoid(V x_t + b)
        h_t = f_t * h_{t-1} + (1 - f_t) * z_t

    Learnware (W, V) sees inputs only; the state is only gated elementwise, so it
    keeps its type and the recurrence is a scan (``linear_scan``) after one matmul.
    """

    expected_strongly_typed = True

    def __init__(self, d_in: int = 16, hidden: int = 32):
        super().__init__()
        self.d_in, self.hidden, self.d_out = d_in, hidden, hidden
        self.W = nn.Linear(d_in, hidden, bias=False)
        self.V = nn.Linear(d_in, hidden)

    def forward(self, xs: torch.Tensor, state: torch.Tensor | None = None):
        h0 = zeros_state(xs, self.hidden) if state is None else state
        z = self.W(xs)
        f = torch.sigmoid(self.V(xs))
        hs = linear_scan(f, (1 - f) * z, h0)
        return hs, hs[-1]

    def example_inputs(self):
        return (torch.randn(4, 2, self.d_in),)
