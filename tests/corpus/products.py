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
