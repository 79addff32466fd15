"""Encoder-decoder with additive attention (Bahdanau, Cho & Bengio 2015): GRU (weakly typed)
and T-GRU (strongly typed).

Both read the source with a bidirectional encoder, e_s = [->h_s, <-h_s], and emit one
output per source position (the reversal task's target has the source's length). The
decoder has no token input (no teacher forcing, nothing fed back): what it knows about
the source comes from its initial state and, with attention, from the context

    score_{t,s} = v . tanh(W_q q_t + U_k e_s)       alpha_t = softmax_s(score_t)
    c_t = sum_s alpha_{t,s} e_s                     output_t = [d_t, c_t]

``attention=False`` is the same model without attention (c_t = 0): a plain
encoder-decoder whose only channel is the initial state d_0 = tanh(W_0 <-h_1).

The models are not carried across windows (``carries_state = False``): the decoder
needs the whole source before its first output.
"""

from __future__ import annotations

import torch
from torch import nn

from .gru import GRU, TGRU


def bidirectional(forward_rnn: nn.Module, backward_rnn: nn.Module, xs: torch.Tensor) -> torch.Tensor:
    """[->h_s, <-h_s] for every source position s: (S, B, 2H)."""
    fwd, _ = forward_rnn(xs)
    bwd, _ = backward_rnn(xs.flip(0))
    return torch.cat([fwd, bwd.flip(0)], -1)


class AdditiveAttention(nn.Module):
    """Bahdanau's scoring: v . tanh(W_q q + U_k e_s), softmax over source positions."""

    def __init__(self, query: int, keys: int, width: int):
        super().__init__()
        self.W_q = nn.Linear(query, width, bias=False)
        self.U_k = nn.Linear(keys, width)
        self.v = nn.Linear(width, 1, bias=False)

    def forward(self, q: torch.Tensor, keys: torch.Tensor, enc: torch.Tensor):
        """q (B, Q), keys = U_k e (S, B, A), enc (S, B, E) -> (context (B, E), alpha (S, B))."""
        alpha = torch.softmax(self.v(torch.tanh(self.W_q(q) + keys)).squeeze(-1), dim=0)
        return (alpha.unsqueeze(-1) * enc).sum(0), alpha


