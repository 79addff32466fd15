"""More step-cell spellings: a state of two parts where only one part is retyped, state
containers that change kind (tuple in, list out), keyword arguments, a detached state, an
attention decoder step, and gate spellings (torch.sigmoid, hardsigmoid, a fused sigmoid
then chunk, softmax over a viewed pair axis, stacked pre-activations of a full LSTM)."""
import torch
import torch.nn.functional as F
from torch import nn

D = 8


class OnlyCWeakSeparateArgs(nn.Module):
    """forward(x, h, c): h is a T-RNN update, c goes through V: weak only through c."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.F, self.W, self.W2, self.V = nn.Linear(4, D), nn.Linear(4, D), nn.Linear(4, D), nn.Linear(D, D)

    def forward(self, x, h, c):
        f = torch.sigmoid(self.F(x))
        h = f * h + (1 - f) * self.W(x)
        c = torch.tanh(self.V(c) + self.W2(x))  # violation
        return h, c

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D), torch.randn(2, D))


class OnlyCWeakTuple(nn.Module):
    """forward(x, (h, c)) -> (h, (h, c)): only c's candidate goes through V."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.F, self.W, self.W2, self.V = nn.Linear(4, D), nn.Linear(4, D), nn.Linear(4, D), nn.Linear(D, D)

    def forward(self, x, state):
        h, c = state
        f = torch.sigmoid(self.F(x))
        c = f * c + (1 - f) * torch.tanh(self.V(c) + self.W2(x))  # violation
        h = f * h + (1 - f) * self.W(x)
        return h, (h, c)

    def example_inputs(self):
        return (torch.randn(2, 4), (torch.randn(2, D), torch.randn(2, D)))


class TupleInListOut(nn.Module):
    """State passed as a tuple, returned as a list [h, c]."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.W, self.U = nn.Linear(4, 4 * D), nn.Linear(D, 4 * D)

    def forward(self, x, state):
        h, c = state
        i, f, g, o = (self.W(x) + self.U(h)).chunk(4, -1)  # violation
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return [h, c]

    def example_inputs(self):
        return (torch.randn(2, 4), (torch.randn(2, D), torch.randn(2, D)))


class KwargsHxTuple(nn.Module):
    """Called as cell(input=x, hx=(h, c)), keyword arguments only."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.W, self.U = nn.Linear(4, 4 * D), nn.Linear(D, 4 * D)

    def forward(self, input, hx):
        h, c = hx
        i, f, g, o = (self.W(input) + self.U(h)).chunk(4, -1)  # violation
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, c

    def example_inputs(self):
        return {"input": torch.randn(2, 4), "hx": (torch.randn(2, D), torch.randn(2, D))}


class DetachedStateElman(nn.Module):
    """Truncated BPTT: the state is detached before use; detach keeps the type."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.W, self.U = nn.Linear(4, D), nn.Linear(D, D)

    def forward(self, x, h):
        return torch.tanh(self.W(x) + self.U(h.detach()))  # violation

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


class BahdanauDecoderStep(nn.Module):
    """forward(y_prev, hidden, encoder_outputs) -> (logits, hidden): additive attention,
    then a GRUCell on [emb; ctx]. encoder_outputs is no state."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 4)
        self.Wa, self.Ua, self.va = nn.Linear(D, D), nn.Linear(D, D), nn.Linear(D, 1)
        self.cell = nn.GRUCell(4 + D, D)
        self.out = nn.Linear(D, 10)

    def forward(self, y_prev, hidden, encoder_outputs):
        e = self.va(torch.tanh(self.Wa(hidden)[:, None] + self.Ua(encoder_outputs))).squeeze(-1)
        a = torch.softmax(e, -1)
        ctx = torch.bmm(a[:, None], encoder_outputs).squeeze(1)
        hidden = self.cell(torch.cat([self.emb(y_prev), ctx], -1), hidden)  # violation
        return self.out(hidden), hidden

    def example_inputs(self):
        return (torch.tensor([1, 2]), torch.randn(2, D), torch.randn(2, 5, D))


class SigmoidGateUhCandidate(nn.Module):
    """Gate from x only (torch.sigmoid), candidate tanh(W x + U h): weak."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.Wz, self.W, self.U = nn.Linear(4, D), nn.Linear(4, D), nn.Linear(D, D)

    def forward(self, x, h):
        z = torch.sigmoid(self.Wz(x))
        return z * h + (1 - z) * torch.tanh(self.W(x) + self.U(h))  # violation

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


class HardsigmoidGateUhCandidate(nn.Module):
    """The same with F.hardsigmoid (a gate too): weak."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.Wz, self.W, self.U = nn.Linear(4, D), nn.Linear(4, D), nn.Linear(D, D)

    def forward(self, x, h):
        z = F.hardsigmoid(self.Wz(x))
        return z * h + (1 - z) * torch.tanh(self.W(x) + self.U(h))  # violation

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


class FusedSigmoidChunkGates(nn.Module):
    """Two gates from one fused Linear, sigmoid then chunk; candidate uses U h: weak."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.G, self.W, self.U = nn.Linear(4, 2 * D), nn.Linear(4, D), nn.Linear(D, D)

    def forward(self, x, h):
        f, i = torch.sigmoid(self.G(x)).chunk(2, -1)
        return f * h + i * torch.tanh(self.W(x) + self.U(h))  # violation

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


class SoftmaxPairViewGates(nn.Module):
    """Two competing gates: softmax over a viewed (B, D, 2) pair axis, unbind: weak."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.G, self.W, self.U = nn.Linear(4, 2 * D), nn.Linear(4, D), nn.Linear(D, D)

    def forward(self, x, h):
        a, b = torch.softmax(self.G(x).view(-1, D, 2), -1).unbind(-1)
        return a * h + b * torch.tanh(self.W(x) + self.U(h))  # violation

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


class LSTMStackedPreactivations(nn.Module):
    """Full LSTM with per-gate Linears, i/f/o pre-activations stacked under one sigmoid."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.Wx = nn.ModuleList(nn.Linear(4, D) for _ in range(4))
        self.Uh = nn.ModuleList(nn.Linear(D, D, bias=False) for _ in range(4))

    def forward(self, x, state):
        h, c = state
        pre = [wx(x) + uh(h) for wx, uh in zip(self.Wx, self.Uh)]  # violation
        i, f, o = torch.sigmoid(torch.stack(pre[:3]))
        c = f * c + i * torch.tanh(pre[3])
        h = o * torch.tanh(c)
        return h, (h, c)

    def example_inputs(self):
        return (torch.randn(2, 4), (torch.randn(2, D), torch.randn(2, D)))
