"""Contractions: Linear, matmul, einsum, convolutions, embeddings, attention.

Contracted axes unify; free axes carry over. When a parameter acts as a matrix its
output axes must differ from the axes it contracts (the paper's "a learned matrix
changes type"); `Builder.matrix` records that. Depthwise convolutions are diagonal and
keep the channel type.
"""

from __future__ import annotations

import string

from ..ir import Value
from .common import RuleArgs, fresh_output, full, is_value, unify_broadcast


def _contract(r: RuleArgs, a: int, b: int) -> None:
    r.b.eq(a, b)


def _unify_batch(r: RuleArgs, xs: list[tuple[int, ...]], shapes: list[tuple[int, ...]], out_batch: tuple[int, ...]):
    """Right-aligned broadcast of batch dims; returns the batch axes of the result."""
    return unify_broadcast(r.b, [Value(ax, sh) for ax, sh in zip(xs, shapes)], out_batch)


def linear(r: RuleArgs):
    x, w, bias = r.arg(0, "input"), r.arg(1, "weight"), r.arg(2, "bias")
    shape = r.out_shape
    r.b.current.kind = "contraction"
    r.b.current.symbol = "linear"
    if not (is_value(x) and is_value(w)) or shape is None or w.ndim != 2:
        return fresh_output(r.b, r.out)
    _contract(r, x.axes[-1], w.axes[1])
    r.b.matrix(w, [0], [1])
    out = tuple(x.axes[:-1]) + (w.axes[0],)
    if is_value(bias) and bias.ndim == 1:
        r.b.eq(bias.axes[0], w.axes[0])
    return Value(out, shape)


def _matmul_values(r: RuleArgs, a: Value, b: Value, shape) -> Value:
    r.b.current.kind = "contraction"
    r.b.current.symbol = "@"
    a_axes, a_shape = list(a.axes), list(a.shape)
    b_axes, b_shape = list(b.axes), list(b.shape)
    a_vec, b_vec = a.ndim == 1, b.ndim == 1
    _contract(r, a_axes[-1], b_axes[0] if b_vec else b_axes[-2])
    if not a_vec:
        r.b.matrix(a, [a.ndim - 2], [a.ndim - 1])
    if not b_vec:
        r.b.matrix(b, [b.ndim - 1], [b.ndim - 2])
    a_batch = tuple(a_axes[:-2]) if not a_vec else ()
    b_batch = tuple(b_axes[:-2]) if not b_vec else ()
    n_free = (0 if a_vec else 1) + (0 if b_vec else 1)
    batch_shape = tuple(shape[: len(shape) - n_free])
    batch = _unify_batch(
        r,
        [a_batch, b_batch],
        [tuple(a_shape[:-2]) if not a_vec else (), tuple(b_shape[:-2]) if not b_vec else ()],
        batch_shape,
    )
    free = ()
    if not a_vec:
        free += (a_axes[-2],)
    if not b_vec:
        free += (b_axes[-1],)
    return Value(batch + free, shape)


def matmul(r: RuleArgs):
    a, b = r.arg(0), r.arg(1)
    shape = r.out_shape
    if not (is_value(a) and is_value(b)) or shape is None or a.ndim == 0 or b.ndim == 0:
        return fresh_output(r.b, r.out)
    return _matmul_values(r, a, b, shape)


def addmm(r: RuleArgs):
    bias, a, b = r.arg(0), r.arg(1), r.arg(2)
    shape = r.out_shape
    if not (is_value(a) and is_value(b)) or shape is None:
        return fresh_output(r.b, r.out)
    out = _matmul_values(r, a, b, shape)
    if is_value(bias):
        nd = len(shape)
        for i, (ax, s) in enumerate(zip(bias.axes, bias.shape)):
            k = nd - bias.ndim + i
            if full(s):
                r.b.eq(ax, out.axes[k])
    return out


def _einsum_spec(equation: str, ndims: list[int]) -> tuple[list[list[str]], list[str]]:
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, rhs = eq.split("->")
    else:
        lhs, rhs = eq, None
    terms = lhs.split(",")
    spare = [c for c in string.ascii_letters if c not in eq]
    max_ell = max((n - len(t.replace("...", "")) for t, n in zip(terms, ndims) if "..." in t), default=0)
    ell = spare[:max_ell]
    out_terms = []
    for t, n in zip(terms, ndims):
        if "..." in t:
            k = n - len(t.replace("...", ""))
            t = t.replace("...", "".join(ell[max_ell - k :]))
        out_terms.append(list(t))
    if rhs is None:
        counts = {}
        for t in out_terms:
            for c in t:
                counts[c] = counts.get(c, 0) + 1
        out = "".join(ell) + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        out = rhs.replace("...", "".join(ell))
    return out_terms, list(out)


