"""Built-in recurrent modules, typed through their defining equations.

nn.RNN / nn.LSTM / nn.GRU reach the graph as one fused ATen op. Rather than treat them as
opaque, each step's equations are replayed symbolically (gates from W_ih x + W_hh h, the
elementwise state update), and for the multi-step ops the state's type after a step is
unified with its type before it: that is the recurrence. The same rules that flag a
hand-written LSTM then flag the built-in one, at the user's call line.
"""

from __future__ import annotations

from ..ir import Value
from .common import RuleArgs, fresh_output, is_value, tensor_meta

N_GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}


def _gate_parts(r: RuleArgs, var: int, k: int, size: int) -> list[int]:
    if k == 1:
        return [var]
    parts = tuple(r.b.fresh(size, r.b.label()) for _ in range(k))
    r.b.structure(var, "sum", parts)
    return list(parts)


def _cell(
    r: RuleArgs,
    kind: str,
    x_feat: int,
    h: int,
    c: int | None,
    w_ih: Value,
    w_hh: Value,
    b_ih: Value | None,
    b_hh: Value | None,
    hidden: int,
) -> tuple[int, int | None]:
    """One step of the cell's equations on type variables; returns the new (h, c) types."""
    b = r.b
    k = N_GATES[kind]
    b.eq(x_feat, w_ih.axes[1])
    b.matrix(w_ih, [0], [1])
    b.eq(h, w_hh.axes[1])
    b.matrix(w_hh, [0], [1])
    for bias, w in ((b_ih, w_ih), (b_hh, w_hh)):
        if bias is not None:
            b.eq(bias.axes[0], w.axes[0])
    xi = _gate_parts(r, w_ih.axes[0], k, hidden)
    hh = _gate_parts(r, w_hh.axes[0], k, hidden)
    if kind == "lstm":
        # gates = W_ih x + W_hh h; c' = f*c + i*g; h' = o*tanh(c')
        for a, bb in zip(xi, hh):
            b.eq(a, bb)
        g = xi[2]
        b.eq(c, g)
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


def _values(seq) -> list:
    return [v for v in seq] if isinstance(seq, (list, tuple)) else []


def fused_rnn(r: RuleArgs, kind: str):
    """aten.lstm.input / gru.input / rnn_tanh.input: (input, hx, params, has_biases,
    num_layers, dropout, train, bidirectional, batch_first)."""
    if getattr(r.node.target, "_overloadname", "") == "data":
        # packed sequences: (data, batch_sizes, hx, params, has_biases, num_layers, dropout,
        # train, bidirectional); data is (sum of lengths, features)
        x, hx, params = r.arg(0), r.arg(2), r.arg(3)
        has_biases, num_layers, bidirectional, batch_first = r.arg(4), r.arg(5), r.arg(8), False
    else:
        x, hx, params = r.arg(0), r.arg(1), r.arg(2)
        has_biases, num_layers = r.arg(3), r.arg(4)
        bidirectional, batch_first = r.arg(7), r.arg(8)
    outs = r.out if isinstance(r.out, (list, tuple)) else None
    r.b.current.kind = "recurrent"
    r.b.current.symbol = kind
    r.b.recurrent_ops.add(r.b.current.id)
    params = _values(params)
    hx_list = _values(hx) if isinstance(hx, (list, tuple)) else [hx]
    if not is_value(x) or outs is None or not params or not all(is_value(p) for p in params):
        return fresh_output(r.b, r.out)
    per = 4 if has_biases else 2
    n_dir = 2 if bidirectional else 1
    hidden = params[1].shape[1] if params[1].ndim == 2 else params[1].shape[-1]
    if (
        len(params) >= per * num_layers * n_dir + 1
        and params[per].ndim == 2
        and params[per].shape[0] != params[0].shape[0]
    ):
        per += 1  # projections (w_hr)
    h0 = hx_list[0] if hx_list and is_value(hx_list[0]) else None
    c0 = hx_list[1] if len(hx_list) > 1 and is_value(hx_list[1]) else None
    x_feat = x.axes[-1]
    layer_out = x_feat
    final_h: list[int] = []
    for layer in range(num_layers):
        dir_types = []
        for d in range(n_dir):
            base = (layer * n_dir + d) * per
            w_ih, w_hh = params[base], params[base + 1]
            b_ih = params[base + 2] if has_biases else None
            b_hh = params[base + 3] if has_biases else None
            h = r.b.fresh(hidden, r.b.label())
            c = r.b.fresh(hidden, r.b.label()) if kind == "lstm" else None
            if h0 is not None and h0.ndim == 3:
                r.b.eq(h, h0.axes[-1])
            if c0 is not None and c0.ndim == 3 and c is not None:
                r.b.eq(c, c0.axes[-1])
            h_new, c_new = _cell(r, kind, layer_out, h, c, w_ih, w_hh, b_ih, b_hh, hidden)
            # the state keeps its type across steps: that is what makes this a recurrence
            r.b.eq(h_new, h)
            if c is not None and c_new is not None:
                r.b.eq(c_new, c)
            dir_types.append(h_new)
            final_h.append(h_new)
        if n_dir == 1:
            layer_out = dir_types[0]
        else:
            holder = r.b.fresh(hidden * 2, r.b.label())
            r.b.structure(holder, "sum", tuple(dir_types))
            layer_out = holder
    out_shape = tensor_meta(outs[0])
    time_batch = x.axes[:-1]
    output = Value(tuple(time_batch) + (layer_out,), out_shape)
    result = [output]
    for o in outs[1:]:
        shape = tensor_meta(o)
        if shape is None:
            result.append(None)
            continue
        batch = (
            time_batch[0]
            if batch_first
            else (time_batch[1] if len(time_batch) > 1 else r.b.fresh(shape[1], r.b.label()))
        )
        feat = final_h[-1] if len(set(final_h)) == 1 or n_dir == 1 else r.b.fresh(shape[-1], r.b.label())
        result.append(
            Value((r.b.fresh(shape[0], r.b.label()), batch, feat), shape) if len(shape) == 3 else fresh_output(r.b, o)
        )
    return result


