"""Models that branch on tensor values, so the path their example inputs take is recorded
(real tensors, ATen ops as they execute): weights must keep their identity there too."""
import torch
from torch import nn

H = 8


class RecordedLSTM(nn.Module):
    """nn.LSTM on CPU runs as mkldnn_rnn_layer: still a classic LSTM."""

    EXPECT, RULE = "weak", "TNN002"

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, H)

    def forward(self, xs):
        if xs.sum() > 0:  # a branch on values: export cannot follow it
            xs = xs * 2
        out, _ = self.lstm(xs)  # violation
        return out

    def example_inputs(self):
        return (torch.ones(3, 2, 4),)


class RecordedWeightNorm(nn.Module):
    """weight_norm on the recorded path is `_weight_norm_interface`: still W."""

    EXPECT, RULE = "weak", "TNN002"

    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(4, H)
        self.U = nn.utils.parametrizations.weight_norm(nn.Linear(H, H))

    def forward(self, xs):
        if xs.sum() > 0:
            xs = xs * 2
        h = torch.zeros(xs.shape[1], H)
        for t in range(xs.shape[0]):
            h = torch.tanh(self.inp(xs[t]) + self.U(h))  # violation
        return h

    def example_inputs(self):
        return (torch.ones(3, 2, 4),)


class RecordedHeadRecurrence(nn.Module):
    """xLSTM's sLSTM: h.view(B, heads, 1, d) @ R with a 3-d R (expand/clone/_unsafe_view/bmm)."""

    EXPECT, RULE = "weak", "TNN002"

    def __init__(self, heads=2, d=4):
        super().__init__()
        self.heads, self.d = heads, d
        self.W = nn.Linear(4, heads * d)
        self.R = nn.Parameter(torch.randn(heads, d, d) * 0.1)

    def forward(self, xs):
        if xs.sum() > 0:
            xs = xs * 2
        b = xs.shape[1]
        h = torch.zeros(b, self.heads * self.d)
        for t in range(xs.shape[0]):
            rec = (h.view(b, self.heads, 1, self.d) @ self.R).view(b, -1)  # violation
            h = torch.tanh(self.W(xs[t]) + rec)  # violation
        return h

    def example_inputs(self):
        return (torch.ones(3, 2, 4),)


class RecordedTLSTM(nn.Module):
    """A T-LSTM-like cell on the recorded path stays strongly typed."""

    EXPECT, RULE = "strong", None

    def __init__(self):
        super().__init__()
        self.z = nn.Linear(4, H)
        self.f = nn.Linear(4, H)

    def forward(self, xs):
        if xs.sum() > 0:
            xs = xs * 2
        c = torch.zeros(xs.shape[1], H)
        for t in range(xs.shape[0]):
            f = torch.sigmoid(self.f(xs[t]))
            c = f * c + (1 - f) * torch.tanh(self.z(xs[t]))
        return c

    def example_inputs(self):
        return (torch.ones(3, 2, 4),)
