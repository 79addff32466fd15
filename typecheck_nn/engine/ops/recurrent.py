"""Built-in recurrent modules, typed through their defining equations.

nn.RNN / nn.LSTM / nn.GRU reach the graph as one fused ATen op (or, on the recorded
path on CPU, one `mkldnn_rnn_layer` per layer). Rather than treat them as opaque, each
step's equations are replayed symbolically (gates from W_ih x + W_hh h, the elementwise
state update), and the state's type after a step is unified with its type before it:
that is the recurrence. The same rules that flag a hand-written LSTM then flag the
built-in one, at the user's call line.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from typecheck_nn.engine.ir import Stacked, Value
from typecheck_nn.engine.ops.common import RuleArgs, is_value, tensor_meta
from typecheck_nn.engine.ops.registry import GiveUp, OpKind, aten, rule

N_GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}
MKLDNN_MODES = {0: "rnn_relu", 1: "rnn_tanh", 2: "lstm", 3: "gru"}
RECURS = "`{sym}` applies its recurrent matrix to the state it produced"


@dataclass
class Weights:
    """One layer-direction's weights and the fx nodes they come from (for the matrix rule)."""

    w_ih: Value
    w_hh: Value
    b_ih: Value | None
    b_hh: Value | None
    src_ih: object
    src_hh: object


def _gate_parts(r: RuleArgs, var: int, k: int, size: int) -> list[int]:
    if k == 1:
        return [var]
    parts = tuple(r.b.fresh(size, r.b.label()) for _ in range(k))
    r.b.structure(var, "sum", parts)
    return list(parts)


def _cell(
    r: RuleArgs, kind: str, x_feat: int, h: int, c: int | None, w: Weights, hidden: int
) -> tuple[int, int | None]:
    """One step of the cell's equations on type variables; returns the new (h, c) types."""
    b = r.b
    k = N_GATES[kind]
    b.eq(x_feat, w.w_ih.axes[1])
    b.matrix(w.w_ih, [0], [1], w.src_ih)
    b.eq(h, w.w_hh.axes[1])
    b.matrix(w.w_hh, [0], [1], w.src_hh)
    for bias, m in ((w.b_ih, w.w_ih), (w.b_hh, w.w_hh)):
        if bias is not None:
            b.eq(bias.axes[0], m.axes[0])
    xi = _gate_parts(r, w.w_ih.axes[0], k, hidden)
    hh = _gate_parts(r, w.w_hh.axes[0], k, hidden)
    if kind == "lstm":
        # gates = W_ih x + W_hh h; c' = f*c + i*g; h' = o*tanh(c')
        for a, bb in zip(xi, hh):
            b.eq(a, bb)
        assert c is not None  # an LSTM always has a cell state
        b.eq(c, xi[2])
        return c, c
    if kind == "gru":
        # r, z from x + h; n = tanh(x_n + r*(W_hn h)); h' = (1-z)*n + z*h
        for a, bb in zip(xi, hh):
            b.eq(a, bb)
        b.eq(xi[2], h)
        return h, None
    # rnn: h' = act(W_ih x + W_hh h)
    b.eq(xi[0], hh[0])
    return xi[0], None


def _layer(r: RuleArgs, kind: str, x_feat: int, w: Weights, hidden: int, h0: Value | None, c0: Value | None) -> int:
    """A whole recurrence over one layer and direction: the state keeps its type across steps."""
    h = r.b.fresh(hidden, r.b.label())
    c = r.b.fresh(hidden, r.b.label()) if kind == "lstm" else None
    if h0 is not None and h0.ndim >= 1:
        r.b.eq(h, h0.axes[-1])
    if c0 is not None and c is not None and c0.ndim >= 1:
        r.b.eq(c, c0.axes[-1])
    h_new, c_new = _cell(r, kind, x_feat, h, c, w, hidden)
    r.b.eq(h_new, h)
    if c is not None and c_new is not None:
        r.b.eq(c_new, c)
    return h_new


def _values(seq) -> list:
    return list(seq) if isinstance(seq, (list, tuple)) else []


