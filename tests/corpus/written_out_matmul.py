"""A matrix product written out as a broadcast product and a sum: `(h[..., None] * U).sum(-2)`.

That is `h @ U`: the learned factor acts as a matrix, so a state fed through it changes
type (TNN002) and a skip around it mixes two types (TNN003). A product with a learned
tensor that is summed only over axes both factors span (a learned weighting, a dot
product with a learned vector) is no matrix and keeps the types.
"""
import torch
from torch import nn

N = 8


class _Params(nn.Module):
    def __init__(self):
        super().__init__()
        self.W = nn.Parameter(torch.randn(N, N) / N)
        self.U = nn.Parameter(torch.randn(N, N) / N)

    def example_inputs(self):
        return (torch.randn(4, 2, N),)


class ElmanUnsqueezeSum(_Params):
    EXPECT, RULE = "weak", "TNN002"

    def forward(self, xs):
        h = xs.new_zeros(2, N)
        for x in xs:
            h = torch.tanh(x @ self.W + (h.unsqueeze(-1) * self.U).sum(-2))  # violation
        return h


class ElmanIndexedSumLast(_Params):
    EXPECT, RULE = "weak", "TNN002"

    def forward(self, xs):
        h = xs.new_zeros(2, N)
        for x in xs:
            h = torch.tanh(x @ self.W + (self.U * h[:, None, :]).sum(-1))  # violation
        return h


class ElmanTorchSumMean(_Params):
    EXPECT, RULE = "weak", "TNN002"

    def forward(self, xs):
        h = xs.new_zeros(2, N)
        for x in xs:
            rec = torch.mean(self.U[None, :, :] * h[:, :, None], dim=1)  # violation
            h = torch.tanh(x @ self.W + rec)  # violation
        return h


class TypedRNNWrittenOut(_Params):
    """T-RNN with its input maps written out: only the input meets a matrix."""

    EXPECT, RULE = "strong", None

    def forward(self, xs):
        h = xs.new_zeros(2, N)
        for x in xs:
            z = (x.unsqueeze(-1) * self.W).sum(-2)
            f = torch.sigmoid((x.unsqueeze(-1) * self.U).sum(-2))
            h = f * h + (1 - f) * z
        return h


class ResidualWrittenOut(nn.Module):
    EXPECT, RULE = "weak", "TNN003"

    def __init__(self):
        super().__init__()
        self.W = nn.Parameter(torch.randn(N, N) / N)

    def forward(self, x):
        return x + (x.unsqueeze(-1) * self.W).sum(-2)  # violation

    def example_inputs(self):
        return (torch.randn(2, N),)


class LearnedWeightedPooling(nn.Module):
    """Summing over positions with a learned weight per position and feature: every axis
    of the weight is shared with the input, so nothing is contracted into a new type."""

    EXPECT, RULE = "strong", None

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.rand(5, N))
        self.proj = nn.Linear(N, N)

    def forward(self, x):  # (batch, positions, features)
        pooled = (x * self.w).sum(1)
        return self.proj(pooled)

    def example_inputs(self):
        return (torch.randn(2, 5, N),)


class LearnedVectorScore(nn.Module):
    """A dot product with a learned vector: a score, not a change of feature type."""

    EXPECT, RULE = "strong", None

    def __init__(self):
        super().__init__()
        self.v = nn.Parameter(torch.randn(N))

    def forward(self, xs):
        h = xs.new_zeros(2, N)
        for x in xs:
            score = torch.sigmoid((x * self.v).sum(-1, keepdim=True))
            h = score * h + (1 - score) * x
        return h

    def example_inputs(self):
        return (torch.randn(4, 2, N),)