def einsum(r: RuleArgs):
    equation, operands = r.arg(0), r.arg(1)
    shape = r.out_shape
    r.b.current.kind = "contraction"
    r.b.current.symbol = "einsum"
    if not isinstance(equation, str) or not operands or not all(is_value(v) for v in operands) or shape is None:
        return fresh_output(r.b, r.out)
    terms, out_letters = _einsum_spec(equation, [v.ndim for v in operands])
    var_of: dict[str, int] = {}
    for v, term in zip(operands, terms):
        for c, ax, s in zip(term, v.axes, v.shape):
            if not full(s):
                continue
            if c in var_of:
                r.b.eq(var_of[c], ax)
            else:
                var_of[c] = ax
    for v, term in zip(operands, terms):
        if v.param is None:
            continue
        outs = [i for i, c in enumerate(term) if c in out_letters]
        contracted = [i for i, c in enumerate(term) if c not in out_letters]
        r.b.matrix(v, outs, contracted)
    axes = tuple(var_of.get(c) if c in var_of else r.b.fresh(s, r.b.label()) for c, s in zip(out_letters, shape))
    return Value(axes, shape)


def convolution(r: RuleArgs, transposed: bool = False, groups: int = 1):
    x, w, bias = r.arg(0, "input"), r.arg(1, "weight"), r.arg(2, "bias")
    shape = r.out_shape
    r.b.current.kind = "contraction"
    r.b.current.symbol = "conv"
    if not (is_value(x) and is_value(w)) or shape is None:
        return fresh_output(r.b, r.out)
    batched = x.ndim == w.ndim
    c_axis = 1 if batched else 0
    x_ch, x_c = x.axes[c_axis], x.shape[c_axis]
    if transposed:
        in_w, out_w = 0, 1
    else:
        in_w, out_w = 1, 0
    if not transposed and groups > 1 and w.shape[1] == 1 and groups == x_c:
        r.b.current.kind = "elementwise"  # depthwise: diagonal over channels
        out_ch = x_ch if shape[c_axis] == x_c else r.b.fresh(shape[c_axis], r.b.label())
    elif groups == 1:
        r.b.eq(x_ch, w.axes[in_w])
        r.b.matrix(w, [out_w], [in_w])
        out_ch = w.axes[out_w]
    else:
        out_ch = w.axes[out_w] if not transposed else r.b.fresh(shape[c_axis], r.b.label())
    spatial = tuple(x.axes[c_axis + 1 :])
    axes = ((x.axes[0],) if batched else ()) + (out_ch,) + spatial
    if is_value(bias) and bias.ndim == 1:
        r.b.eq(bias.axes[0], out_ch)
    return Value(axes, shape)


def conv(r: RuleArgs):
    groups = r.arg(6, "groups", 1)
    return convolution(r, groups=groups if isinstance(groups, int) else 1)


def aten_convolution(r: RuleArgs):
    transposed = bool(r.arg(6, "transposed", False))
    groups = r.arg(8, "groups", 1)
    return convolution(r, transposed=transposed, groups=groups if isinstance(groups, int) else 1)


def conv_transpose(r: RuleArgs):
    groups = r.arg(6, "groups", 1)
    return convolution(r, transposed=True, groups=groups if isinstance(groups, int) else 1)


def embedding(r: RuleArgs):
    w, idx = r.arg(0, "weight"), r.arg(1, "indices")
    shape = r.out_shape
    r.b.current.kind = "contraction"
    r.b.current.symbol = "embedding"
    if not (is_value(w) and is_value(idx)) or shape is None:
        return fresh_output(r.b, r.out)
    return Value(tuple(idx.axes) + (w.axes[-1],), shape)


def attention(r: RuleArgs):
    q, k, v = r.arg(0, "query"), r.arg(1, "key"), r.arg(2, "value")
    shape = r.out_shape
    r.b.current.kind = "contraction"
    r.b.current.symbol = "attention"
    if not all(is_value(t) for t in (q, k, v)) or shape is None:
        return fresh_output(r.b, r.out)
    r.b.eq(q.axes[-1], k.axes[-1])
    if k.shape[-2] == v.shape[-2]:
        r.b.eq(k.axes[-2], v.axes[-2])
    nb = len(shape) - 2
    batch = []
    for i in range(nb):
        present = [
            t.axes[i - (nb - (t.ndim - 2))]
            for t in (q, k, v)
            if i - (nb - (t.ndim - 2)) >= 0 and t.shape[i - (nb - (t.ndim - 2))] == shape[i] and full(shape[i])
        ]
        if present:
            for other in present[1:]:
                r.b.eq(present[0], other)
            batch.append(present[0])
        else:
            batch.append(r.b.fresh(shape[i], r.b.label()))
    out = Value(tuple(batch) + (q.axes[-2], v.axes[-1]), shape)
    if isinstance(r.out, (list, tuple)):
        return [out] + [fresh_output(r.b, o) for o in r.out[1:]]
    return out


RULES = {
    "linear": linear,
    "matmul": matmul,
    "mm": matmul,
    "bmm": matmul,
    "mv": matmul,
    "dot": matmul,
    "addmm": addmm,
    "baddbmm": addmm,
    "addmv": addmm,
    "einsum": einsum,
    "conv1d": conv,
    "conv2d": conv,
    "conv3d": conv,
    "convolution": aten_convolution,
    "_convolution": aten_convolution,
    "conv_transpose1d": conv_transpose,
    "conv_transpose2d": conv_transpose,
    "embedding": embedding,
    "scaled_dot_product_attention": attention,
    "_scaled_dot_product_flash_attention_for_cpu": attention,
    "_scaled_dot_product_efficient_attention": attention,
    "_scaled_dot_product_flash_attention": attention,
    "_scaled_dot_product_cudnn_attention": attention,
}