@dataclass
class _FusedArgs:
    """The arguments of aten.lstm / gru / rnn_tanh, read from either overload."""

    x: Value
    hx: list
    params: list
    p_arg: int  # where the flat weight list is in the call (for the weights' fx nodes)
    has_biases: bool
    num_layers: int
    bidirectional: bool
    batch_first: bool

    @classmethod
    def read(cls, r: RuleArgs) -> _FusedArgs:
        """`.input`: (input, hx, params, has_biases, num_layers, dropout, train,
        bidirectional, batch_first); `.data` (packed input): (data, batch_sizes, hx, ...)."""
        if getattr(r.node.target, "_overloadname", "") == "data":
            x, hx, params, p_arg = r.arg(0), r.arg(2), r.arg(3), 3
            has_biases, num_layers, bidirectional, batch_first = r.arg(4), r.arg(5), r.arg(8), False
        else:
            x, hx, params, p_arg = r.arg(0), r.arg(1), r.arg(2), 2
            has_biases, num_layers = r.arg(3), r.arg(4)
            bidirectional, batch_first = r.arg(7), r.arg(8)
        hx_list = _values(hx) if isinstance(hx, (list, tuple)) else [hx]
        return cls(x, hx_list, _values(params), p_arg, has_biases, num_layers, bidirectional, batch_first)

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    def weights_per_cell(self) -> int:
        """w_ih, w_hh (and b_ih, b_hh), plus w_hr when the LSTM has projections."""
        per = 4 if self.has_biases else 2
        p = self.params
        if (
            len(p) >= per * self.num_layers * self.directions + 1
            and p[per].ndim == 2
            and p[per].shape[0] != p[0].shape[0]
        ):
            per += 1
        return per


@rule(
    aten.lstm,
    aten.gru,
    aten.rnn_tanh,
    aten.rnn_relu,
    kind=OpKind.RECURRENT,
    note=RECURS,
    requires=(),
    keeps_parts=(1, 2),
)
def fused_rnn(r: RuleArgs):
    """aten.lstm / gru / rnn_tanh (nn.LSTM and friends as one op): every layer and
    direction is replayed as the cell's equations over a state that must keep its type."""
    kind = r.packet  # the op names the cell: lstm, gru, rnn_tanh, rnn_relu
    a = _FusedArgs.read(r)
    outs = r.out if isinstance(r.out, (list, tuple)) else None
    if outs is None or not a.params or not all(is_value(p) for p in a.params):
        raise GiveUp
    hidden = a.params[1].shape[1] if a.params[1].ndim == 2 else a.params[1].shape[-1]
    layer_out, final_h = _fused_layers(r, kind, a, hidden)
    out_shape = tensor_meta(outs[0])
    if out_shape is None:
        raise GiveUp
    time_batch = a.x.axes[:-1]
    result: list[Value | None] = [Value(tuple(time_batch) + (layer_out,), out_shape)]
    batch = time_batch[0] if a.batch_first else (time_batch[1] if len(time_batch) > 1 else None)
    for o in outs[1:]:
        result.append(_final_states(r, tensor_meta(o), final_h, batch))
    return result


def _fused_layers(r: RuleArgs, kind: str, a: _FusedArgs, hidden: int) -> tuple[int, list[int]]:
    """The last layer's output feature type, and every layer's and direction's final state."""
    per, n_dir = a.weights_per_cell(), a.directions
    # the initial states are (layers x directions, batch, hidden): one tensor for every
    # layer, whose layers need not share a type; only a single layer's is that layer's state
    n_states = a.num_layers * n_dir
    h0s = _per_layer(r, a.hx[0] if a.hx else None, n_states)
    c0s = _per_layer(r, a.hx[1] if len(a.hx) > 1 else None, n_states)
    layer_out = a.x.axes[-1]
    final_h: list[int] = []
    for layer in range(a.num_layers):
        dir_types = []
        for d in range(n_dir):
            base = (layer * n_dir + d) * per
            p = a.params
            w = Weights(
                p[base],
                p[base + 1],
                p[base + 2] if a.has_biases else None,
                p[base + 3] if a.has_biases else None,
                r.source(a.p_arg, item=base),
                r.source(a.p_arg, item=base + 1),
            )
            k = layer * n_dir + d
            h_new = _layer(r, kind, layer_out, w, hidden, h0s[k], c0s[k])
            dir_types.append(h_new)
            final_h.append(h_new)
        if n_dir == 1:
            layer_out = dir_types[0]
        else:
            holder = r.b.fresh(hidden * 2, r.b.label())
            r.b.structure(holder, "sum", tuple(dir_types))
            layer_out = holder
    return layer_out, final_h


def _final_states(r: RuleArgs, shape, final_h: list[int], batch) -> Value | None:
    """h_n (or c_n): the final states of every layer and direction, packed as a
    hand-written model would pack them: each keeps its own layer's type."""
    if shape is None:
        return None
    whole = r.b.new_value(shape, r.b.label())
    if len(shape) == 3 and shape[0] == len(final_h) and batch is not None:
        parts = [Value((batch, h), (shape[1], shape[2])) for h in final_h]
        whole = Value(whole.axes, shape, stacked=Stacked(0, parts, [1] * len(parts), squeezed=True))
    return whole


