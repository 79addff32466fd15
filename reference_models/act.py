"""Adaptive Computation Time (Graves 2016): an Elman cell pondering (weakly typed) and a
T-RNN cell pondering (strongly typed).

At every input step t the cell runs n = 1, 2, ... ponder steps on the same input, with a
flag telling the first step apart (Graves, eq. 6):

    x^n_t = [x_t, delta(n = 1)]
    s^n_t = S(s^{n-1}_t, x^n_t)              s^0_t = s_{t-1}
    h^n_t = sigmoid(halting unit)            (halting probability of step n)
    N(t)  = min{ n : h^1_t + ... + h^n_t >= 1 - eps }   (and N(t) <= max_ponder)
    R(t)  = 1 - (h^1_t + ... + h^{N(t)-1}_t)            (the remainder)
    p^n_t = h^n_t for n < N(t),  p^{N(t)}_t = R(t)
    s_t   = sum_n p^n_t s^n_t                (state and output: the halting-weighted mean)
    ponder cost P(t) = N(t) + R(t)           (added to the loss times tau)

**What the checker sees.** N(t) depends on the data, so the loop's trip count does too.
The models here never branch on it: they compute the halting weights with masks
(``running``: still pondering; ``halts``: stops at this step), which give p^n = 0 for
every step after N(t). That arithmetic runs for ``max_ponder`` steps, the bound on
N(t). Only outside tracing do they leave the loop early once every sequence of the
batch has halted; the steps skipped would all have had p^n = 0 and change nothing
(``test_act.py`` checks the early exit against the full loop). Under ``torch.export`` /
meta / fake tensors the loop always runs its ``max_ponder`` steps, so the checker sees
every ponder step any input could take: the verdict covers all halting patterns, not
the one recorded path. ``max_ponder = 1`` is the same cell without ACT (one step,
p^1 = 1, same parameters).
"""

from __future__ import annotations

import torch
from torch import nn

from ._common import zeros_state
from .scan import is_tracing

EPS = 0.01  # Graves: halt once the cumulative halting probability reaches 1 - eps


def ponder_weights(h: torch.Tensor, cum: torch.Tensor, running: torch.Tensor, last: bool):
    """One step of the halting arithmetic, as masks (no data-dependent branch).

    h: this step's halting probability (B, 1); cum: sum of the earlier ones;
    running: 1 where the sequence has not halted yet. Returns (p^n, remainder added at
    this step, new cum, new running).
    """
    halts = running if last else running * (cum + h >= 1 - EPS).to(h.dtype)
    remainder = halts * (1 - cum)
    p = (running - halts) * h + remainder
    return p, remainder, cum + h, running - halts


class ACTElman(nn.Module):
    """Elman RNN with ACT (Graves 2016, section 2; the parity experiment's network):

        s^n = tanh(W x^n + U s^{n-1} + b)         halting h^n = sigmoid(w_h . s^n + b_h)

    Weakly typed twice over: U maps the state to another type and adds it back, and the
    halting unit (a learned map of the state) weighs the state it came from.
    """

    expected_strongly_typed = False

    def __init__(self, d_in: int = 16, hidden: int = 32, max_ponder: int = 4):
        super().__init__()
        self.d_in, self.hidden, self.d_out, self.max_ponder = d_in, hidden, hidden, max_ponder
        self.W = nn.Linear(d_in + 1, hidden)  # the extra input is the first-step flag
        self.U = nn.Linear(hidden, hidden, bias=False)
        self.halt = nn.Linear(hidden, 1)
        nn.init.constant_(self.halt.bias, 1.0)  # Graves: a positive halting bias, short ponders at first

    def forward(self, xs: torch.Tensor, state: torch.Tensor | None = None):
        out, state, _ = self.forward_with_ponder(xs, state)
        return out, state

    def forward_with_ponder(self, xs: torch.Tensor, state: torch.Tensor | None = None):
        """Returns (outputs (T,B,H), state, ponder (T,B,2): [N(t), R(t)])."""
        s_prev = zeros_state(xs, self.hidden) if state is None else state
        tracing = is_tracing(xs, s_prev)
        first = self.W(torch.cat([xs, torch.ones_like(xs[..., :1])], -1))  # W x^1 + b, all t at once
        later = self.W(torch.cat([xs, torch.zeros_like(xs[..., :1])], -1))  # W x^n + b, n > 1
        outputs, ponders = [], []
        for t in range(xs.shape[0]):
            s = s_prev
            mean = torch.zeros_like(s_prev)
            cum = s_prev.new_zeros(s_prev.shape[0], 1)
            running = torch.ones_like(cum)
            steps, remainder = torch.zeros_like(cum), torch.zeros_like(cum)
            for n in range(self.max_ponder):
                s = torch.tanh((first[t] if n == 0 else later[t]) + self.U(s))
                h = torch.sigmoid(self.halt(s))
                steps = steps + running
                p, r, cum, running = ponder_weights(h, cum, running, last=n == self.max_ponder - 1)
                remainder = remainder + r
                mean = mean + p * s
                if not tracing and not running.any():
                    break  # every later step has p = 0: skipping it changes no value
            s_prev = mean
            outputs.append(mean)
            ponders.append(torch.cat([steps, remainder], -1))
        return torch.stack(outputs), s_prev, torch.stack(ponders)

    def example_inputs(self):
        return (torch.randn(4, 2, self.d_in),)


