"""Fixed (non-learned) matrices: a buffer or constant of the model used as the matrix of a
contraction is one typed object whose output axes must not share a type with the axes it
contracts. Identity, permutation and diagonal buffers keep the type; masks, scales,
positional tables and constants made in forward stay neutral."""
import math

import torch
import torch.nn.functional as F
from torch import nn

D = 8


class PlainAttributeReservoir(nn.Module):
    """Echo-state network, the reservoir a plain tensor attribute (not a buffer)."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.w_in = nn.Linear(4, D)
        self.W_res = torch.randn(D, D) * 0.5
        self.readout = nn.Linear(D, 2)

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            h = torch.tanh(self.w_in(x) + torch.matmul(h, self.W_res))  # violation
        return self.readout(h)

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class OrthogonalBufferLeakyESN(nn.Module):
    """Leaky ESN with an orthogonal-initialised reservoir buffer, applied by einsum."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.w_in = nn.Linear(4, D)
        R = torch.empty(D, D)
        nn.init.orthogonal_(R)
        self.register_buffer("R", R)

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            pre = self.w_in(x) + torch.einsum("ij,bj->bi", self.R, h)  # violation
            h = 0.7 * h + 0.3 * torch.tanh(pre)
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class FrozenLinearReservoir(nn.Module):
    """Reservoir as nn.Linear with requires_grad=False: still a parameter, still a matrix."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.w_in = nn.Linear(4, D)
        self.res = nn.Linear(D, D, bias=False)
        self.res.weight.requires_grad_(False)

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            h = torch.tanh(self.w_in(x) + self.res(h))  # violation
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class BmmExpandedReservoirStep(nn.Module):
    """Step cell: the reservoir buffer expanded to (B, D, D) and applied with bmm; the
    spectral radius is rescaled in forward (derived from a general buffer: a general matrix)."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.w_in = nn.Linear(4, D)
        self.register_buffer("R", torch.randn(D, D))
        self.register_buffer("rho", torch.tensor(3.0))

    def forward(self, x, h):
        R = (self.R / self.rho).expand(h.shape[0], D, D)
        return torch.tanh(self.w_in(x) + torch.bmm(R, h.unsqueeze(-1)).squeeze(-1))  # violation

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


class FixedLinearResidualTNN003(nn.Module):
    """x + F.linear(x, P) with a fixed random buffer P."""

    EXPECT, RULE = "weak", "TNN003"

    def __init__(self):
        super().__init__()
        self.register_buffer("P", torch.randn(D, D) / math.sqrt(D))
        self.head = nn.Linear(D, 2)

    def forward(self, x):
        return self.head(x + F.linear(x, self.P))  # violation

    def example_inputs(self):
        return (torch.randn(2, D),)


class FixedConvKernelResidual(nn.Module):
    """x + conv1d(x, K) with a fixed random (C, C, 3) kernel buffer (length kept by padding)."""

    EXPECT, RULE = "weak", "TNN003"

    def __init__(self):
        super().__init__()
        self.register_buffer("K", torch.randn(D, D, 3) * 0.1)
        self.head = nn.Conv1d(D, 2, 1)

    def forward(self, x):
        return self.head(x + F.conv1d(x, self.K, padding=1))  # violation

    def example_inputs(self):
        return (torch.randn(2, D, 5),)


class FixedProjectionTwice(nn.Module):
    """relu(relu(x @ P) @ P): one fixed matrix applied to its own output (TNN005)."""

    EXPECT, RULE = "weak", "TNN005"

    def __init__(self):
        super().__init__()
        self.register_buffer("P", torch.randn(D, D))
        self.head = nn.Linear(D, 2)

    def forward(self, x):
        return self.head(torch.relu(torch.relu(x @ self.P) @ self.P))  # violation

    def example_inputs(self):
        return (torch.randn(2, D),)


class CumulativeMeanResidual(nn.Module):
    """y + A @ y (y = V x) with A = tril / tril.sum(-1) a fixed averaging matrix over time (no softmax,
    so no gate): a general matrix derived from a general buffer, its output (time) added to
    its input (time). Weak, TNN003."""

    EXPECT, RULE = "weak", "TNN003"

    def __init__(self, t=5):
        super().__init__()
        self.register_buffer("tril", torch.tril(torch.ones(t, t)))
        self.v = nn.Linear(D, D)

    def forward(self, x):
        A = self.tril / self.tril.sum(-1, keepdim=True)
        y = self.v(x)
        return y + A @ y  # violation

    def example_inputs(self):
        return (torch.randn(2, 5, D),)



class IdentityBufferFLinearStep(nn.Module):
    """Step cell: F.linear(h, I) and h @ (I * 0.5) with an identity buffer keep the type."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.W, self.F = nn.Linear(4, D), nn.Linear(4, D)
        self.register_buffer("I", torch.eye(D))

    def forward(self, x, h):
        f = torch.sigmoid(self.F(x))
        return f * F.linear(h, self.I) + (1 - f) * (self.W(x) @ (self.I * 0.5))

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


class EyeInForwardRecurrence(nn.Module):
    """torch.eye(D) made inside forward and used as a matrix: no object of the model."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, 2 * D)

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            z, f = self.W(x).chunk(2, -1)
            f = torch.sigmoid(f)
            h = f * (h @ torch.eye(D)) + (1 - f) * z
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class PermutationIndexAndMaskBuffers(nn.Module):
    """Constants acting as numbers in a recurrence: a 0/1 feature mask buffer (zoneout-like),
    a permutation index buffer (h[:, perm]) and a scale buffer. Strong."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, 2 * D)
        self.register_buffer("keep", (torch.arange(D) % 2).float())
        self.register_buffer("perm", torch.arange(D).roll(1))
        self.register_buffer("scale", torch.tensor(0.5))

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            z, f = self.W(x).chunk(2, -1)
            f = torch.sigmoid(f)
            new = f * h[:, self.perm] + (1 - f) * z * self.scale
            h = self.keep * h + (1 - self.keep) * new
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class RotaryStateRecurrence(nn.Module):
    """h rotated by fixed cos/sin tables (rotate-half) each step, then gated: strong."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, 2 * D)
        theta = torch.arange(D // 2) * 0.3
        self.register_buffer("cos", torch.cos(theta).repeat(2))
        self.register_buffer("sin", torch.sin(theta).repeat(2))

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            z, f = self.W(x).chunk(2, -1)
            f = torch.sigmoid(f)
            a, b = h.chunk(2, -1)
            rot = h * self.cos + torch.cat([-b, a], -1) * self.sin
            h = f * rot + (1 - f) * z
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class SinusoidalPEAndRandomFeatures(nn.Module):
    """Fixed sinusoidal PE added to the input, then a fixed random-feature map D -> 16 into a
    learned head: no type mixed. Strong."""

    EXPECT, RULE = "strong", None

    def __init__(self, t=5):
        super().__init__()
        pos = torch.arange(t)[:, None] / (10000 ** (torch.arange(D)[None, :] / D))
        self.register_buffer("pe", torch.sin(pos))
        self.omega = torch.randn(D, 16)
        self.head = nn.Linear(32, 2)

    def forward(self, x):
        u = (x + self.pe) @ self.omega
        return self.head(torch.cat([torch.cos(u), torch.sin(u)], -1))

    def example_inputs(self):
        return (torch.randn(2, 5, D),)