def _per_layer(r: RuleArgs, h0, n: int) -> list:
    """Initial states per layer and direction. A tensor packed from per-layer parts (a
    previous call's final states, or a stack) gives each layer its part; a single layer's
    tensor is that layer's state; a plain multi-layer tensor imposes nothing per layer."""
    if not is_value(h0):
        return [None] * n
    st = h0.stacked
    if st is not None and st.dim == 0 and st.squeezed and len(st.parts) == n:
        return list(st.parts)
    if n == 1:
        r.b.force(h0)
        return [h0]
    return [None] * n


@rule(aten.mkldnn_rnn_layer, kind=OpKind.RECURRENT, note=RECURS, requires=(0, 1, 2))
def mkldnn_rnn_layer(r: RuleArgs):
    """One layer and direction of nn.LSTM as CPU runs it (input, w_ih, w_hh, b_ih, b_hh,
    hx, cx, reverse, batch_sizes, mode, hidden_size, ...) -> (output, hy, cy, workspace)."""
    kind = MKLDNN_MODES.get(r.arg(9), "lstm")
    r.b.refine(symbol=kind)  # the cell's equations come from the mode argument
    x = r.arg(0)
    outs = r.out if isinstance(r.out, (list, tuple)) else None
    hidden = r.arg(10)
    if outs is None or not isinstance(hidden, int):
        raise GiveUp
    w = Weights(
        r.arg(1),
        r.arg(2),
        r.arg(3) if is_value(r.arg(3)) and r.arg(12) else None,
        r.arg(4) if is_value(r.arg(4)) and r.arg(12) else None,
        r.source(1),
        r.source(2),
    )
    h0, c0 = r.arg(5), r.arg(6)
    h_new = _layer(r, kind, x.axes[-1], w, hidden, h0 if is_value(h0) else None, c0 if is_value(c0) else None)
    out_shape = tensor_meta(outs[0])
    if out_shape is None:
        raise GiveUp
    result: list[Value | None] = [Value(tuple(x.axes[:-1]) + (h_new,), out_shape)]
    for o in outs[1:]:
        shape = tensor_meta(o)
        if shape is None:
            result.append(None)
            continue
        val = r.b.new_value(shape, r.b.label())
        if len(shape) >= 1 and shape[-1] == hidden and len(result) < 3:
            r.b.eq(val.axes[-1], h_new)
        result.append(val)
    return result


# one step of a cell: the same record for each, named by the cell it computes
_cell_rule = partial(
    rule, kind=OpKind.CONTRACTION, note="`{sym}` is one step of a recurrent cell's equations", requires=(0, 2, 3)
)


@_cell_rule(aten.lstm_cell, symbol="lstm")
@_cell_rule(aten.gru_cell, symbol="gru")
@_cell_rule(aten.rnn_tanh_cell, symbol="rnn_tanh")
@_cell_rule(aten.rnn_relu_cell, symbol="rnn_relu")
def cell(r: RuleArgs):
    """aten.lstm_cell / gru_cell / rnn_tanh_cell: one step; the user's loop is the recurrence."""
    kind = r.packet.removesuffix("_cell")
    x, hx = r.arg(0), r.arg(1)
    w_ih, w_hh, b_ih, b_hh = r.arg(2), r.arg(3), r.arg(4), r.arg(5)
    hx_list = _values(hx) if isinstance(hx, (list, tuple)) else [hx]
    if not hx_list or not is_value(hx_list[0]):
        raise GiveUp
    hidden = w_hh.shape[1]
    h = hx_list[0].axes[-1]
    c = hx_list[1].axes[-1] if len(hx_list) > 1 and is_value(hx_list[1]) else None
    if c is None:
        c = r.b.fresh(hidden, r.b.label())
    w = Weights(
        w_ih, w_hh, b_ih if is_value(b_ih) else None, b_hh if is_value(b_hh) else None, r.source(2), r.source(3)
    )
    h_new, c_new = _cell(r, kind, x.axes[-1], h, c, w, hidden)
    # the cell is one step of a recurrence even when called once (the loop is the
    # caller's): its next state has its state's type, as when unrolled
    r.b.eq(h_new, h)
    if c_new is not None and len(hx_list) > 1:
        r.b.eq(c_new, c)
    r.b.refine(recurrent=True)
    batch = x.axes[:-1]
    outs = r.out if isinstance(r.out, (list, tuple)) else [r.out]
    result = []
    for o, feat in zip(outs, (h_new, c_new if c_new is not None else h_new)):
        shape = tensor_meta(o)
        if shape is None or len(shape) != len(batch) + 1:
            raise GiveUp
        result.append(Value(tuple(batch) + (feat,), shape))
    return result if isinstance(r.out, (list, tuple)) else result[0]
