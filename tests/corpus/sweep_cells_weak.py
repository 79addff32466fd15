"""Step cells written by hand in many spellings, each one weak (the state goes through a
learned matrix back into itself): TNN002 at the line where the recurrent matrix is used."""
from collections import namedtuple

import torch
import torch.nn.functional as F
from torch import nn

D = 8
LSTMState = namedtuple("LSTMState", ["hx", "cx"])


class FusedCatSplitLSTM(nn.Module):
    """One Linear over cat([x, h]), split into four gates; state tuple returned alone."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.gates = nn.Linear(4 + D, 4 * D)

    def forward(self, x, hc):
        h, c = hc
        i, f, g, o = self.gates(torch.cat([x, h], dim=1)).split([D, D, D, D], dim=1)  # violation
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c

    def example_inputs(self):
        return (torch.randn(2, 4), (torch.randn(2, D), torch.randn(2, D)))


class RawParamFLinearLSTM(nn.Module):
    """Raw nn.Parameter weights (PyTorch's LSTMCell layout) used through F.linear;
    the state argument is optional (hx=None)."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.weight_ih = nn.Parameter(torch.randn(4 * D, 4) * 0.1)
        self.weight_hh = nn.Parameter(torch.randn(4 * D, D) * 0.1)
        self.bias_ih = nn.Parameter(torch.zeros(4 * D))
        self.bias_hh = nn.Parameter(torch.zeros(4 * D))

    def forward(self, input, hx=None):
        if hx is None:
            z = input.new_zeros(input.shape[0], D)
            hx = (z, z)
        hx_, cx = hx
        gates = F.linear(input, self.weight_ih, self.bias_ih) + F.linear(hx_, self.weight_hh, self.bias_hh)  # violation
        ingate, forgetgate, cellgate, outgate = gates.chunk(4, 1)
        cy = torch.sigmoid(forgetgate) * cx + torch.sigmoid(ingate) * torch.tanh(cellgate)
        hy = torch.sigmoid(outgate) * torch.tanh(cy)
        return hy, (hy, cy)

    def example_inputs(self):
        return (torch.randn(2, 4), (torch.randn(2, D), torch.randn(2, D)))


class EinsumGRU(nn.Module):
    """GRU with stacked (3, in, D) weights contracted by einsum."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.Wx = nn.Parameter(torch.randn(3, 4, D) * 0.1)
        self.Uh = nn.Parameter(torch.randn(3, D, D) * 0.1)

    def forward(self, x, h):
        gx = torch.einsum("bi,gid->gbd", x, self.Wx)
        gh = torch.einsum("bd,gde->gbe", h, self.Uh)  # violation
        r = torch.sigmoid(gx[0] + gh[0])
        z = torch.sigmoid(gx[1] + gh[1])
        n = torch.tanh(gx[2] + r * gh[2])
        return (1 - z) * n + z * h

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


class MatmulTransposedElman(nn.Module):
    """x @ W.t() + z @ U.t() + b, the state named z."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.W = nn.Parameter(torch.randn(D, 4) * 0.1)
        self.U = nn.Parameter(torch.randn(D, D) * 0.1)
        self.b = nn.Parameter(torch.zeros(D))

    def forward(self, x, z):
        z = torch.tanh(x @ self.W.t() + z @ self.U.t() + self.b)  # violation
        return z

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


class AddmmElman(nn.Module):
    """torch.addmm(b, h, U) spelling, state named mem."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.W = nn.Parameter(torch.randn(4, D) * 0.1)
        self.U = nn.Parameter(torch.randn(D, D) * 0.1)
        self.b = nn.Parameter(torch.zeros(D))

    def forward(self, x, mem):
        pre = torch.addmm(self.b, mem, self.U)  # violation
        return torch.relu(pre + torch.mm(x, self.W))

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


class DictStateLSTM(nn.Module):
    """forward(x, state: dict) -> (y, dict) with separate x/h Linears."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.x2g, self.h2g = nn.Linear(4, 4 * D), nn.Linear(D, 4 * D, bias=False)
        self.head = nn.Linear(D, 3)

    def forward(self, x, state):
        g = self.x2g(x) + self.h2g(state["h"])  # violation
        i, f, c_hat, o = torch.split(g, D, dim=-1)
        c = f.sigmoid() * state["c"] + i.sigmoid() * c_hat.tanh()
        h = o.sigmoid() * c.tanh()
        return self.head(h), {"h": h, "c": c}

    def example_inputs(self):
        return (torch.randn(2, 4), {"h": torch.randn(2, D), "c": torch.randn(2, D)})


class NamedTupleLSTM(nn.Module):
    """State as a namedtuple LSTMState(hx, cx), returned as (out, LSTMState)."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.ih, self.hh = nn.Linear(4, 4 * D), nn.Linear(D, 4 * D)

    def forward(self, input, state: LSTMState):
        gates = self.ih(input) + self.hh(state.hx)  # violation
        i, f, g, o = gates.chunk(4, 1)
        cy = torch.sigmoid(f) * state.cx + torch.sigmoid(i) * torch.tanh(g)
        hy = torch.sigmoid(o) * torch.tanh(cy)
        return hy, LSTMState(hy, cy)

    def example_inputs(self):
        return (torch.randn(2, 4), LSTMState(torch.randn(2, D), torch.randn(2, D)))


class StateFirstReturned(nn.Module):
    """Returns (ctx', logits): the state first, then a readout."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.inp, self.rec, self.out = nn.Linear(4, D), nn.Linear(D, D), nn.Linear(D, 5)

    def forward(self, x, ctx):
        ctx = torch.tanh(self.inp(x) + self.rec(ctx))  # violation
        return ctx, self.out(ctx)

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


class NestedTwoLayerLSTM(nn.Module):
    """Two hand-written LSTM layers, state ((h1, c1), (h2, c2)) nested in the output."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(4 + D, 4 * D)
        self.l2 = nn.Linear(2 * D, 4 * D)

    @staticmethod
    def _step(lin, x, h, c):
        i, f, g, o = lin(torch.cat([x, h], -1)).chunk(4, -1)  # violation
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c

    def forward(self, x, states):
        (h1, c1), (h2, c2) = states
        h1, c1 = self._step(self.l1, x, h1, c1)
        h2, c2 = self._step(self.l2, h1, h2, c2)
        return h2, ((h1, c1), (h2, c2))

    def example_inputs(self):
        s = lambda: (torch.randn(2, D), torch.randn(2, D))  # noqa: E731
        return (torch.randn(2, 4), (s(), s()))


class SeparateHCArgs(nn.Module):
    """h and c as two separate arguments with defaults, returned as (h, c)."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.W, self.U = nn.Linear(4, 4 * D), nn.Linear(D, 4 * D)

    def forward(self, x, h=None, c=None):
        i, f, g, o = (self.W(x) + self.U(h)).chunk(4, -1)  # violation
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D), torch.randn(2, D))