class GRUAttentionDecoderCell(nn.Module):
    """One step of Bahdanau's decoder: forward(enc (S,B,2H), d (B,H)) -> d'.

    c = attention(d, enc)
    r = sigmoid(W_r c + U_r d)   u = sigmoid(W_u c + U_u d)
    n = tanh(W_n c + r * (U_n d))     d' = (1 - u) * n + u * d
    """

    def __init__(self, hidden: int, attention: bool = True):
        super().__init__()
        self.attention = attention
        self.attend = AdditiveAttention(hidden, 2 * hidden, hidden)
        self.W = nn.Linear(2 * hidden, 3 * hidden)
        self.U = nn.Linear(hidden, 3 * hidden)

    def step(self, d: torch.Tensor, keys: torch.Tensor, enc: torch.Tensor):
        """(d', context, alpha (S, B)); ``keys = attend.U_k(enc)``, computed once per source."""
        if self.attention:
            c, alpha = self.attend(d, keys, enc)
        else:
            c, alpha = torch.zeros_like(enc[0]), torch.zeros_like(enc[..., 0])
        wr, wu, wn = self.W(c).chunk(3, dim=-1)
        ur, uu, un = self.U(d).chunk(3, dim=-1)
        r, u = torch.sigmoid(wr + ur), torch.sigmoid(wu + uu)
        n = torch.tanh(wn + r * un)
        return (1 - u) * n + u * d, c, alpha

    def forward(self, enc: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
        return self.step(d, self.attend.U_k(enc), enc)[0]


class TGRUAttentionDecoderCell(nn.Module):
    """One step of the typed decoder: forward(enc (S,B,2H), d (B,H)) -> d'.

        [z, f, o] = learnware of the constant input     d' = sigmoid(f) * d + z * tanh(o)
        c = attention(d', enc)                          (an output only: it never enters d)

    The T-GRU is the same module that runs the whole decoder as one scan
    (``AttentionTGRU``); here it runs a window of one step.
    """

    def __init__(self, hidden: int, attention: bool = True):
        super().__init__()
        self.attention = attention
        self.decoder = TGRU(1, hidden)
        self.attend = AdditiveAttention(hidden, 2 * hidden, hidden)

    def forward(self, enc: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
        go = torch.zeros_like(enc[:1, :, :1])  # the decoder's input: nothing but time
        ds, _ = self.decoder(go, (d, go[0]))
        return ds[0]


class AttentionGRU(nn.Module):
    """Bahdanau et al. 2015: bidirectional GRU encoder, GRU decoder reading the context:

        q_t = d_{t-1}      c_t = attention(q_t, e)      (the query is the decoder state)
        r = sigmoid(W_r c_t + U_r d_{t-1})   u = sigmoid(W_u c_t + U_u d_{t-1})
        n = tanh(W_n c_t + r * (U_n d_{t-1}))     d_t = (1 - u) * n + u * d_{t-1}

    Weakly typed: U acts on the decoder state and flows back into it, and so does the
    attention query W_q d_{t-1} (through the context, the decoder's input).
    """

    expected_strongly_typed = False
    carries_state = False

    def __init__(self, d_in: int = 16, hidden: int = 32, attention: bool = True):
        super().__init__()
        self.d_in, self.hidden, self.d_out, self.attention = d_in, hidden, 3 * hidden, attention
        self.enc_fwd, self.enc_bwd = GRU(d_in, hidden), GRU(d_in, hidden)
        self.init = nn.Linear(hidden, hidden)
        self.cell = GRUAttentionDecoderCell(hidden, attention)

    def forward(self, xs: torch.Tensor, state: torch.Tensor | None = None):
        out, d, _ = self.forward_with_attention(xs)
        return out, d

    def forward_with_attention(self, xs: torch.Tensor):
        """Returns (outputs (T,B,3H), final decoder state, alpha (T, S, B))."""
        enc = bidirectional(self.enc_fwd, self.enc_bwd, xs)
        keys = self.cell.attend.U_k(enc)
        d = torch.tanh(self.init(enc[0, :, self.hidden :]))
        outputs, alphas = [], []
        for _ in range(xs.shape[0]):
            d, c, alpha = self.cell.step(d, keys, enc)
            outputs.append(torch.cat([d, c], -1))
            alphas.append(alpha)
        return torch.stack(outputs), d, torch.stack(alphas)

    def example_inputs(self):
        return (torch.randn(4, 2, self.d_in),)


class AttentionTGRU(nn.Module):
    """Typed encoder-decoder with attention (this package's design), T-GRU cells throughout:

        e_s = [->h_s, <-h_s]                 (bidirectional T-GRU encoder)
        d_0 = tanh(W_0 <-h_1)                (from the encoder: no loop)
        d_t = f * d_{t-1} + z * o            (T-GRU over a constant input: gates are learnware)
        c_t = attention(d_t, e)              (query W_q d_t, keys U_k e_s)
        output_t = [d_t, c_t]

    The context leaves as output and never enters the decoder state, so the query's
    matrix W_q closes no state -> matrix -> state loop (as the typed NTM's heads). The
    decoder state is a learned trajectory from d_0: it counts steps and carries what
    d_0 says, which is what a position-based query (reversal, copying) needs; what it
    cannot do is steer attention by what it has read.
    """

    expected_strongly_typed = True
    carries_state = False

    def __init__(self, d_in: int = 16, hidden: int = 32, attention: bool = True):
        super().__init__()
        self.d_in, self.hidden, self.d_out, self.attention = d_in, hidden, 3 * hidden, attention
        self.enc_fwd, self.enc_bwd = TGRU(d_in, hidden), TGRU(d_in, hidden)
        self.init = nn.Linear(hidden, hidden)
        self.cell = TGRUAttentionDecoderCell(hidden, attention)

    def forward(self, xs: torch.Tensor, state: torch.Tensor | None = None):
        out, d, _ = self.forward_with_attention(xs)
        return out, d

    def forward_with_attention(self, xs: torch.Tensor):
        """Returns (outputs (T,B,3H), final decoder state, alpha (T, S, B))."""
        enc = bidirectional(self.enc_fwd, self.enc_bwd, xs)
        d0 = torch.tanh(self.init(enc[0, :, self.hidden :]))
        go = torch.zeros_like(xs[..., :1])  # the decoder's input: nothing but time
        ds, (d_last, _) = self.cell.decoder(go, (d0, go[0]))  # all decoder steps: one scan
        if self.attention:
            keys = self.cell.attend.U_k(enc)
            contexts, alphas = zip(*(self.cell.attend(ds[t], keys, enc) for t in range(xs.shape[0])), strict=True)
            cs, alpha = torch.stack(contexts), torch.stack(alphas)
        else:
            cs = torch.zeros_like(enc)
            alpha = enc.new_zeros(xs.shape[0], *enc.shape[:2])
        return torch.cat([ds, cs], -1), d_last, alpha

    def example_inputs(self):
        return (torch.randn(4, 2, self.d_in),)
