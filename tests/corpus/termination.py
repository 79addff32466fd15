"""Patterns that once made the solver loop forever: an axis becoming a part of itself."""
import torch
import torch.nn.functional as F
from torch import nn


class CircularShift(nn.Module):
    """An NTM's circular shift: cat([w[-1:], w, w[:1]]) -> unpadded conv1d -> + w."""

    EXPECT, RULE = "strong", None

    def __init__(self):
        super().__init__()
        self.shift = nn.Parameter(torch.softmax(torch.randn(1, 1, 3), -1))
        self.key = nn.Linear(6, 10)

    def forward(self, x):
        w = torch.softmax(self.key(x), -1)  # (B, N)
        wide = torch.cat([w[:, -1:], w, w[:, :1]], 1)  # (B, N + 2)
        shifted = F.conv1d(wide.unsqueeze(1), self.shift).squeeze(1)  # (B, N)
        return shifted + w

    def example_inputs(self):
        return (torch.randn(2, 6),)


class Trigram(nn.Module):
    """MobileBERT's trigram input: cat([pad(x[:, 1:]), x, pad(x[:, :-1])], 2) -> linear."""

    EXPECT, RULE = "strong", None

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(20, 4)
        self.proj = nn.Linear(12, 8)
        self.pos = nn.Embedding(6, 8)

    def forward(self, ids):
        x = self.emb(ids)  # (B, S, 4)
        tri = torch.cat([F.pad(x[:, 1:], (0, 0, 0, 1)), x, F.pad(x[:, :-1], (0, 0, 1, 0))], 2)
        return self.proj(tri) + self.pos(torch.arange(ids.shape[1]))

    def example_inputs(self):
        return (torch.randint(0, 20, (2, 6)),)


class ShiftedTimeSum(nn.Module):
    """x[1:] + x[:-1] along time: cuts that shift against each other stay unrelated."""

    EXPECT, RULE = "strong", None

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)

    def forward(self, x):
        y = self.proj(x)
        return y[1:] + y[:-1]

    def example_inputs(self):
        return (torch.randn(5, 2, 4),)
