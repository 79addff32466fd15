"""Per-sample scalars made full by expand/expand_as/repeat/broadcast_to stay scalars.

A boundary z of shape (B, 1) imposes no type on the feature axis, whether it is
broadcast implicitly or spelled out with expand_as: in a product the other operand's
type wins, so `z * cand + (1 - z) * h` still requires cand and h to share a type.
"""
import torch
from torch import nn

D = 8


class _Boundary(nn.Module):
    """HM-LSTM style update with a per-sample boundary z, candidate tanh(W x + U h)."""

    def __init__(self):
        super().__init__()
        self.W, self.U, self.b = nn.Linear(4, D), nn.Linear(D, D), nn.Linear(4, 1)

    def boundary(self, x):
        return (self.b(x) > 0).float()  # a hard (0/1) boundary: no gate


class BoundaryExpandAsWeak(_Boundary):
    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            z = self.boundary(x)
            cand = torch.tanh(self.W(x) + self.U(h))  # violation
            h = z.expand_as(h) * cand + (1 - z.expand_as(h)) * h
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class BoundaryImplicitWeak(_Boundary):
    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            z = self.boundary(x)
            cand = torch.tanh(self.W(x) + self.U(h))  # violation
            h = z * cand + (1 - z) * h
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class BoundaryExpandWeak(_Boundary):
    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            z = self.boundary(x).expand(-1, D)
            cand = torch.tanh(self.W(x) + self.U(h))  # violation
            h = z * cand + (1 - z) * h
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class BoundaryRepeatWeak(_Boundary):
    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            z = self.boundary(x).repeat(1, D)
            cand = torch.tanh(self.W(x) + self.U(h))  # violation
            h = torch.broadcast_to(z, h.shape) * cand + (1 - z) * h
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class BoundaryExpandAsStrong(_Boundary):
    """The same update with a typed candidate (tanh(W x)): strongly typed."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            z = self.boundary(x)
            cand = torch.tanh(self.W(x))
            h = z.expand_as(h) * cand + (1 - z.expand_as(h)) * h
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class ScalarExpandedResidualWeak(nn.Module):
    """A per-sample scale expanded over features does not retype x + s * W x."""

    EXPECT, RULE = "weak", "TNN003"

    def __init__(self):
        super().__init__()
        self.W, self.s = nn.Linear(D, D), nn.Linear(D, 1)

    def forward(self, x):
        s = self.s(x).expand_as(x)
        return x + s * self.W(x)  # violation

    def example_inputs(self):
        return (torch.randn(2, D),)
