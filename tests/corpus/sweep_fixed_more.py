"""More fixed-matrix spellings: a signed permutation keeps the type; a buffer scaled by a
learned scalar is learned; .detach() of a parameter, a non-persistent buffer, and a buffer
on the left of a transposed state are all still matrices."""
import torch
import torch.nn.functional as F
from torch import nn

D = 8


class SignedPermutationBuffer(nn.Module):
    """A signed permutation buffer (one nonzero per row and column) keeps the type."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, 2 * D)
        P = torch.eye(D)[torch.arange(D).roll(3)] * torch.tensor([1.0, -1.0] * (D // 2))
        self.register_buffer("P", P)

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for t in range(xs.shape[0]):
            z, f = self.W(xs[t]).chunk(2, -1)
            f = torch.sigmoid(f)
            h = f * (h @ self.P) + (1 - f) * z
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class BufferTimesLearnedScalar(nn.Module):
    """R * alpha, alpha a learned scalar: computed from a parameter, so learned. Weak, and
    reported once (it is a matrix through the buffer and through alpha: one finding)."""

    EXPECT, RULE, RECURRENT, VIOLATIONS = "weak", "TNN002", True, 1

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, D)
        self.register_buffer("R", torch.randn(D, D))
        self.alpha = nn.Parameter(torch.tensor(0.5))

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for t in range(xs.shape[0]):
            h = torch.tanh(self.W(xs[t]) + h @ (self.R * self.alpha))  # violation
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class ParamDetachAsMatrix(nn.Module):
    """F.linear(h, U.detach()): detach keeps a parameter's types. Weak."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, D)
        self.U = nn.Parameter(torch.randn(D, D) * 0.1)

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for t in range(xs.shape[0]):
            h = torch.tanh(self.W(xs[t]) + F.linear(h, self.U.detach()))  # violation
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class NonPersistentBufferReservoir(nn.Module):
    """register_buffer(..., persistent=False) used through torch.mm: weak."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, D)
        self.register_buffer("R", torch.randn(D, D), persistent=False)

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for t in range(xs.shape[0]):
            h = torch.tanh(self.W(xs[t]) + torch.mm(h, self.R))  # violation
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class FixedMatrixLeftTransposed(nn.Module):
    """(R @ h.T).T: the buffer on the left of the transposed state. Weak."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, D)
        self.register_buffer("R", torch.randn(D, D))

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for t in range(xs.shape[0]):
            h = torch.tanh(self.W(xs[t]) + (self.R @ h.T).T)  # violation
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)
