"""Recurrences written with raw nn.Parameters and the @ operator."""
import torch
from torch import nn


class RawElman(nn.Module):
    EXPECT, RULE = "weak", "TNN002"

    def __init__(self):
        super().__init__()
        self.W = nn.Parameter(torch.randn(8, 16) * 0.1)
        self.U = nn.Parameter(torch.randn(16, 16) * 0.1)

    def forward(self, xs):
        h = xs.new_zeros(xs.shape[1], 16)
        for t in range(xs.shape[0]):
            h = torch.relu(xs[t] @ self.W + h @ self.U)  # violation
        return h

    def example_inputs(self):
        return (torch.randn(4, 2, 8),)


class RawTRNN(nn.Module):
    EXPECT, RULE = "strong", None

    def __init__(self):
        super().__init__()
        self.W = nn.Parameter(torch.randn(8, 16) * 0.1)
        self.V = nn.Parameter(torch.randn(8, 16) * 0.1)
        self.b = nn.Parameter(torch.zeros(16))

    def forward(self, xs):
        h = xs.new_zeros(xs.shape[1], 16)
        for t in range(xs.shape[0]):
            z = xs[t] @ self.W
            f = torch.sigmoid(xs[t] @ self.V + self.b)
            h = f * h + (1 - f) * z
        return h

    def example_inputs(self):
        return (torch.randn(4, 2, 8),)
