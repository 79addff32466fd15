"""Gates computed from the state, acting on the state; the initial state made in several ways.

A gate g = sigmoid(U h) multiplying h is diag(g) acting on h: the product has h's type
whatever U's output type is, and the candidate W x never sees h, so the recurrence keeps
its type. The verdict must not depend on whether h starts as zeros, a buffer or an input.
"""
import torch
from torch import nn

D = 8


class StateGateZeros(nn.Module):
    """h starts as torch.zeros: the first step's g * h is the gate acting on a zero state."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.U, self.W = nn.Linear(D, D), nn.Linear(4, D)

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            g = torch.sigmoid(self.U(h))
            h = g * h + (1 - g) * self.W(x)
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class StateGateInput(nn.Module):
    """The same model given h0 as an input."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.U, self.W = nn.Linear(D, D), nn.Linear(4, D)

    def forward(self, xs, h):
        for x in xs:
            g = torch.sigmoid(self.U(h))
            h = g * h + (1 - g) * self.W(x)
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4), torch.randn(2, D))


class StateGateBuffer(nn.Module):
    """h starts from a registered buffer, gate on the right: h * g."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.U, self.W = nn.Linear(D, D), nn.Linear(4, D)
        self.register_buffer("h0", torch.zeros(1, D))

    def forward(self, xs):
        h = self.h0.expand(xs.shape[1], D)
        for x in xs:
            g = torch.sigmoid(self.U(h))
            h = h * g + self.W(x) * (1 - g)
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class StateGateCandidateSeesState(nn.Module):
    """The weak side: the candidate tanh(W x + V h) passes h through a matrix into h."""

    EXPECT, RULE, RECURRENT, VIOLATIONS = "weak", "TNN002", True, 1

    def __init__(self):
        super().__init__()
        self.U, self.W, self.V = nn.Linear(D, D), nn.Linear(4, D), nn.Linear(D, D)

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            g = torch.sigmoid(self.U(h))
            h = g * h + (1 - g) * torch.tanh(self.W(x) + self.V(h))  # violation
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class ConvGRUZeros(nn.Module):
    """A ConvGRU whose gates read [x, h] through convolutions; the candidate reads r * h
    through a convolution too, so it is weak, with the culprit on the candidate's conv
    (never on the gate's)."""

    EXPECT, RULE, RECURRENT, VIOLATIONS = "weak", "TNN002", True, 1

    def __init__(self, c_in=3, c=4):
        super().__init__()
        self.gates = nn.Conv2d(c_in + c, 2 * c, 3, padding=1)
        self.cand = nn.Conv2d(c_in + c, c, 3, padding=1)
        self.c = c

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], self.c, xs.shape[3], xs.shape[4])
        for x in xs:
            z, r = torch.sigmoid(self.gates(torch.cat([x, h], 1))).chunk(2, 1)
            n = torch.tanh(self.cand(torch.cat([x, r * h], 1)))  # violation
            h = (1 - z) * h + z * n
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 3, 5, 5),)
