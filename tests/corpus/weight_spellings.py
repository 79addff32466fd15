"""A learned matrix spelled in many ways: each must still change type (issue: sound verdicts).

Each spelling appears twice: as a square residual x + W'(x) (TNN003) and as the
recurrent matrix of an Elman loop (TNN002).
"""
import torch
import torch.nn.functional as F
from torch import nn

N = 8


def _spelled(kind, lin, x):
    """x through lin's weight, spelled `kind`; x is (batch, N)."""
    w = lin.weight
    if kind == "T":
        return x @ w.T  # violation
    if kind == "mT":
        return x @ w.mT  # violation
    if kind == "scaled":
        return F.linear(x, w * 1.0)  # violation
    if kind == "divided":
        return F.linear(x, w / 2.0)  # violation
    if kind == "expand":
        return torch.bmm(x.unsqueeze(1), w.t().expand(x.shape[0], N, N)).squeeze(1)  # violation
    if kind == "repeat":
        return torch.bmm(x.unsqueeze(1), w.t().unsqueeze(0).repeat(x.shape[0], 1, 1)).squeeze(1)  # violation
    if kind == "standardised":  # timm's StdConv: batch_norm over the weight itself
        ws = F.batch_norm(w.reshape(1, N, -1), None, None, training=True, momentum=0.0, eps=1e-5).reshape_as(w)
        return F.linear(x, ws)  # violation
    raise ValueError(kind)


class _Residual(nn.Module):
    EXPECT, RULE = "weak", "TNN003"
    KIND = "T"

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(N, N, bias=False)

    def forward(self, x):
        return x + _spelled(self.KIND, self.W, x)  # violation

    def example_inputs(self):
        return (torch.randn(2, N),)


class _Elman(nn.Module):
    EXPECT, RULE = "weak", "TNN002"
    KIND = "T"

    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(N, N)
        self.U = nn.Linear(N, N, bias=False)

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], N)
        for t in range(xs.shape[0]):
            h = torch.tanh(self.inp(xs[t]) + _spelled(self.KIND, self.U, h))  # violation
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, N),)


class ResidualT(_Residual):
    KIND = "T"


class ResidualMT(_Residual):
    KIND = "mT"


class ResidualScaled(_Residual):
    KIND = "scaled"


class ResidualDivided(_Residual):
    KIND = "divided"


class ResidualExpand(_Residual):
    KIND = "expand"


class ResidualRepeat(_Residual):
    KIND = "repeat"


class ResidualStandardised(_Residual):
    KIND = "standardised"


class ElmanT(_Elman):
    KIND = "T"


class ElmanMT(_Elman):
    KIND = "mT"


class ElmanScaled(_Elman):
    KIND = "scaled"


class ElmanDivided(_Elman):
    KIND = "divided"


class ElmanExpand(_Elman):
    KIND = "expand"


class ElmanRepeat(_Elman):
    KIND = "repeat"


class ElmanStandardised(_Elman):
    KIND = "standardised"


class WeightNormResidual(nn.Module):
    EXPECT, RULE = "weak", "TNN003"

    def __init__(self):
        super().__init__()
        self.W = nn.utils.parametrizations.weight_norm(nn.Linear(N, N))

    def forward(self, x):
        return x + self.W(x)  # violation

    def example_inputs(self):
        return (torch.randn(2, N),)


class WeightNormElman(nn.Module):
    EXPECT, RULE = "weak", "TNN002"

    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(N, N)
        self.U = nn.utils.parametrizations.weight_norm(nn.Linear(N, N))

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], N)
        for t in range(xs.shape[0]):
            h = torch.tanh(self.inp(xs[t]) + self.U(h))  # violation
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, N),)


class GroupedConvResidual(nn.Module):
    """A grouped (not depthwise) conv is block-diagonal: each group's matrix changes type."""

    EXPECT, RULE = "weak", "TNN003"

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(8, 8, 1, groups=2)

    def forward(self, x):
        return x + self.conv(x)  # violation

    def example_inputs(self):
        return (torch.randn(2, 8, 5),)


class GroupedConvTwoLayers(nn.Module):
    """x + W2 f(W1 x) with grouped convs: strongly typed."""

    EXPECT, RULE = "strong", None

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv1d(8, 16, 1, groups=2)
        self.c2 = nn.Conv1d(16, 8, 1, groups=2)

    def forward(self, x):
        return x + self.c2(torch.relu(self.c1(x)))

    def example_inputs(self):
        return (torch.randn(2, 8, 5),)


class DepthwiseResidual(nn.Module):
    """Depthwise convolution is diagonal over channels: it keeps the type."""

    EXPECT, RULE = "strong", None

    def __init__(self):
        super().__init__()
        self.dw = nn.Conv1d(8, 8, 3, padding=1, groups=8)

    def forward(self, x):
        return x + self.dw(x)

    def example_inputs(self):
        return (torch.randn(2, 8, 5),)


class TransposedResidualOK(nn.Module):
    """x + W2(f(W1 x)) spelled with .T and scaling: every spelling keeps it strong."""

    EXPECT, RULE = "strong", None

    def __init__(self):
        super().__init__()
        self.W1 = nn.Linear(N, 2 * N)
        self.W2 = nn.Linear(2 * N, N)

    def forward(self, x):
        return x + torch.relu(x @ self.W1.weight.T) @ (self.W2.weight * 0.5).mT

    def example_inputs(self):
        return (torch.randn(2, N),)


class ExpertsResidual(nn.Module):
    """Mixture-of-experts matrices through torch._grouped_mm: each expert changes type."""

    EXPECT, RULE = "weak", "TNN003"

    def __init__(self):
        super().__init__()
        self.experts = nn.Parameter(torch.randn(2, N, N) * 0.1)

    def forward(self, x):
        offs = torch.tensor([1, x.shape[0]], dtype=torch.int32)
        return x + torch._grouped_mm(x, self.experts, offs)  # violation

    def example_inputs(self):
        return (torch.randn(4, N),)
