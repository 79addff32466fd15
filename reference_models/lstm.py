"""LSTM (weakly typed, by hand and via nn.LSTM) and T-LSTM (strongly typed).

Balduzzi & Ghifary, "Strongly-Typed Recurrent Neural Networks", ICML 2016.
"""

from __future__ import annotations

import functools

import torch
from torch import nn

from ._common import CausalConv2, zeros_state
from .backends import dispatch
from .fused import tlstm_firmware
from .scan import linear_scan


class LSTM(nn.Module):
    """Classic LSTM (Hochreiter & Schmidhuber 1997), written out:

        [i, f, o, g] = W x_t + U h_{t-1} + b
        c_t = sigmoid(f) * c_{t-1} + sigmoid(i) * tanh(g)
        h_t = sigmoid(o) * tanh(c_t)

    Weakly typed: U applies a learned matrix to h_{t-1} and the result flows back
    into c_t and h_t. ``num_layers`` stacks cells (each layer's h is the next input).
    """

    expected_strongly_typed = False

    def __init__(self, d_in: int = 16, hidden: int = 32, num_layers: int = 1):
        super().__init__()
        self.d_in, self.hidden, self.d_out, self.num_layers = d_in, hidden, hidden, num_layers
        self.W = nn.ModuleList(nn.Linear(d_in if l == 0 else hidden, 4 * hidden) for l in range(num_layers))
        self.U = nn.ModuleList(nn.Linear(hidden, 4 * hidden, bias=False) for _ in range(num_layers))

    def forward(self, xs: torch.Tensor, state: tuple | None = None):
        if state is None:
            state = tuple((zeros_state(xs, self.hidden), zeros_state(xs, self.hidden)) for _ in range(self.num_layers))
        new_state = []
        for l in range(self.num_layers):
            h, c = state[l]
            wx = self.W[l](xs)
            outputs = []
            for t in range(xs.shape[0]):
                i, f, o, g = (wx[t] + self.U[l](h)).chunk(4, dim=-1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
                outputs.append(h)
            xs = torch.stack(outputs)
            new_state.append((h, c))
        return xs, tuple(new_state)

    def example_inputs(self):
        return (torch.randn(4, 2, self.d_in),)


class TorchLSTM(nn.Module):
    """PyTorch's nn.LSTM (cuDNN on GPU): the same weakly-typed equations as ``LSTM``.

    The baseline for speed (benchmarks/scan_vs_cudnn.py) and for training quality.
    """

    expected_strongly_typed = False

    def __init__(self, d_in: int = 16, hidden: int = 32, num_layers: int = 1, dropout: float = 0.0):
        super().__init__()
        self.d_in, self.hidden, self.d_out, self.num_layers = d_in, hidden, hidden, num_layers
        self.lstm = nn.LSTM(d_in, hidden, num_layers=num_layers, dropout=dropout if num_layers > 1 else 0.0)

    def forward(self, xs: torch.Tensor, state: tuple | None = None):
        return self.lstm(xs, state)

    def example_inputs(self):
        return (torch.randn(4, 2, self.d_in),)


class TLSTM(nn.Module):
    """Strongly-typed LSTM (T-LSTM), Balduzzi & Ghifary 2016, eq. (8):

        [z, f, o]_t = W x_t + V x_{t-1} + b      (width-2 convolution over inputs)
        f_t = sigmoid(f)   o_t = tanh(o)
        c_t = f_t * c_{t-1} + (1 - f_t) * z_t
        h_t = c_t * o_t

    The gates never see the state, so all learnware for the window is one matmul
    and the memory cell is a linear scan. Stacked layers read the layer below's
    h (a different type: the stack is feed-forward between layers).
    """

    expected_strongly_typed = True

    def __init__(self, d_in: int = 16, hidden: int = 32, num_layers: int = 1, dropout: float = 0.0):
        super().__init__()
        self.d_in, self.hidden, self.d_out, self.num_layers = d_in, hidden, hidden, num_layers
        self.dropout = dropout  # between stacked layers (as nn.LSTM's dropout)
        self.conv = nn.ModuleList(CausalConv2(d_in if l == 0 else hidden, 3 * hidden) for l in range(num_layers))

    def forward(self, xs: torch.Tensor, state: tuple | None = None):
        if state is None:
            state = tuple(
                (zeros_state(xs, self.hidden), torch.zeros_like(xs[0]) if l == 0 else zeros_state(xs, self.hidden))
                for l in range(self.num_layers)
            )
        new_state = []
        for l in range(self.num_layers):
            if l > 0 and self.dropout > 0:
                xs = nn.functional.dropout(xs, self.dropout, self.training)
            c0, x_prev = state[l]
            # Traced: the defining equations, step by step (what the checker verifies). Run: the
            # same function, learnware as accumulated GEMMs and firmware as one fused op
            # (reference_models/fused.py, gradchecked against the equations).
            (h, c_last), _ = dispatch(
                "T-LSTM layer",
                (xs, c0, x_prev),
                reference=functools.partial(self._equations, l, xs, x_prev, c0),
                torch_impl=functools.partial(self._fused, l, xs, x_prev, c0),
            )
            new_state.append((c_last, xs[-1]))
            xs = h
        return xs, tuple(new_state)

    def _equations(self, l: int, xs: torch.Tensor, x_prev: torch.Tensor, c0: torch.Tensor):
        """Layer l's defining equations: returns (h (T,B,H), c_T)."""
        z, f, o = self.conv[l](xs, x_prev).chunk(3, dim=-1)
        f, o = torch.sigmoid(f), torch.tanh(o)
        cs = linear_scan(f, (1 - f) * z, c0)
        return cs * o, cs[-1]

    def _fused(self, l: int, xs: torch.Tensor, x_prev: torch.Tensor, c0: torch.Tensor):
        """The same function: accumulated GEMMs and one fused firmware op; returns (h, c_T)."""
        return tlstm_firmware(self.conv[l](xs, x_prev), c0)

    def example_inputs(self):
        return (torch.randn(4, 2, self.d_in),)
