"""Elementwise products where no operand is a gate: the solver chooses the orientation."""
import torch
from torch import nn


class ProductChoiceOK(nn.Module):
    """(A x) * (B x) + A x is consistent when the product takes A's type."""

    EXPECT, RULE = "strong", None

    def __init__(self, d=16):
        super().__init__()
        self.a, self.b = nn.Linear(d, d), nn.Linear(d, d)

    def forward(self, x):
        ax = self.a(x)
        return ax * torch.tanh(self.b(x)) + ax

    def example_inputs(self):
        return (torch.randn(4, 16),)


class ProductNoChoice(nn.Module):
    """(A x) * (B x) + x: whichever operand the product takes, a matrix's output meets its input."""

    EXPECT, RULE = "weak", None

    def __init__(self, d=16):
        super().__init__()
        self.a, self.b = nn.Linear(d, d), nn.Linear(d, d)

    def forward(self, x):
        return self.a(x) * torch.tanh(self.b(x)) + x  # violation

    def example_inputs(self):
        return (torch.randn(4, 16),)


class GatedLinearUnit(nn.Module):
    """GLU-style FFN inside a residual: down(silu(gate(x)) * up(x)) + x."""

    EXPECT, RULE = "strong", None

    def __init__(self, d=16, f=32):
        super().__init__()
        self.gate, self.up, self.down = nn.Linear(d, f), nn.Linear(d, f), nn.Linear(f, d)

    def forward(self, x):
        return x + self.down(nn.functional.silu(self.gate(x)) * self.up(x))

    def example_inputs(self):
        return (torch.randn(4, 16),)


class AddcmulSkipThroughMatrix(nn.Module):
    """addcmul(x, W x, ones) is x + W x: the constant factor scales, it cannot retype."""

    EXPECT, RULE = "weak", "TNN003"

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(8, 8)

    def forward(self, x):
        return torch.addcmul(x, self.W(x), torch.ones_like(x))  # violation

    def example_inputs(self):
        return (torch.randn(2, 8),)


class AddcmulTypedUpdate(nn.Module):
    """T-RNN's update as one fused op: h = f * h + (1 - f) * z."""

    EXPECT, RULE = "strong", None

    def __init__(self):
        super().__init__()
        self.W, self.V = nn.Linear(8, 8), nn.Linear(8, 8)

    def forward(self, xs):
        h = xs.new_zeros(2, 8)
        for x in xs:
            f = torch.sigmoid(self.V(x))
            h = torch.addcmul(f * h, 1 - f, self.W(x))
        return h

    def example_inputs(self):
        return (torch.randn(4, 2, 8),)
