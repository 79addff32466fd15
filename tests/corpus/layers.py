"""Loops over distinct layers are no recurrence; shared weights across depth are."""

import torch
from torch import nn

D = 8


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.up, self.down = nn.Linear(D, 2 * D), nn.Linear(2 * D, D)
        self.norm = nn.LayerNorm(D)

    def forward(self, x):
        return self.down(torch.relu(self.up(self.norm(x))))


class LayerLoop(nn.Module):
    """for blk in blocks: x = x + blk(x): a stack of distinct layers."""

    EXPECT, RULE, RECURRENT = "strong", None, False

    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList(Block() for _ in range(3))

    def forward(self, x):
        for blk in self.blocks:
            x = x + blk(x)
        return x

    def example_inputs(self):
        return (torch.randn(2, D),)


class SharedLayerLoop(nn.Module):
    """ALBERT-style: one block applied at every depth is a recurrence over depth."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.block = Block()

    def forward(self, x):
        for _ in range(3):
            x = x + self.block(x)
        return x

    def example_inputs(self):
        return (torch.randn(2, D),)


class SquareResidualStack(nn.Module):
    """x = x + relu(W_i x) for distinct square W_i: each layer adds a matrix's output to its input."""

    EXPECT, RULE, RECURRENT = "weak", "TNN003", False

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(D, D) for _ in range(3))

    def forward(self, x):
        for layer in self.layers:
            x = x + torch.relu(layer(x))  # violation
        return x

    def example_inputs(self):
        return (torch.randn(2, D),)


class BranchSum(nn.Module):
    """MobileOne-style: out = bn(x); for conv in convs: out += conv(x): square convs summed
    with the identity branch add each matrix's output to its input (TNN003), no recurrence."""

    EXPECT, RULE, RECURRENT = "weak", "TNN003", False

    def __init__(self):
        super().__init__()
        self.skip = nn.BatchNorm2d(D)
        self.convs = nn.ModuleList(nn.Conv2d(D, D, 1) for _ in range(3))

    def forward(self, x):
        out = self.skip(x)
        for conv in self.convs:
            out = out + conv(x)  # violation
        return out

    def example_inputs(self):
        return (torch.randn(1, D, 4, 4),)


class IndRNNSharedBuffer(nn.Module):
    """A 2-layer IndRNN whose layers both start from one zero buffer: strongly typed."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.w1, self.w2 = nn.Linear(4, D), nn.Linear(D, D)
        self.u1, self.u2 = nn.Parameter(torch.rand(D)), nn.Parameter(torch.rand(D))
        self.register_buffer("h0", torch.zeros(1, D))

    def forward(self, xs):
        h1 = self.h0.expand(xs.shape[1], D)
        h2 = self.h0.expand(xs.shape[1], D)
        for t in range(xs.shape[0]):
            h1 = torch.relu(self.w1(xs[t]) + self.u1 * h1)
            h2 = torch.relu(self.w2(h1) + self.u2 * h2)
        return h2

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class StackedCellsSharedZeros(nn.Module):
    """Two LSTMCells started from one zeros tensor: two classic cells, two violations."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True
    VIOLATIONS = 2

    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.LSTMCell(4, D), nn.LSTMCell(D, D)

    def forward(self, xs):
        h1 = c1 = h2 = c2 = torch.zeros(xs.shape[1], D)
        for t in range(xs.shape[0]):
            h1, c1 = self.c1(xs[t], (h1, c1))  # violation
            h2, c2 = self.c2(h1, (h2, c2))  # violation
        return h2

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class TwoLayerLSTM(nn.Module):
    """nn.LSTM(num_layers=2): one violation per layer's recurrent matrix, none between layers."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True
    VIOLATIONS = 2

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, D, num_layers=2)

    def forward(self, xs):
        out, _ = self.lstm(xs)  # violation
        return out

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class HeadGates(nn.Module):
    """xLSTM mLSTM: a Linear yields one gate per head, compared with per-head statistics of
    q.view(B, S, heads, dh). The heads factor of the input reappears in the output, but no
    matrix maps a type to itself: strongly typed."""

    EXPECT, RULE, RECURRENT = "strong", None, False

    def __init__(self, heads=2, dh=4):
        super().__init__()
        self.heads, self.dh = heads, dh
        self.q = nn.Linear(D, heads * dh)
        self.igate = nn.Linear(heads * dh, heads)

    def forward(self, x):
        b, s, _ = x.shape
        q = self.q(x)
        stats = q.view(b, s, self.heads, self.dh).mean(-1)  # (B, S, heads)
        return self.igate(q) + stats

    def example_inputs(self):
        return (torch.randn(2, 3, D),)


class ConcatLSTMStyle(nn.Module):
    """W maps x ⊕ h into h: weak, whatever the packing."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4 + D, D)

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for t in range(xs.shape[0]):
            h = torch.tanh(self.W(torch.cat([xs[t], h], -1)))  # violation
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)