class TACTRNN(nn.Module):
    """T-RNN with ACT (this package's typed design), Balduzzi & Ghifary's T-RNN pondering:

        z^n = W x^n     f^n = sigmoid(V x^n + b)     h^n = sigmoid(w_h . x^n + b_h)
        s^n = f^n * s^{n-1} + (1 - f^n) * z^n

    The halting unit reads the ponder step's input, as the forget gate does; it never
    reads the state. Its probabilities only weigh the states elementwise
    (s_t = sum_n p^n s^n), so the state keeps one type. Since x^n takes two values (first
    step or not), the learnware is two matmuls over the whole window; the cost of typing:
    the number of ponder steps is a function of x_t, not of what the cell has computed.
    """

    expected_strongly_typed = True

    def __init__(self, d_in: int = 16, hidden: int = 32, max_ponder: int = 4):
        super().__init__()
        self.d_in, self.hidden, self.d_out, self.max_ponder = d_in, hidden, hidden, max_ponder
        self.W = nn.Linear(d_in + 1, hidden, bias=False)
        self.V = nn.Linear(d_in + 1, hidden)
        self.halt = nn.Linear(d_in + 1, 1)
        nn.init.constant_(self.halt.bias, 1.0)

    def forward(self, xs: torch.Tensor, state: torch.Tensor | None = None):
        out, state, _ = self.forward_with_ponder(xs, state)
        return out, state

    def forward_with_ponder(self, xs: torch.Tensor, state: torch.Tensor | None = None):
        """Returns (outputs (T,B,H), state, ponder (T,B,2): [N(t), R(t)])."""
        s_prev = zeros_state(xs, self.hidden) if state is None else state
        tracing = is_tracing(xs, s_prev)
        learnware = []  # (z, f, h) for the first ponder step and for the later ones
        for flag in (torch.ones_like(xs[..., :1]), torch.zeros_like(xs[..., :1])):
            x = torch.cat([xs, flag], -1)
            learnware.append((self.W(x), torch.sigmoid(self.V(x)), torch.sigmoid(self.halt(x))))
        outputs, ponders = [], []
        for t in range(xs.shape[0]):
            s = s_prev
            mean = torch.zeros_like(s_prev)
            cum = s_prev.new_zeros(s_prev.shape[0], 1)
            running = torch.ones_like(cum)
            steps, remainder = torch.zeros_like(cum), torch.zeros_like(cum)
            for n in range(self.max_ponder):
                z, f, h = learnware[min(n, 1)]
                s = f[t] * s + (1 - f[t]) * z[t]
                steps = steps + running
                p, r, cum, running = ponder_weights(h[t], cum, running, last=n == self.max_ponder - 1)
                remainder = remainder + r
                mean = mean + p * s
                if not tracing and not running.any():
                    break  # every later step has p = 0: skipping it changes no value
            s_prev = mean
            outputs.append(mean)
            ponders.append(torch.cat([steps, remainder], -1))
        return torch.stack(outputs), s_prev, torch.stack(ponders)

    def example_inputs(self):
        return (torch.randn(4, 2, self.d_in),)
