"""einsum style, batch-first."""
import torch
from torch import nn


class EinsumRNN(nn.Module):
    EXPECT, RULE = "weak", "TNN002"

    def __init__(self, d=8, h=16):
        super().__init__()
        self.inp = nn.Parameter(torch.randn(d, h) * 0.1)
        self.rec = nn.Parameter(torch.randn(h, h) * 0.1)
        self.h = h

    def forward(self, xs):  # (batch, time, d)
        h = xs.new_zeros(xs.shape[0], self.h)
        for t in range(xs.shape[1]):
            h = torch.tanh(torch.einsum("bd,dh->bh", xs[:, t], self.inp)
                           + torch.einsum("bh,hk->bk", h, self.rec))  # violation
        return h

    def example_inputs(self):
        return (torch.randn(2, 4, 8),)


class EinsumQRNN(nn.Module):
    """f-pooling with the learnware as one einsum over all steps."""

    EXPECT, RULE = "strong", None

    def __init__(self, d=8, h=16):
        super().__init__()
        self.w = nn.Parameter(torch.randn(d, 2, h) * 0.1)

    def forward(self, xs):  # (batch, time, d)
        zf = torch.einsum("btd,dgh->btgh", xs, self.w)
        z, f = torch.tanh(zf[:, :, 0]), torch.sigmoid(zf[:, :, 1])
        c = torch.zeros_like(z[:, 0])
        for t in range(xs.shape[1]):
            c = f[:, t] * c + (1 - f[:, t]) * z[:, t]
        return c

    def example_inputs(self):
        return (torch.randn(2, 4, 8),)


class EinsumAttentionPool(nn.Module):
    """Attention pooling over parallel streams, as hyper-connections write it: weights
    from a linear map, softmax over the streams, then `einsum('b s d, b s d -> b d')`.
    Along d the softmax is a gate acting on the streams (the product rule), exactly as
    `(x * attn).sum(-2)` is: strongly typed, in both spellings."""

    EXPECT, RULE = "strong", None

    def __init__(self, d=8):
        super().__init__()
        self.to_logits = nn.Linear(d, d, bias=False)

    def forward(self, x):  # (batch, streams, d) or (streams, d)
        attn = self.to_logits(x).softmax(dim=-2)
        return torch.einsum("...sd,...sd->...d", x, attn)

    def example_inputs(self):
        return (torch.randn(4, 8),)


class EinsumUngatedPool(nn.Module):
    """The same pooling with raw logits for weights: no gate, so the product of x with
    W x ties W's output type to its input's (W applied to its own type's partner)."""

    EXPECT, RULE = "weak", "TNN005"

    def __init__(self, d=8):
        super().__init__()
        self.to_logits = nn.Linear(d, d, bias=False)

    def forward(self, x):
        return torch.einsum("bsd,bsd->bd", x, self.to_logits(x))  # violation

    def example_inputs(self):
        return (torch.randn(2, 4, 8),)
