"""Models whose no-argument constructor reads tensor data (.item()): it cannot run on the
meta device, so the first plan is built with real tensors (docs/building.md); before, the
model was listed as skipped and, next to a strongly typed model, the file exited 0."""
import torch
from torch import nn

D = 8


class SpectralRadiusESN(nn.Module):
    """The textbook echo-state network: reservoir rescaled to spectral radius 0.9 in
    __init__ (eigvals, .item()). Weak: a fixed matrix acting on the state."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.w_in = nn.Linear(4, D)
        W = torch.randn(D, D)
        rho = torch.linalg.eigvals(W).abs().max().item()
        self.register_buffer("R", W * (0.9 / rho))

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            h = torch.tanh(self.w_in(x) + h @ self.R.T)  # violation
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class Readout(nn.Module):
    """A strongly typed model next to them: the file then exits 0."""

    EXPECT, RULE = "strong", None

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, D)

    def forward(self, x):
        return self.W(x)

    def example_inputs(self):
        return (torch.randn(2, 4),)
