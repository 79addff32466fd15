"""F.linear style: a classic GRU, and minGRU / minLSTM (Feng et al. 2024), whose gates
read only the input."""
import torch
import torch.nn.functional as F
from torch import nn


class FunctionalGRU(nn.Module):
    EXPECT, RULE = "weak", "TNN002"

    def __init__(self, d=8, h=16):
        super().__init__()
        self.w_x = nn.Parameter(torch.randn(3 * h, d) * 0.1)
        self.w_h = nn.Parameter(torch.randn(3 * h, h) * 0.1)
        self.h = h

    def forward(self, xs):
        h = xs.new_zeros(xs.shape[1], self.h)
        for x in xs:
            xr, xz, xn = F.linear(x, self.w_x).chunk(3, -1)
            hr, hz, hn = F.linear(h, self.w_h).chunk(3, -1)  # violation
            r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
            n = torch.tanh(xn + r * hn)  # violation
            h = (1 - z) * n + z * h  # violation
        return h

    def example_inputs(self):
        return (torch.randn(5, 2, 8),)


class MinGRU(nn.Module):
    EXPECT, RULE = "strong", None

    def __init__(self, d=8, h=16):
        super().__init__()
        self.w_z = nn.Parameter(torch.randn(h, d) * 0.1)
        self.w_h = nn.Parameter(torch.randn(h, d) * 0.1)
        self.h = h

    def forward(self, xs):
        h = xs.new_zeros(xs.shape[1], self.h)
        out = []
        for x in xs:
            z = torch.sigmoid(F.linear(x, self.w_z))
            h = (1 - z) * h + z * F.linear(x, self.w_h)
            out.append(h)
        return torch.stack(out)

    def example_inputs(self):
        return (torch.randn(5, 2, 8),)


class MinLSTM(nn.Module):
    EXPECT, RULE = "strong", None

    def __init__(self, d=8, h=16):
        super().__init__()
        self.gates = nn.Linear(d, 3 * h)
        self.h = h

    def forward(self, xs):
        h = xs.new_zeros(xs.shape[1], self.h)
        for x in xs:
            f, i, cand = self.gates(x).chunk(3, dim=-1)
            f, i = torch.sigmoid(f), torch.sigmoid(i)
            f, i = f / (f + i), i / (f + i)
            h = f * h + i * cand
        return h

    def example_inputs(self):
        return (torch.randn(5, 2, 8),)
