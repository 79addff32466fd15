"""States written in place: what is written is typed like the region it lands in."""
import torch
from torch import nn

H = 8


class IndexedCellUpdate(nn.Module):
    """h[idx] = cell(x[t], h[idx]) with an nn.RNNCell: the classic RNN, written in place."""

    EXPECT, RULE = "weak", "TNN002"

    def __init__(self):
        super().__init__()
        self.cell = nn.RNNCell(4, H)

    def forward(self, xs):
        h = torch.zeros(3, H)
        idx = torch.tensor([0, 2])
        for t in range(xs.shape[0]):
            h[idx] = self.cell(xs[t], h[idx])  # violation
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class RowStateElman(nn.Module):
    """state[k] = tanh(W x + U state[k]): rows of one state tensor, written by index."""

    EXPECT, RULE = "weak", "TNN002"

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, H)
        self.U = nn.Linear(H, H)

    def forward(self, xs):
        state = torch.zeros(2, xs.shape[1], H)
        for t in range(xs.shape[0]):
            state[0] = torch.tanh(self.W(xs[t]) + self.U(state[0]))  # violation
        return state

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class SliceStateElman(nn.Module):
    """The same written through a slice: state[:, :H] = ..."""

    EXPECT, RULE = "weak", "TNN002"

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, H)
        self.U = nn.Linear(H, H)

    def forward(self, xs):
        state = torch.zeros(xs.shape[1], 2 * H)
        for t in range(xs.shape[0]):
            state[:, :H] = torch.tanh(self.W(xs[t]) + self.U(state[:, :H]))  # violation
        return state

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class CopyStateElman(nn.Module):
    """h.copy_(tanh(W x + U h)): a state updated with copy_."""

    EXPECT, RULE = "weak", "TNN002"

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, H)
        self.U = nn.Linear(H, H)

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], H)
        for t in range(xs.shape[0]):
            h.copy_(torch.tanh(self.W(xs[t]) + self.U(h)))  # violation
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class RowStateTRNN(nn.Module):
    """A T-RNN whose state is a row of a larger tensor, written in place: strongly typed."""

    EXPECT, RULE = "strong", None

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, H)
        self.F = nn.Linear(4, H)

    def forward(self, xs):
        state = torch.zeros(2, xs.shape[1], H)
        for t in range(xs.shape[0]):
            f = torch.sigmoid(self.F(xs[t]))
            state[0] = f * state[0] + (1 - f) * self.W(xs[t])
        return state

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)
