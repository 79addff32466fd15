"""Neural Turing Machines (Graves, Wayne & Danihelka, arXiv:1410.5401, 2014).

Memory M_t is N slots x M words. Each head turns controller features into
(key k, strength beta, interpolation g, shift s, sharpening gamma) and addresses:

    w^c  = softmax_i(beta * cos(k, M_t[i]))            content addressing
    w^g  = g * w^c + (1 - g) * w_{t-1}                  interpolation
    w~   = sum_d s_d * roll(w^g, d),  d in {-1, 0, 1}   circular convolutional shift
    w    = w~^gamma / sum_i w~_i^gamma                   sharpening

The write head adds erase e and add a:  M_t = M_{t-1} * (1 - w e^T) + w a^T;
the read head then reads r_t = w^T M_t. Two variants differ only in the controller:

* ``NTM``  - LSTM controller fed [x_t, r_{t-1}] (weakly typed: the LSTM's own
  recurrent matrix, and r_{t-1} -> matrix -> controller state -> head -> memory).
* ``TNTM`` - strongly typed, see its docstring.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ._common import CausalConv2, zeros_state
from .backends import dispatch
from .fused import tlstm_firmware
from .scan import linear_scan

_SHIFTS = (-1, 0, 1)


class _Head(nn.Module):
    """Maps controller features to one head's addressing (and, for writing, erase/add) parameters."""

    def __init__(self, features: int, word: int, write: bool):
        super().__init__()
        self.word, self.write = word, write
        self.proj = nn.Linear(features, word + 3 + len(_SHIFTS) + (2 * word if write else 0))

    def forward(self, feats: torch.Tensor) -> tuple:
        M = self.word
        p = self.proj(feats)
        key = p[..., :M]
        beta = F.softplus(p[..., M : M + 1])
        gate = torch.sigmoid(p[..., M + 1 : M + 2])
        gamma = 1 + F.softplus(p[..., M + 2 : M + 3])
        shift = torch.softmax(p[..., M + 3 : M + 3 + len(_SHIFTS)], dim=-1)
        erase = torch.sigmoid(p[..., M + 6 : 2 * M + 6]) if self.write else None
        add = torch.tanh(p[..., 2 * M + 6 : 3 * M + 6]) if self.write else None
        return key, beta, gate, gamma, shift, erase, add


def address(memory, w_prev, key, beta, gate, gamma, shift):
    """One step of NTM addressing for a batch: memory (B,N,M), w_prev (B,N) -> w (B,N)."""
    dots = torch.einsum("bnm,bm->bn", memory, key)
    norms = memory.norm(dim=-1) * key.norm(dim=-1, keepdim=True)
    w_content = torch.softmax(beta * dots / (norms + 1e-8), dim=-1)
    w_gated = gate * w_content + (1 - gate) * w_prev
    w_shifted = sum(shift[..., k : k + 1] * torch.roll(w_gated, d, dims=-1) for k, d in enumerate(_SHIFTS))
    w_sharp = (w_shifted + 1e-12) ** gamma
    return w_sharp / w_sharp.sum(dim=-1, keepdim=True)


def write(memory, w, erase, add):
    """Erase-then-add: M * (1 - w e^T) + w a^T, elementwise in M."""
    w = w.unsqueeze(-1)
    return memory * (1 - w * erase.unsqueeze(-2)) + w * add.unsqueeze(-2)


def read(memory, w):
    """r = w^T M."""
    return torch.einsum("bn,bnm->bm", w, memory)


class _Memory(nn.Module):
    """Initial memory contents and head weightings (learned bias memory, one-hot weightings)."""

    def __init__(self, slots: int, word: int):
        super().__init__()
        self.slots, self.word = slots, word
        self.memory0 = nn.Parameter(torch.full((slots, word), 1e-3))
        self.register_buffer("w0", F.one_hot(torch.tensor(0), slots).float())

    def initial(self, batch_like: torch.Tensor):
        B = batch_like.shape[0]
        memory = self.memory0.unsqueeze(0).expand(B, -1, -1) + batch_like.new_zeros(B, 1, 1)
        w = self.w0.unsqueeze(0).expand(B, -1) + batch_like.new_zeros(B, 1)
        return memory, w, w


