"""Defects met on real code: ops without rules, a false recurrence, state names."""
import math

import torch
from torch import nn

D = 8


class TransformerEncoderLM(nn.Module):
    """A word-level LM on nn.TransformerEncoder (its fast-path checks make export fall back
    to the recorded path): its layers are a stack, not a recurrence."""

    EXPECT, RULE, RECURRENT = "strong", None, False

    def __init__(self, ntoken=50, nlayers=2):
        super().__init__()
        self.emb = nn.Embedding(ntoken, D)
        layer = nn.TransformerEncoderLayer(D, 2, 16, dropout=0.1)
        self.enc = nn.TransformerEncoder(layer, nlayers)
        self.dec = nn.Linear(D, ntoken)

    def forward(self, src):
        mask = nn.Transformer.generate_square_subsequent_mask(src.shape[0])
        x = self.emb(src) * math.sqrt(D)
        return self.dec(self.enc(x, mask))

    def example_inputs(self):
        return (torch.randint(0, 50, (6, 2)),)


class NTMContentAddressing(nn.Module):
    """NTM content addressing: w = softmax(beta * cosine_similarity(memory, key))."""

    EXPECT, RULE = "strong", None

    def __init__(self, n=6):
        super().__init__()
        self.key, self.beta = nn.Linear(4, D), nn.Linear(4, 1)
        self.register_buffer("memory", torch.randn(n, D))

    def forward(self, x):
        k = self.key(x)
        sim = torch.cosine_similarity(self.memory.unsqueeze(0), k.unsqueeze(1), dim=-1)
        w = torch.softmax(nn.functional.softplus(self.beta(x)) * sim, -1)
        return w @ self.memory

    def example_inputs(self):
        return (torch.randn(2, 4),)


class CosineResidualWeak(nn.Module):
    """cosine_similarity keeps the types of the axes it does not reduce: a skip around a
    square matrix through it is still x + W x."""

    EXPECT, RULE = "weak", "TNN001"

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(D, D)

    def forward(self, x):
        s = torch.cosine_similarity(x.unsqueeze(-1), self.W(x).unsqueeze(-1), dim=-1)  # violation
        return x + s

    def example_inputs(self):
        return (torch.randn(2, D),)


class SLSTMLogSigmoid(nn.Module):
    """xLSTM sLSTM's stabilised gates: log_sigmoid of a gate preactivation."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.f, self.z = nn.Linear(4, D), nn.Linear(4, D)

    def forward(self, xs):
        c = torch.zeros(xs.shape[1], D)
        m = torch.zeros(xs.shape[1], D)
        for x in xs:
            logf = nn.functional.logsigmoid(self.f(x))
            m_new = torch.maximum(logf + m, torch.zeros_like(m))
            f = torch.exp(logf + m - m_new)
            c = f * c + torch.tanh(self.z(x))
            m = m_new
        return c

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class SLSTMLogSigmoidRecorded(nn.Module):
    """The same gates on the recorded path (a branch on tensor values), where logsigmoid
    is `log_sigmoid_forward` with its scratch buffer; the candidate sees the state: weak."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.f, self.z, self.r = nn.Linear(4, D), nn.Linear(4, D), nn.Linear(D, D)

    def forward(self, xs):
        c = torch.zeros(xs.shape[1], D)
        for x in xs:
            if x.sum() > -1e9:
                logf = nn.functional.logsigmoid(self.f(x))
                c = torch.exp(logf) * c + torch.tanh(self.z(x) + self.r(c))  # violation
        return c

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class ComplexLRU(nn.Module):
    """LRU with complex diagonal eigenvalues: h = lambda * h + B x, all elementwise."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.nu, self.theta = nn.Parameter(torch.rand(D)), nn.Parameter(torch.rand(D))
        self.B_re, self.B_im = nn.Linear(4, D), nn.Linear(4, D)
        self.C = nn.Linear(D, 3)

    def forward(self, xs):
        lam = torch.complex(torch.exp(-self.nu) * torch.cos(self.theta), torch.exp(-self.nu) * torch.sin(self.theta))
        h = torch.zeros(xs.shape[1], D, dtype=torch.complex64)
        for x in xs:
            h = lam * h + torch.complex(self.B_re(x), self.B_im(x))
        return self.C(h.real)

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class ComplexLRUWeak(nn.Module):
    """The same with a dense complex state matrix on the real part: weak."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.B_re, self.B_im = nn.Linear(4, D), nn.Linear(4, D)
        self.A = nn.Linear(D, D)

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D, dtype=torch.complex64)
        for x in xs:
            h = torch.complex(self.A(h.real), h.imag) + torch.complex(self.B_re(x), self.B_im(x))  # violation
        return h.real

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class HyperConnectionDiv(nn.Module):
    """Hyper-connections style: a residual stream normalised by a learned, per-stream sum."""

    EXPECT, RULE = "strong", None

    def __init__(self, n=2):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(n))
        self.ff = nn.Sequential(nn.Linear(D, 2 * D), nn.GELU(), nn.Linear(2 * D, D))

    def forward(self, x):
        streams = x.unsqueeze(-2).expand(*x.shape[:-1], 2, D)
        mix = (streams * self.alpha[:, None]).sum(-2) / self.alpha.sum()
        return mix + self.ff(mix)

    def example_inputs(self):
        return (torch.randn(2, 5, D),)


class ConvLSTMNamed(nn.Module):
    """A ConvLSTM cell in a loop (the common ConvLSTMCell code): its state is `h_cur`/
    `h_next` and `c`, never an intermediate such as `combined_conv`."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True
    STATE_NAMES = {"h_next", "c_next", "h", "c", "h_cur", "c_cur"}

    def __init__(self, c_in=3, hid=4):
        super().__init__()
        self.hid = hid
        self.conv = nn.Conv2d(c_in + hid, 4 * hid, 3, padding=1)

    def step(self, x, h_cur, c_cur):
        combined = torch.cat([x, h_cur], dim=1)
        combined_conv = self.conv(combined)  # violation
        cc_i, cc_f, cc_o, cc_g = torch.split(combined_conv, self.hid, dim=1)
        i, f, o, g = torch.sigmoid(cc_i), torch.sigmoid(cc_f), torch.sigmoid(cc_o), torch.tanh(cc_g)
        c_next = f * c_cur + i * g
        h_next = o * torch.tanh(c_next)
        return h_next, c_next

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], self.hid, xs.shape[3], xs.shape[4])
        c = torch.zeros_like(h)
        for x in xs:
            h, c = self.step(x, h, c)
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 3, 5, 5),)
