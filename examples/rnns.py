"""The paper's point in two models: a classic RNN and its strongly-typed twin (T-RNN).

    typecheck-nn examples/rnns.py

ElmanRNN applies the learned matrix V to its own state, so the state changes type at
every step (TNN002). TRNN computes everything learned from the input and only gates the
state elementwise, so it is strongly typed and its recurrence is a parallel scan.
"""
import torch
from torch import nn


class ElmanRNN(nn.Module):
    """h_t = tanh(W x_t + V h_{t-1})"""

    def __init__(self, d_in: int = 16, d_hidden: int = 32):
        super().__init__()
        self.d_hidden = d_hidden
        self.W = nn.Linear(d_in, d_hidden)
        self.V = nn.Linear(d_hidden, d_hidden, bias=False)

    def forward(self, xs: torch.Tensor) -> torch.Tensor:  # (time, batch, d_in)
        h = xs.new_zeros(xs.shape[1], self.d_hidden)
        for x in xs.unbind(0):
            h = torch.tanh(self.W(x) + self.V(h))
        return h

    def example_inputs(self):
        return (torch.randn(5, 2, 16),)


class TRNN(nn.Module):
    """z_t = W x_t,  f_t = sigmoid(V x_t + b),  h_t = f_t * h_{t-1} + (1 - f_t) * z_t"""

    def __init__(self, d_in: int = 16, d_hidden: int = 32):
        super().__init__()
        self.d_hidden = d_hidden
        self.W = nn.Linear(d_in, d_hidden, bias=False)
        self.V = nn.Linear(d_in, d_hidden)

    def forward(self, xs: torch.Tensor) -> torch.Tensor:
        h = xs.new_zeros(xs.shape[1], self.d_hidden)
        for x in xs.unbind(0):
            f = torch.sigmoid(self.V(x))
            h = f * h + (1 - f) * self.W(x)
        return h

    def example_inputs(self):
        return (torch.randn(5, 2, 16),)