def cell(r: RuleArgs, kind: str):
    """aten.lstm_cell / gru_cell / rnn_tanh_cell: one step; the user's loop is the recurrence."""
    x, hx = r.arg(0), r.arg(1)
    w_ih, w_hh, b_ih, b_hh = r.arg(2), r.arg(3), r.arg(4), r.arg(5)
    r.b.current.kind = "contraction"
    r.b.current.symbol = kind
    hx_list = _values(hx) if isinstance(hx, (list, tuple)) else [hx]
    if not (is_value(x) and is_value(w_ih) and is_value(w_hh)) or not hx_list or not is_value(hx_list[0]):
        return fresh_output(r.b, r.out)
    hidden = w_hh.shape[1]
    h = hx_list[0].axes[-1]
    c = hx_list[1].axes[-1] if len(hx_list) > 1 and is_value(hx_list[1]) else None
    if c is None:
        c = r.b.fresh(hidden, r.b.label())
    h_new, c_new = _cell(
        r,
        kind,
        x.axes[-1],
        h,
        c,
        w_ih,
        w_hh,
        b_ih if is_value(b_ih) else None,
        b_hh if is_value(b_hh) else None,
        hidden,
    )
    batch = x.axes[:-1]
    outs = r.out if isinstance(r.out, (list, tuple)) else [r.out]
    result = []
    for o, feat in zip(outs, (h_new, c_new if c_new is not None else h_new)):
        shape = tensor_meta(o)
        result.append(
            Value(tuple(batch) + (feat,), shape)
            if shape is not None and len(shape) == len(batch) + 1
            else fresh_output(r.b, o)
        )
    return result if isinstance(r.out, (list, tuple)) else result[0]


RULES = {
    "lstm": lambda r: fused_rnn(r, "lstm"),
    "gru": lambda r: fused_rnn(r, "gru"),
    "rnn_tanh": lambda r: fused_rnn(r, "rnn_tanh"),
    "rnn_relu": lambda r: fused_rnn(r, "rnn_relu"),
    "lstm_cell": lambda r: cell(r, "lstm"),
    "gru_cell": lambda r: cell(r, "gru"),
    "rnn_tanh_cell": lambda r: cell(r, "rnn_tanh"),
    "rnn_relu_cell": lambda r: cell(r, "rnn_relu"),
}
