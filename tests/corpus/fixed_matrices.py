"""Buffers and constants used as the matrix of a contraction change type like learned ones.

Where a constant acts as a number (a scale, a mask, zeros, a rotary cos/sin table) it
stays type-neutral; identity and permutation matrices keep the type; a softmax over a
fixed mask is attention with constant scores (a gate), not a matrix.
"""
import torch
from torch import nn

D = 8


class EchoStateReservoir(nn.Module):
    """h = tanh(W_in x + R h) with a fixed random reservoir R: R acts on the state."""

    EXPECT, RULE, RECURRENT, VIOLATIONS = "weak", "TNN002", True, 1

    def __init__(self):
        super().__init__()
        self.w_in = nn.Linear(4, D)
        self.register_buffer("R", torch.randn(D, D) * 0.9)
        self.readout = nn.Linear(D, 2)

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            h = torch.tanh(self.w_in(x) + h @ self.R.T)  # violation
        return self.readout(h)

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class FixedRecurrentBufferLinear(nn.Module):
    """h = tanh(W x + R h), R a buffer used through F.linear."""

    EXPECT, RULE, RECURRENT, VIOLATIONS = "weak", "TNN002", True, 1

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, D)
        self.register_buffer("R", torch.randn(D, D))

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            h = torch.tanh(self.W(x) + nn.functional.linear(h, self.R))  # violation
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class FixedProjectionResidual(nn.Module):
    """x + P x with a fixed random projection P: a matrix's output added to its input."""

    EXPECT, RULE, VIOLATIONS = "weak", "TNN003", 1

    def __init__(self):
        super().__init__()
        self.register_buffer("P", torch.randn(D, D) / D**0.5)
        self.out = nn.Linear(D, D)

    def forward(self, x):
        return self.out(x + x @ self.P)  # violation

    def example_inputs(self):
        return (torch.randn(2, D),)


class FixedProjectionFeedForward(nn.Module):
    """A fixed random projection into a learned head: no type is mixed, strong."""

    EXPECT, RULE = "strong", None

    def __init__(self):
        super().__init__()
        self.register_buffer("P", torch.randn(D, 16))
        self.head = nn.Linear(16, 2)

    def forward(self, x):
        return self.head(torch.relu(x @ self.P))

    def example_inputs(self):
        return (torch.randn(2, D),)


class IdentityBufferRecurrence(nn.Module):
    """h = f * (I h) + (1 - f) * W x: an identity buffer keeps the type."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.W, self.F = nn.Linear(4, D), nn.Linear(4, D)
        self.register_buffer("I", torch.eye(D))

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            f = torch.sigmoid(self.F(x))
            h = f * (h @ self.I) + (1 - f) * self.W(x)
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class PermutationBufferRecurrence(nn.Module):
    """A fixed permutation of the state (a cyclic shift as a matrix) keeps the type."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.W, self.F = nn.Linear(4, D), nn.Linear(4, D)
        self.register_buffer("S", torch.eye(D)[torch.arange(D).roll(1)])

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            f = torch.sigmoid(self.F(x))
            h = f * (h @ self.S) + (1 - f) * self.W(x)
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class ConstantsAsNumbers(nn.Module):
    """Scalars, masks, zeros and rotary cos/sin tables act as numbers: neutral per use."""

    EXPECT, RULE = "strong", None

    def __init__(self, t=5):
        super().__init__()
        self.q, self.k, self.v = nn.Linear(D, D), nn.Linear(D, D), nn.Linear(D, D)
        self.o = nn.Linear(D, D)
        pos = torch.arange(t)[:, None] * torch.arange(D // 2)[None, :]
        self.register_buffer("cos", torch.cos(pos).repeat(1, 2))
        self.register_buffer("sin", torch.sin(pos).repeat(1, 2))
        self.register_buffer("mask", torch.tril(torch.ones(t, t)))
        self.register_buffer("scale", torch.tensor(D**-0.5))

    def rotate(self, x):
        a, b = x.chunk(2, -1)
        return x * self.cos + torch.cat([-b, a], -1) * self.sin

    def forward(self, x):
        q, k = self.rotate(self.q(x)), self.rotate(self.k(x))
        scores = (q @ k.transpose(-1, -2)) * self.scale
        scores = scores.masked_fill(self.mask == 0, float("-inf"))
        return x + self.o(torch.softmax(scores, -1) @ self.v(x))

    def example_inputs(self):
        return (torch.randn(2, 5, D),)


class BagOfWordsBlock(nn.Module):
    """Averaging past positions through a softmax over a fixed causal mask: attention with
    constant scores (a gate over positions), not a matrix."""

    EXPECT, RULE = "strong", None

    def __init__(self, t=5):
        super().__init__()
        self.register_buffer("tril", torch.tril(torch.ones(t, t)))
        self.v, self.proj = nn.Linear(D, D), nn.Linear(D, D)

    def forward(self, x):
        t = x.shape[1]
        wei = torch.zeros(t, t).masked_fill(self.tril[:t, :t] == 0, float("-inf"))
        wei = torch.softmax(wei, -1)
        return x + self.proj(wei @ self.v(x))

    def example_inputs(self):
        return (torch.randn(2, 5, D),)
