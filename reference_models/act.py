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
from .backends import is_tracing

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


def ponder(step, x_first, x_later, s: torch.Tensor, max_ponder: int):
    """ACT at one input step: runs ``step(x^n, s^{n-1}) -> (s^n, h^n)`` up to ``max_ponder`` times
    (``x_first`` for n = 1, ``x_later`` after: whatever the cell's step takes for its input).

    Returns (s_t = sum_n p^n s^n, N(t) (B,1), R(t) (B,1)). Under tracing every one of the
    ``max_ponder`` steps is run (see the module docstring); otherwise the loop stops once
    every row has halted, which skips only steps with p^n = 0.
    """
    tracing = is_tracing(s)  # s comes from the inputs: meta or fake when they are
    mean = torch.zeros_like(s)
    cum = s.new_zeros(s.shape[0], 1)
    running = torch.ones_like(cum)
    steps, remainder = torch.zeros_like(cum), torch.zeros_like(cum)
    for n in range(max_ponder):
        s, h = step(x_first if n == 0 else x_later, s)
        steps = steps + running
        p, r, cum, running = ponder_weights(h, cum, running, last=n == max_ponder - 1)
        remainder = remainder + r
        mean = mean + p * s
        if not tracing and not running.any():
            break  # every later step has p = 0: skipping it changes no value
    return mean, steps, remainder


def with_flag(x: torch.Tensor, first: bool) -> torch.Tensor:
    """x^n = [x, delta(n = 1)]."""
    return torch.cat([x, (torch.ones_like if first else torch.zeros_like)(x[..., :1])], -1)


class ElmanPonderCell(nn.Module):
    """One input step of ACT on an Elman cell: forward(x (B, d_in), s (B, H)) -> s_t.

    s^n = tanh(W x^n + U s^{n-1} + b)         halting h^n = sigmoid(w_h . s^n + b_h)
    """

    def __init__(self, d_in: int, hidden: int, max_ponder: int):
        super().__init__()
        self.max_ponder = max_ponder
        self.W = nn.Linear(d_in + 1, hidden)  # the extra input is the first-step flag
        self.U = nn.Linear(hidden, hidden, bias=False)
        self.halt = nn.Linear(hidden, 1)
        nn.init.constant_(self.halt.bias, 1.0)  # Graves: a positive halting bias, short ponders at first

    def step(self, wx: torch.Tensor, s: torch.Tensor):
        s = torch.tanh(wx + self.U(s))
        return s, torch.sigmoid(self.halt(s))

    def ponder(self, x: torch.Tensor, s: torch.Tensor):
        return ponder(self.step, self.W(with_flag(x, True)), self.W(with_flag(x, False)), s, self.max_ponder)

    def forward(self, x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        return self.ponder(x, s)[0]


class TRNNPonderCell(nn.Module):
    """One input step of ACT on a T-RNN cell: forward(x (B, d_in), s (B, H)) -> s_t.

    z^n = W x^n     f^n = sigmoid(V x^n + b)     h^n = sigmoid(w_h . x^n + b_h)
    s^n = f^n * s^{n-1} + (1 - f^n) * z^n
    """

    def __init__(self, d_in: int, hidden: int, max_ponder: int):
        super().__init__()
        self.max_ponder = max_ponder
        self.W = nn.Linear(d_in + 1, hidden, bias=False)
        self.V = nn.Linear(d_in + 1, hidden)
        self.halt = nn.Linear(d_in + 1, 1)
        nn.init.constant_(self.halt.bias, 1.0)

    def learnware(self, x: torch.Tensor):
        """(z, f, h) for one ponder input: functions of the input alone."""
        return self.W(x), torch.sigmoid(self.V(x)), torch.sigmoid(self.halt(x))

    @staticmethod
    def step(zfh, s: torch.Tensor):
        z, f, h = zfh
        return f * s + (1 - f) * z, h

    def ponder(self, x: torch.Tensor, s: torch.Tensor):
        first, later = self.learnware(with_flag(x, True)), self.learnware(with_flag(x, False))
        return ponder(self.step, first, later, s, self.max_ponder)

    def forward(self, x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        return self.ponder(x, s)[0]


class _ACTSequence:
    """Mixin: runs ``self.cell`` over a time-major sequence; ``forward_with_ponder`` also returns N and R."""

    def forward(self, xs: torch.Tensor, state: torch.Tensor | None = None):
        out, state, _ = self.forward_with_ponder(xs, state)
        return out, state

    def forward_with_ponder(self, xs: torch.Tensor, state: torch.Tensor | None = None):
        """Returns (outputs (T,B,H), state, ponder (T,B,2): [N(t), R(t)])."""
        s = zeros_state(xs, self.hidden) if state is None else state
        outputs, ponders = [], []
        for t in range(xs.shape[0]):
            s, steps, remainder = self.cell.ponder(xs[t], s)
            outputs.append(s)
            ponders.append(torch.cat([steps, remainder], -1))
        return torch.stack(outputs), s, torch.stack(ponders)

    def example_inputs(self):
        return (torch.randn(4, 2, self.d_in),)


class ACTElman(_ACTSequence, nn.Module):
    """Elman RNN with ACT (Graves 2016, section 2; the network of his parity experiment):

        s^n = tanh(W x^n + U s^{n-1} + b)         halting h^n = sigmoid(w_h . s^n + b_h)

    Weakly typed twice over: U maps the state to another type and adds it back, and the
    halting unit (a learned map of the state) weighs the state it came from.
    """

    expected_strongly_typed = False

    def __init__(self, d_in: int = 16, hidden: int = 32, max_ponder: int = 4):
        super().__init__()
        self.d_in, self.hidden, self.d_out, self.max_ponder = d_in, hidden, hidden, max_ponder
        self.cell = ElmanPonderCell(d_in, hidden, max_ponder)


class TACTRNN(_ACTSequence, nn.Module):
    """T-RNN with ACT (this package's typed design), Balduzzi & Ghifary's T-RNN pondering:

        z^n = W x^n     f^n = sigmoid(V x^n + b)     h^n = sigmoid(w_h . x^n + b_h)
        s^n = f^n * s^{n-1} + (1 - f^n) * z^n

    The halting unit reads the ponder step's input, as the forget gate does; it never
    reads the state. Its probabilities only weigh the states elementwise
    (s_t = sum_n p^n s^n), so the state keeps one type. The cost of typing: the number
    of ponder steps is a function of x_t, not of what the cell has computed, and since
    x^n takes two values (first step or not) the ponder steps after the first repeat one
    affine map: pondering adds no depth to a typed cell.
    """

    expected_strongly_typed = True

    def __init__(self, d_in: int = 16, hidden: int = 32, max_ponder: int = 4):
        super().__init__()
        self.d_in, self.hidden, self.d_out, self.max_ponder = d_in, hidden, hidden, max_ponder
        self.cell = TRNNPonderCell(d_in, hidden, max_ponder)
