"""Strongly typed step cells (T-RNN / T-LSTM / T-GRU / minGRU / minLSTM and relatives):
gates and candidates come from the input only, and the state is updated elementwise.
Written in the same spellings as the weak cells; each must stay strong."""
from collections import namedtuple

import torch
import torch.nn.functional as F
from torch import nn

D = 8
TState = namedtuple("TState", ["h", "c"])


class TLSTMFusedSplit(nn.Module):
    """T-LSTM: one Linear from x split into (z, f, o); state tuple returned alone."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.gates = nn.Linear(4, 3 * D)

    def forward(self, x, hc):
        h, c = hc
        z, f, o = self.gates(x).split([D, D, D], dim=1)
        f = torch.sigmoid(f)
        c = f * c + (1 - f) * z
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c

    def example_inputs(self):
        return (torch.randn(2, 4), (torch.randn(2, D), torch.randn(2, D)))


class TGRURawParamFLinear(nn.Module):
    """T-GRU with raw parameters through F.linear; optional state argument."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(3 * D, 4) * 0.1)
        self.bias = nn.Parameter(torch.zeros(3 * D))

    def forward(self, input, hx=None):
        if hx is None:
            hx = input.new_zeros(input.shape[0], D)
        z, f, o = F.linear(input, self.weight, self.bias).chunk(3, 1)
        f = torch.sigmoid(f)
        h = f * hx + (1 - f) * z
        return torch.tanh(h) * torch.sigmoid(o), h

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


class TRNNEinsum(nn.Module):
    """T-RNN with stacked (2, in, D) weights contracted by einsum."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.Wx = nn.Parameter(torch.randn(2, 4, D) * 0.1)

    def forward(self, x, h):
        z, f = torch.einsum("bi,gid->gbd", x, self.Wx).unbind(0)
        f = torch.sigmoid(f)
        return f * h + (1 - f) * z

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


class MinGRU(nn.Module):
    """minGRU (Feng et al. 2024): z = sigmoid(W_z x), h~ = W_h x, h' = (1-z) h + z h~."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.to_hidden_and_gate = nn.Linear(4, 2 * D, bias=False)

    def forward(self, x, prev_hidden):
        hidden, gate = self.to_hidden_and_gate(x).chunk(2, dim=-1)
        gate = gate.sigmoid()
        return (1 - gate) * prev_hidden + gate * hidden

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))



class TLSTMDictState(nn.Module):
    """T-LSTM with dict state {"h", "c"} and a readout head."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.x2g = nn.Linear(4, 3 * D)
        self.head = nn.Linear(D, 3)

    def forward(self, x, state):
        z, f, o = torch.split(self.x2g(x), D, dim=-1)
        f = f.sigmoid()
        c = f * state["c"] + (1 - f) * z
        h = o.sigmoid() * c.tanh()
        return self.head(h), {"h": h, "c": c}

    def example_inputs(self):
        return (torch.randn(2, 4), {"h": torch.randn(2, D), "c": torch.randn(2, D)})


class TLSTMNamedTuple(nn.Module):
    """T-LSTM with a namedtuple state."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, 3 * D)

    def forward(self, x, state: TState):
        z, f, o = self.W(x).chunk(3, -1)
        f = torch.sigmoid(f)
        c = f * state.c + (1 - f) * z
        return torch.sigmoid(o) * c, TState(torch.sigmoid(o) * c, c)

    def example_inputs(self):
        return (torch.randn(2, 4), TState(torch.randn(2, D), torch.randn(2, D)))


class StateGatedOnly(nn.Module):
    """g = sigmoid(U h); h' = g * h + (1 - g) * W x. The state reaches a matrix only as a
    gate, whose type is unconstrained: strongly typed (docs/semantics.md says so)."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.W, self.U = nn.Linear(4, D), nn.Linear(D, D)

    def forward(self, x, mem):
        g = torch.sigmoid(self.U(mem))
        return g * mem + (1 - g) * self.W(x)

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


class PeepholeTLSTM(nn.Module):
    """T-LSTM with diagonal peepholes (learned vectors times c): diagonal, keeps types."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, 3 * D)
        self.p_f, self.p_o = nn.Parameter(torch.zeros(D)), nn.Parameter(torch.zeros(D))

    def forward(self, x, state):
        h, c = state
        z, f, o = self.W(x).chunk(3, -1)
        f = torch.sigmoid(f + self.p_f * c)
        c = f * c + (1 - f) * torch.tanh(z)
        h = torch.sigmoid(o + self.p_o * c) * torch.tanh(c)
        return h, (h, c)

    def example_inputs(self):
        return (torch.randn(2, 4), (torch.randn(2, D), torch.randn(2, D)))


class TRNNLayerNormOut(nn.Module):
    """T-RNN whose new state is layer-normalised (norms keep the type)."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.W, self.F = nn.Linear(4, D), nn.Linear(4, D)
        self.ln = nn.LayerNorm(D)

    def forward(self, x, ctx):
        f = torch.sigmoid(self.F(x))
        return self.ln(f * ctx + (1 - f) * self.W(x))

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


class TGRUKeywordOnly(nn.Module):
    """T-GRU called with keyword arguments only, state named mem."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, 2 * D)

    def forward(self, x, *, mem):
        z, f = self.W(x).chunk(2, -1)
        f = torch.sigmoid(f)
        return f * mem + (1 - f) * torch.tanh(z)

    def example_inputs(self):
        return {"x": torch.randn(2, 4), "mem": torch.randn(2, D)}


class TimeFirstTRNN(nn.Module):
    """T-RNN in nn.GRU layout: x (1, B, in), h (1, B, D)."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, 2 * D)

    def forward(self, x, hidden):
        z, f = self.W(x).chunk(2, -1)
        f = torch.sigmoid(f)
        hidden = f * hidden + (1 - f) * z
        return hidden, hidden

    def example_inputs(self):
        return (torch.randn(1, 2, 4), torch.randn(1, 2, D))
