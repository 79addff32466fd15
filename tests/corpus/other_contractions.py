"""Contractions spelled with tensordot and nn.Bilinear: the learned factor is a matrix."""
import torch
from torch import nn

N = 8


class ElmanTensordot(nn.Module):
    EXPECT, RULE = "weak", "TNN002"

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(N, N)
        self.U = nn.Parameter(torch.randn(N, N) / N)

    def forward(self, xs):
        h = xs.new_zeros(2, N)
        for x in xs:
            h = torch.tanh(self.W(x) + torch.tensordot(h, self.U, dims=1))  # violation
        return h

    def example_inputs(self):
        return (torch.randn(4, 2, N),)


class TypedTensordot(nn.Module):
    """T-RNN whose input maps are tensordots over the feature axis: strong."""

    EXPECT, RULE = "strong", None

    def __init__(self):
        super().__init__()
        self.W = nn.Parameter(torch.randn(N, N) / N)
        self.V = nn.Parameter(torch.randn(N, N) / N)

    def forward(self, xs):
        h = xs.new_zeros(2, N)
        for x in xs:
            f = torch.sigmoid(torch.tensordot(x, self.V, dims=([1], [0])))
            h = f * h + (1 - f) * torch.tensordot(x, self.W, dims=([1], [0]))
        return h

    def example_inputs(self):
        return (torch.randn(4, 2, N),)


class BilinearState(nn.Module):
    EXPECT, RULE = "weak", "TNN002"

    def __init__(self):
        super().__init__()
        self.B = nn.Bilinear(N, N, N)

    def forward(self, xs):
        h = xs.new_zeros(2, N)
        for x in xs:
            h = torch.tanh(self.B(x, h))  # violation
        return h

    def example_inputs(self):
        return (torch.randn(4, 2, N),)


class BilinearFeatures(nn.Module):
    """Two views fused by a bilinear map, then a separate head: strong."""

    EXPECT, RULE = "strong", None

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(N, N), nn.Linear(N, N)
        self.B = nn.Bilinear(N, N, N)
        self.head = nn.Linear(N, 2)

    def forward(self, x):
        return self.head(torch.relu(self.B(self.a(x), self.b(x))))

    def example_inputs(self):
        return (torch.randn(3, N),)
