"""Hierarchical multiscale RNNs (Chung, Ahn & Bengio, "Hierarchical Multiscale
Recurrent Neural Networks", ICLR 2017): the HM-LSTM and a strongly-typed variant.

Each layer l emits a binary boundary z^l_t. With z^{l-1}_t from the layer below
(z^0 = 1) and its own previous boundary z^l_{t-1}, the layer chooses

    FLUSH   if z^l_{t-1} = 1:                c_t = i * g            (start a new segment)
    UPDATE  if z^l_{t-1} = 0, z^{l-1}_t = 1: c_t = f * c_{t-1} + i * g
    COPY    if z^l_{t-1} = 0, z^{l-1}_t = 0: c_t = c_{t-1},  h_t = h_{t-1}

Boundaries use a hard sigmoid with slope a, z~ = max(0, min(1, (a x + 1) / 2)),
binarised by rounding with the straight-through estimator (forward: round,
backward: d/dx of the hard sigmoid); a is annealed upward during training
(``set_slope``). The output module mixes all layers with scalar gates:
g^l = sigmoid(w^l . [h^1..h^L]),  h^e = ReLU(sum_l g^l W^l h^l).

All choices are made with masks (torch.where-free arithmetic on {0,1} floats),
so forward has no data-dependent Python control flow and exports cleanly.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ._common import CausalConv2, zeros_state
from .scan import linear_scan


def hard_boundary(pre: torch.Tensor, slope: torch.Tensor) -> torch.Tensor:
    """round(hard_sigmoid(slope * pre)) forward, hard-sigmoid gradient backward (ST).

    F.hardsigmoid(x) = clamp(x/6 + 1/2, 0, 1), so hardsigmoid(3 a x) is the paper's
    clamp((a x + 1)/2, 0, 1).
    """
    soft = F.hardsigmoid(3 * slope * pre)
    return soft + (torch.round(soft) - soft).detach()


class GatedOutput(nn.Module):
    """HM-RNN output module: h^e = ReLU(sum_l sigmoid(w^l . [h^1..h^L]) W^l h^l).

    Feed-forward (outside the recurrence), so both variants share it.
    """

    def __init__(self, hidden: int, num_layers: int):
        super().__init__()
        self.scale = nn.Linear(hidden * num_layers, num_layers)
        self.proj = nn.ModuleList(nn.Linear(hidden, hidden, bias=False) for _ in range(num_layers))

    def forward(self, hs: list[torch.Tensor]) -> torch.Tensor:
        gates = torch.sigmoid(self.scale(torch.cat(hs, dim=-1))).unbind(-1)
        mixed = sum(g.unsqueeze(-1) * p(h) for g, p, h in zip(gates, self.proj, hs))
        return torch.relu(mixed)


class _Slope(nn.Module):
    """Holds the annealed hard-sigmoid slope as a buffer so checkpoints keep it."""

    def _init_slope(self):
        self.register_buffer("slope", torch.tensor(1.0))

    def set_slope(self, value: float) -> None:
        self.slope.fill_(value)


class HMLSTM(_Slope):
    """HM-LSTM of Chung et al. (2017), eqs. (1)-(9), with L layers.

        s_t = U^l_l h^l_{t-1} + z^l_{t-1} U^l_{l+1} h^{l+1}_{t-1} + z^{l-1}_t W^l_{l-1} h^{l-1}_t + b
        [f, i, o, g, z~] = [sigm, sigm, sigm, tanh, hard_sigm](s_t)

    top-down (U^l_{l+1}) and bottom-up (W^l_{l-1}) connections, then FLUSH /
    UPDATE / COPY as in the module docstring. Weakly typed: U^l_l maps the state
    back into itself through a learned matrix.
    """

    expected_strongly_typed = False

    def __init__(self, d_in: int = 16, hidden: int = 32, num_layers: int = 2):
        super().__init__()
        self._init_slope()
        self.d_in, self.hidden, self.d_out, self.num_layers = d_in, hidden, hidden, num_layers
        width = 4 * hidden + 1
        self.recurrent = nn.ModuleList(nn.Linear(hidden, width) for _ in range(num_layers))
        self.top_down = nn.ModuleList(nn.Linear(hidden, width, bias=False) for _ in range(num_layers - 1))
        self.bottom_up = nn.ModuleList(
            nn.Linear(d_in if l == 0 else hidden, width, bias=False) for l in range(num_layers)
        )
        self.output = GatedOutput(hidden, num_layers)

    def initial_state(self, xs):
        # fresh zeros per layer and per state: one shared tensor would be one typed value,
        # tying the types of states that the design keeps apart.
        return tuple(
            (zeros_state(xs, self.hidden), zeros_state(xs, self.hidden), xs.new_zeros(xs.shape[1], 1))
            for _ in range(self.num_layers)
        )

    def forward_with_boundaries(self, xs: torch.Tensor, state: tuple | None = None):
        """Returns (outputs (T,B,H), state, boundaries (T,B,L))."""
        state = list(self.initial_state(xs) if state is None else state)
        H = self.hidden
        x_proj = self.bottom_up[0](xs)
        outputs, boundaries = [], []
        for t in range(xs.shape[0]):
            below_h, below_z = None, torch.ones_like(state[0][2])
            layer_h, layer_z = [], []
            for l in range(self.num_layers):
                h, c, z = state[l]
                s = self.recurrent[l](h)
                if l + 1 < self.num_layers:
                    s = s + z * self.top_down[l](state[l + 1][0])
                s = s + below_z * (x_proj[t] if l == 0 else self.bottom_up[l](below_h))
                f, i, o, g = (s[..., k * H : (k + 1) * H] for k in range(4))
                f, i, o, g = torch.sigmoid(f), torch.sigmoid(i), torch.sigmoid(o), torch.tanh(g)
                z_new = hard_boundary(s[..., 4 * H :], self.slope)
                flush = z
                update = (1 - z) * below_z
                copy = (1 - z) * (1 - below_z)
                c = update * (f * c) + (update + flush) * (i * g) + copy * c
                h = copy * h + (1 - copy) * (o * torch.tanh(c))
                z = copy * z + (1 - copy) * z_new
                state[l] = (h, c, z)
                below_h, below_z = h, z
                layer_h.append(h)
                layer_z.append(z)
            outputs.append(self.output(layer_h))
            boundaries.append(torch.cat(layer_z, dim=-1))
        return torch.stack(outputs), tuple(state), torch.stack(boundaries)

    def forward(self, xs: torch.Tensor, state: tuple | None = None):
        out, state, _ = self.forward_with_boundaries(xs, state)
        return out, state

    def example_inputs(self):
        return (torch.randn(4, 2, self.d_in),)


class THMRNN(_Slope):
    """Strongly-typed HM-RNN (this package's design).

    Rule it must obey: no learned matrix may act on anything that depends on a
    layer's own state if the result flows back into that state. So, per layer l:

    * learnware from below only. Layer 1 reads a width-2 convolution of the
      inputs (x_t, x_{t-1}); layer l > 1 reads h^{l-1}_t (a different type,
      computed before layer l's recurrence; the stack is feed-forward between layers):
          [f, i, o, g, b]_t = learnware,   f, i = sigm, o, g = tanh
    * the boundary z^l_t = round(hard_sigm(slope * b_t)) (straight-through) also
      comes from below, never from h^l. z^{l-1}_t comes from the layer below.
    * firmware is elementwise. With flush = z^l_{t-1}, update = (1-z^l_{t-1}) z^{l-1}_t,
      copy = (1-z^l_{t-1})(1-z^{l-1}_t):
          c_t = (update * f + copy) * c_{t-1} + (update + flush) * i * g
          h_t = copy * h_{t-1} + (1 - copy) * o * c_t
      Both are linear scans in c and h, whose coefficients are all learnware.

    Dropped relative to the HM-LSTM: the recurrent matrix U^l_l (it is the weak
    link) and the top-down matrix U^l_{l+1} (h^{l+1} depends on layer l's state
    through W^{l+1}_l, so U^l_{l+1} h^{l+1} would close a state -> matrix -> state
    cycle). A layer therefore cannot condition its boundary on its own memory;
    in exchange the whole hierarchy is L pairs of scans after L matmuls. Unlike the
    HM-LSTM, z^l_t is not frozen during COPY (a frozen z would make z a
    nonlinear function of its own past); COPY still freezes c and h.
    """

    expected_strongly_typed = True

    def __init__(self, d_in: int = 16, hidden: int = 32, num_layers: int = 2):
        super().__init__()
        self._init_slope()
        self.d_in, self.hidden, self.d_out, self.num_layers = d_in, hidden, hidden, num_layers
        width = 4 * hidden + 1
        self.first = CausalConv2(d_in, width)
        self.upper = nn.ModuleList(nn.Linear(hidden, width) for _ in range(num_layers - 1))
        self.output = GatedOutput(hidden, num_layers)

    def initial_state(self, xs):
        layers = tuple(
            (zeros_state(xs, self.hidden), zeros_state(xs, self.hidden), xs.new_zeros(xs.shape[1], 1))
            for _ in range(self.num_layers)
        )  # fresh zeros: a shared tensor would tie their types
        return layers + (torch.zeros_like(xs[0]),)

    def forward_with_boundaries(self, xs: torch.Tensor, state: tuple | None = None):
        """Returns (outputs (T,B,H), state, boundaries (T,B,L))."""
        state = self.initial_state(xs) if state is None else state
        H = self.hidden
        below_h, below_z = xs, torch.ones_like(xs[..., :1])
        hs, zs, new_state = [], [], []
        for l in range(self.num_layers):
            h0, c0, z_last = state[l]
            pre = self.first(xs, state[-1]) if l == 0 else self.upper[l - 1](below_h)
            f, i, o, g = (pre[..., k * H : (k + 1) * H] for k in range(4))
            f, i, o, g = torch.sigmoid(f), torch.sigmoid(i), torch.tanh(o), torch.tanh(g)
            z = hard_boundary(pre[..., 4 * H :], self.slope)  # (T, B, 1)
            z_prev = torch.cat([z_last.unsqueeze(0), z[:-1]], dim=0)
            update = (1 - z_prev) * below_z
            copy = (1 - z_prev) * (1 - below_z)
            cs = linear_scan(update * f + copy, (update + z_prev) * (i * g), c0)
            h_all = linear_scan(copy, (1 - copy) * (o * cs), h0)
            new_state.append((h_all[-1], cs[-1], z[-1]))
            hs.append(h_all)
            zs.append(z)
            below_h, below_z = h_all, z
        new_state.append(xs[-1])
        return self.output(hs), tuple(new_state), torch.cat(zs, dim=-1)

    def forward(self, xs: torch.Tensor, state: tuple | None = None):
        out, state, _ = self.forward_with_boundaries(xs, state)
        return out, state

    def example_inputs(self):
        return (torch.randn(4, 2, self.d_in),)
