"""Code inside `with torch.no_grad():` is a nested graph in the export: it keeps its lines."""
import torch
from torch import nn


class NoGradResidual(nn.Module):
    EXPECT, RULE, RECURRENT = "weak", "TNN003", False

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(8, 8)

    def forward(self, x):
        y = torch.relu(x)
        with torch.no_grad():
            z = y + self.W(y)  # violation
        return z

    def example_inputs(self):
        return (torch.randn(2, 8),)


class NoGradElman(nn.Module):
    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.W, self.U = nn.Linear(4, 8), nn.Linear(8, 8)

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], 8)
        with torch.no_grad():
            for t in range(xs.shape[0]):
                h = torch.tanh(self.W(xs[t]) + self.U(h))  # violation
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)