class KeywordOnlyState(nn.Module):
    """forward(x, *, hidden) called with keyword arguments only."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.W, self.U = nn.Linear(4, D), nn.Linear(D, D)

    def forward(self, x, *, hidden):
        return torch.tanh(self.W(x) + self.U(hidden))  # violation

    def example_inputs(self):
        return {"x": torch.randn(2, 4), "hidden": torch.randn(2, D)}


class PackedHCState(nn.Module):
    """TF1-style state_is_tuple=False: h and c packed in one (B, 2D) tensor."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4 + D, 4 * D)

    def forward(self, x, state):
        c, h = state[:, :D], state[:, D:]
        i, j, f, o = self.W(torch.cat([x, h], 1)).chunk(4, 1)  # violation
        c = c * torch.sigmoid(f + 1.0) + torch.sigmoid(i) * torch.tanh(j)
        h = torch.tanh(c) * torch.sigmoid(o)
        return h, torch.cat([c, h], 1)

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, 2 * D))


class TimeFirstHiddenGRU(nn.Module):
    """nn.GRU-style layout: x (1, B, in), h (1, B, D) with the layer axis; hand-written GRU."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.x2h, self.h2h = nn.Linear(4, 3 * D), nn.Linear(D, 3 * D)

    def forward(self, x, hidden):
        x, h = x.squeeze(0), hidden.squeeze(0)
        xr, xz, xn = self.x2h(x).chunk(3, -1)
        hr, hz, hn = self.h2h(h).chunk(3, -1)  # violation
        r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
        n = torch.tanh(xn + r * hn)
        h = n + z * (h - n)
        return h.unsqueeze(0), h.unsqueeze(0)

    def example_inputs(self):
        return (torch.randn(1, 2, 4), torch.randn(1, 2, D))


class BatchFirstGRUOneStep(nn.Module):
    """nn.GRU(batch_first=True) called for one step: x (B, 1, in), h (1, B, D)."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(4, D, batch_first=True)
        self.fc = nn.Linear(D, 3)

    def forward(self, x, h):
        out, h = self.rnn(x, h)  # violation
        return self.fc(out[:, -1]), h

    def example_inputs(self):
        return (torch.randn(2, 1, 4), torch.randn(1, 2, D))


class GRUResetBeforeMatrix(nn.Module):
    """GRU variant (Cho et al.) with the reset gate applied before U: U(r * h)."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.Wrz, self.Urz = nn.Linear(4, 2 * D), nn.Linear(D, 2 * D, bias=False)
        self.W, self.U = nn.Linear(4, D), nn.Linear(D, D, bias=False)

    def forward(self, x, h):
        r, z = torch.sigmoid(self.Wrz(x) + self.Urz(h)).chunk(2, -1)
        h_tilde = torch.tanh(self.W(x) + self.U(r * h))  # violation
        return z * h + (1 - z) * h_tilde

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


class ResidualRecurrent(nn.Module):
    """h' = h + tanh(W x + U h): the residual keeps h, the matrix retypes it."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.W, self.U = nn.Linear(4, D), nn.Linear(D, D)

    def forward(self, x, h):
        return h + torch.tanh(self.W(x) + self.U(h))  # violation

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))
