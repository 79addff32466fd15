"""GRU (weakly typed) and T-GRU (strongly typed), Balduzzi & Ghifary, ICML 2016."""

from __future__ import annotations

import torch
from torch import nn

from ._common import CausalConv2, zeros_state
from .backends import dispatch
from .fused import tgru_firmware
from .scan import linear_scan


class GRU(nn.Module):
    """Classic GRU (Cho et al. 2014), written out:

        r_t = sigmoid(W_r x_t + U_r h_{t-1})     u_t = sigmoid(W_u x_t + U_u h_{t-1})
        n_t = tanh(W_n x_t + r_t * (U_n h_{t-1}))
        h_t = (1 - u_t) * n_t + u_t * h_{t-1}

    Weakly typed: U_n h_{t-1} is a learned matrix on the state feeding back into it.
    """

    expected_strongly_typed = False

    def __init__(self, d_in: int = 16, hidden: int = 32):
        super().__init__()
        self.d_in, self.hidden, self.d_out = d_in, hidden, hidden
        self.W = nn.Linear(d_in, 3 * hidden)
        self.U = nn.Linear(hidden, 3 * hidden)

    def forward(self, xs: torch.Tensor, state: torch.Tensor | None = None):
        h = zeros_state(xs, self.hidden) if state is None else state
        wx = self.W(xs)
        outputs = []
        for t in range(xs.shape[0]):
            wr, wu, wn = wx[t].chunk(3, dim=-1)
            ur, uu, un = self.U(h).chunk(3, dim=-1)
            r = torch.sigmoid(wr + ur)
            u = torch.sigmoid(wu + uu)
            n = torch.tanh(wn + r * un)
            h = (1 - u) * n + u * h
            outputs.append(h)
        return torch.stack(outputs), h

    def example_inputs(self):
        return (torch.randn(4, 2, self.d_in),)


class TGRU(nn.Module):
    """Strongly-typed GRU (T-GRU), Balduzzi & Ghifary 2016, eq. (9):

        [z, f, o]_t = W x_t + V x_{t-1} + b      (width-2 convolution over inputs)
        f_t = sigmoid(f)    o_t = tanh(o)
        h_t = f_t * h_{t-1} + z_t * o_t

    Elementwise firmware: h is a linear scan of learnware computed in one matmul.
    """

    expected_strongly_typed = True

    def __init__(self, d_in: int = 16, hidden: int = 32):
        super().__init__()
        self.d_in, self.hidden, self.d_out = d_in, hidden, hidden
        self.conv = CausalConv2(d_in, 3 * hidden)

    def forward(self, xs: torch.Tensor, state: tuple | None = None):
        h0, x_prev = (zeros_state(xs, self.hidden), torch.zeros_like(xs[0])) if state is None else state
        G = self.conv(xs, x_prev)

        def equations():  # the defining equations: what the checker verifies
            z, f, o = G.chunk(3, dim=-1)
            return linear_scan(torch.sigmoid(f), z * torch.tanh(o), h0)

        # Same function, one compiled op where it runs (fused.TGRUFirmware, gradchecked against the loop).
        hs, _ = dispatch(
            "T-GRU firmware",
            (G, h0),
            reference=equations,
            native_impl=lambda lib: tgru_firmware(G, h0),
            torch_impl=equations,
        )
        return hs, (hs[-1], xs[-1])

    def example_inputs(self):
        return (torch.randn(4, 2, self.d_in),)
