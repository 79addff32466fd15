"""Attention with heads, written out and through nn.MultiheadAttention."""
import torch
import torch.nn.functional as F
from torch import nn


class MultiHeadBlock(nn.Module):
    EXPECT, RULE = "strong", None

    def __init__(self, d=32, heads=4):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ff = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x):  # (batch, time, d)
        b, t, d = x.shape
        q, k, v = self.qkv(self.norm1(x)).split(d, dim=-1)
        q, k, v = (y.view(b, t, self.heads, d // self.heads).transpose(1, 2) for y in (q, k, v))
        att = F.softmax(q @ k.transpose(-2, -1) / (d // self.heads) ** 0.5, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(y)
        return x + self.ff(self.norm2(x))

    def example_inputs(self):
        return (torch.randn(2, 5, 32),)


class TorchMHA(nn.Module):
    EXPECT, RULE = "strong", None

    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(32, 4, batch_first=True)

    def forward(self, x):
        return x + self.attn(x, x, x, need_weights=False)[0]

    def example_inputs(self):
        return (torch.randn(2, 5, 32),)


class ValueSkip(nn.Module):
    """The value projection's output is added back to the input without an output map."""

    EXPECT, RULE = "weak", "TNN003"

    def __init__(self, d=16):
        super().__init__()
        self.q, self.k, self.v = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)

    def forward(self, x):
        att = torch.softmax(self.q(x) @ self.k(x).transpose(-2, -1), dim=-1)
        return x + att @ self.v(x)  # violation

    def example_inputs(self):
        return (torch.randn(2, 5, 16),)