class NTM(nn.Module):
    """NTM with an LSTM controller (classic, weakly typed).

    Controller: (h_t, c_t) = LSTMCell([x_t, r_{t-1}], (h_{t-1}, c_{t-1})); write head,
    then read head, from h_t; output features [h_t, r_t] (d_out = hidden + word).
    """

    expected_strongly_typed = False

    def __init__(self, d_in: int = 16, hidden: int = 32, slots: int = 16, word: int = 8):
        super().__init__()
        self.d_in, self.hidden, self.d_out = d_in, hidden, hidden + word
        self.controller = nn.LSTMCell(d_in + word, hidden)
        self.mem = _Memory(slots, word)
        self.write_head = _Head(hidden, word, write=True)
        self.read_head = _Head(hidden, word, write=False)

    def forward(self, xs: torch.Tensor, state: tuple | None = None):
        if state is None:
            memory, w_r, w_w = self.mem.initial(xs[0])
            h, c = zeros_state(xs, self.hidden), zeros_state(xs, self.hidden)
            r = read(memory, w_r)
        else:
            h, c, r, memory, w_r, w_w = state
        outputs = []
        for t in range(xs.shape[0]):
            h, c = self.controller(torch.cat([xs[t], r], dim=-1), (h, c))
            key, beta, gate, gamma, shift, erase, add = self.write_head(h)
            w_w = address(memory, w_w, key, beta, gate, gamma, shift)
            memory = write(memory, w_w, erase, add)
            key, beta, gate, gamma, shift, _, _ = self.read_head(h)
            w_r = address(memory, w_r, key, beta, gate, gamma, shift)
            r = read(memory, w_r)
            outputs.append(torch.cat([h, r], dim=-1))
        return torch.stack(outputs), (h, c, r, memory, w_r, w_w)

    def example_inputs(self):
        return (torch.randn(4, 2, self.d_in),)


class TNTM(nn.Module):
    """Strongly-typed NTM (this package's design).

    The typing rule: a learned matrix applied to anything that depends on a
    recurrent state, whose output flows back into that state, makes it weak. The
    NTM has three coupled states: controller cell c, memory M, head weightings w.

    * Controller: a T-LSTM over the inputs only, [z, f, o]_t = W x_t + V x_{t-1} + b,
      c_t = f c_{t-1} + (1 - f) z, h_t = o * c_t. It does NOT read r_{t-1}: the read
      vector depends on M (state) and would reach c through a matrix, and c reaches
      M through the head matrices, closing state -> matrix -> state.
    * Heads: h_t -> key, beta, g, s, gamma, erase, add through head matrices. h_t
      depends on c, but these outputs flow only into M and w, never back into c,
      so no state is fed through a matrix into itself. All of them are computed for
      the whole window in one matmul after the controller's scan.
    * Memory and weightings: updated only by the parameter-free elementwise / gated
      NTM firmware (cosine similarity, softmax, interpolation, shift, sharpening,
      erase-then-add). No learned matrix touches M or w.
    * Output features [h_t, r_t] leave the recurrence (read-out only).

    Trade-off: control cannot depend on what was read (no "if the memory says X,
    go to Y"); addressing can still be content-based (keys compared against M)
    and location-based, which is all the copy task needs. In exchange the
    controller and all head parameters are parallel over time; only the
    parameter-free memory loop is sequential.
    """

    expected_strongly_typed = True

    def __init__(self, d_in: int = 16, hidden: int = 32, slots: int = 16, word: int = 8):
        super().__init__()
        self.d_in, self.hidden, self.d_out = d_in, hidden, hidden + word
        self.controller = CausalConv2(d_in, 3 * hidden)
        self.mem = _Memory(slots, word)
        self.write_head = _Head(hidden, word, write=True)
        self.read_head = _Head(hidden, word, write=False)

    def forward(self, xs: torch.Tensor, state: tuple | None = None):
        if state is None:
            memory, w_r, w_w = self.mem.initial(xs[0])
            c0, x_prev = zeros_state(xs, self.hidden), torch.zeros_like(xs[0])
        else:
            c0, x_prev, memory, w_r, w_w = state
        G = self.controller(xs, x_prev)

        def equations():  # the defining equations: what the checker verifies
            z, f, o = G.chunk(3, dim=-1)
            f = torch.sigmoid(f)
            cs = linear_scan(f, (1 - f) * z, c0)
            return cs * torch.tanh(o), cs[-1]

        # run: the same T-LSTM firmware as one fused op (compiled on CPU, Triton on CUDA)
        (hs, c_last), _ = dispatch(
            "T-NTM controller", (xs, c0, x_prev), reference=equations, torch_impl=lambda: tlstm_firmware(G, c0)
        )
        wk, wb, wg, wgm, ws, we, wa = self.write_head(hs)
        rk, rb, rg, rgm, rs, _, _ = self.read_head(hs)
        outputs = []
        for t in range(xs.shape[0]):
            w_w = address(memory, w_w, wk[t], wb[t], wg[t], wgm[t], ws[t])
            memory = write(memory, w_w, we[t], wa[t])
            w_r = address(memory, w_r, rk[t], rb[t], rg[t], rgm[t], rs[t])
            outputs.append(read(memory, w_r))
        return torch.cat([hs, torch.stack(outputs).to(hs.dtype)], dim=-1), (c_last, xs[-1], memory, w_r, w_w)

    def example_inputs(self):
        return (torch.randn(4, 2, self.d_in),)
