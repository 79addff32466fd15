"""Contractions: Linear, matmul, einsum, convolutions, embeddings, attention.

Contracted axes unify; free axes carry over. When the operand acting as a matrix is
*learned* (computed only from parameters, buffers and constants, and from at least one
parameter) its output axes must differ from the axes it contracts: the paper's "a
learned matrix changes type". Which operand is learned is decided by data flow in the
builder, not by the rules, so `W.T`, `W * 1.0`, `W.expand(...)` or a weight-normed `W`
all obey it. Depthwise convolutions are diagonal and keep the channel type; grouped ones
are block-diagonal: the group index is kept and each group's matrix changes type.
"""

from __future__ import annotations

import string
from functools import partial

from typecheck_nn.engine.ir import Value
from typecheck_nn.engine.ops.common import RuleArgs, fresh_output, full, is_value, resized, unify_broadcast
from typecheck_nn.engine.ops.registry import GiveUp, OpKind, aten, rule

CONTRACTS = "`{sym}` contracts an axis, unifying the types on both sides"


@rule(aten.linear, kind=OpKind.CONTRACTION, note=CONTRACTS, symbol="linear", linear=(True, True, True), requires=(0, 1))
def linear(r: RuleArgs):
    x, w, bias = r.arg(0, "input"), r.arg(1, "weight"), r.arg(2, "bias")
    shape = r.out_shape
    if shape is None or w.ndim != 2:
        raise GiveUp
    r.b.eq(x.axes[-1], w.axes[1])
    r.matrix(w, [0], [1], 1)
    out = tuple(x.axes[:-1]) + (w.axes[0],)
    if is_value(bias) and bias.ndim == 1:
        r.b.eq(bias.axes[0], w.axes[0])
    return Value(out, shape)


def _matmul_values(r: RuleArgs, a: Value, b: Value, shape, ia: int, ib: int) -> Value:
    a_vec, b_vec = a.ndim == 1, b.ndim == 1
    r.b.eq(a.axes[-1], b.axes[0] if b_vec else b.axes[-2])
    if not a_vec:
        r.matrix(a, [a.ndim - 2], [a.ndim - 1], ia)
    if not b_vec:
        r.matrix(b, [b.ndim - 1], [b.ndim - 2], ib)
    a_batch = Value(tuple(a.axes[:-2]), tuple(a.shape[:-2])) if not a_vec else Value((), ())
    b_batch = Value(tuple(b.axes[:-2]), tuple(b.shape[:-2])) if not b_vec else Value((), ())
    n_free = (0 if a_vec else 1) + (0 if b_vec else 1)
    batch = unify_broadcast(r.b, [a_batch, b_batch], tuple(shape[: len(shape) - n_free]))
    free: tuple[int, ...] = ()
    if not a_vec:
        free += (a.axes[-2],)
    if not b_vec:
        free += (b.axes[-1],)
    return Value(batch + free, shape)


@rule(
    aten.matmul,
    aten.mm,
    aten.bmm,
    aten.mv,
    aten.dot,
    aten.vdot,
    aten.inner,
    kind=OpKind.CONTRACTION,
    note=CONTRACTS,
    symbol="@",
    linear=(True, True),
    requires=(0, 1),
)
def matmul(r: RuleArgs):
    a, b = r.arg(0), r.arg(1)
    shape = r.out_shape
    if shape is None or a.ndim == 0 or b.ndim == 0:
        raise GiveUp
    return _matmul_values(r, a, b, shape, 0, 1)


@rule(
    aten.addmm,
    aten.baddbmm,
    aten.addmv,
    aten.addbmm,
    aten._addmm_activation,
    kind=OpKind.CONTRACTION,
    note=CONTRACTS,
    symbol="@",
    linear=(True, True, True),
    requires=(1, 2),
)
def addmm(r: RuleArgs):
    bias, a, b = r.arg(0), r.arg(1), r.arg(2)
    shape = r.out_shape
    if shape is None:
        raise GiveUp
    out = _matmul_values(r, a, b, shape, 1, 2)
    if is_value(bias):
        nd = len(shape)
        for i, (ax, s) in enumerate(zip(bias.axes, bias.shape)):
            k = nd - bias.ndim + i
            if full(s) and 0 <= k < nd:
                r.b.eq(ax, out.axes[k])
    return out


@rule(
    aten._grouped_mm,
    "grouped_mm",
    "grouped_mm_fallback",  # transformers' MoE kernel where torch has no _grouped_mm
    kind=OpKind.CONTRACTION,
    note=CONTRACTS,
    symbol="grouped_mm",
    linear=(True, True),
    requires=(0, 1),
)
def grouped_mm(r: RuleArgs):
    """Mixture-of-experts kernels: x (tokens, d) @ w (experts, d, out) per group of tokens.

    Each expert's matrix changes type; tokens keep their axis. A 3-d x (experts, n, d)
    is a batched matmul over experts."""
    x, w = r.arg(0), r.arg(1)
    shape = r.out_shape
    if shape is None or w.ndim < 2:
        raise GiveUp
    r.b.eq(x.axes[-1], w.axes[-2])
    r.matrix(w, [w.ndim - 1], [w.ndim - 2], 1)
    if x.ndim == 2 and w.ndim == 3 and len(shape) == 2:
        return Value((x.axes[0], w.axes[-1]), shape)
    if x.ndim == 3 and w.ndim == 3 and len(shape) == 3:
        r.b.eq(x.axes[0], w.axes[0])
        return Value((x.axes[0], x.axes[1], w.axes[-1]), shape)
    if x.ndim == 2 and w.ndim == 2 and len(shape) == 2:
        return Value((x.axes[0], w.axes[-1]), shape)
    raise GiveUp


@rule(aten.tensordot, kind=OpKind.CONTRACTION, note=CONTRACTS, symbol="tensordot", linear=(True, True), requires=(0, 1))
def tensordot(r: RuleArgs):
    """`tensordot(a, b, dims_a, dims_b)`: the paired axes contract; the result is a's free
    axes then b's. Either operand, when learned, is a matrix from its contracted axes to
    its free ones."""
    a, b = r.arg(0), r.arg(1)
    dims_a, dims_b = r.arg(2, "dims_self"), r.arg(3, "dims_other")
    shape = r.out_shape
    if shape is None or not isinstance(dims_a, (list, tuple)) or not isinstance(dims_b, (list, tuple)):
        raise GiveUp
    if len(dims_a) != len(dims_b) or not all(isinstance(d, int) for d in (*dims_a, *dims_b)):
        raise GiveUp
    ca = [d % a.ndim for d in dims_a] if a.ndim else []
    cb = [d % b.ndim for d in dims_b] if b.ndim else []
    for i, j in zip(ca, cb):
        if full(a.shape[i]) and full(b.shape[j]):
            r.b.eq(a.axes[i], b.axes[j])
    free_a = [i for i in range(a.ndim) if i not in ca]
    free_b = [j for j in range(b.ndim) if j not in cb]
    if len(free_a) + len(free_b) != len(shape):
        raise GiveUp
    r.matrix(a, free_a, ca, 0)
    r.matrix(b, free_b, cb, 1)
    return Value(tuple(a.axes[i] for i in free_a) + tuple(b.axes[j] for j in free_b), shape)


@rule(
    aten.bilinear,
    kind=OpKind.CONTRACTION,
    note=CONTRACTS,
    symbol="bilinear",
    linear=(True, True, True, True),
    requires=(0, 1, 2),
)
def bilinear(r: RuleArgs):
    """`bilinear(x1, x2, W, b)` = x1ᵀ W x2 + b with W (out, in1, in2): W contracts both
    inputs' features and, learned, maps them to its own output type."""
    x1, x2, w, bias = r.arg(0), r.arg(1), r.arg(2), r.arg(3, "bias")
    shape = r.out_shape
    if shape is None or w.ndim != 3 or x1.ndim < 1 or x2.ndim < 1 or len(shape) != x1.ndim:
        raise GiveUp
    r.b.eq(x1.axes[-1], w.axes[1])
    r.b.eq(x2.axes[-1], w.axes[2])
    r.matrix(w, [0], [1, 2], 2)
    batch = unify_broadcast(
        r.b, [Value(x1.axes[:-1], x1.shape[:-1]), Value(x2.axes[:-1], x2.shape[:-1])], tuple(shape[:-1])
    )
    if is_value(bias) and bias.ndim == 1:
        r.b.eq(bias.axes[0], w.axes[0])
    return Value(batch + (w.axes[0],), shape)


def _einsum_spec(equation: str, ndims: list[int]) -> tuple[list[list[str]], list[str]]:
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, rhs = eq.split("->")
    else:
        lhs, rhs = eq, None
    terms: list[str] = lhs.split(",")
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
        counts: dict[str, int] = {}
        for letters in out_terms:
            for c in letters:
                counts[c] = counts.get(c, 0) + 1
        out = "".join(ell) + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        out = rhs.replace("...", "".join(ell))
    return out_terms, list(out)


def _gate_acts(operands, terms: list[list[str]], out_letters: list[str]) -> set[str]:
    """Letters along which a gate multiplies a value elementwise: in both operands of a
    two-operand einsum and kept in the output, one operand a gate and the other not.

    Why: `einsum('... s d, ... s d -> ... d', x, softmax(W x))` is `(x * attn).sum(-2)`
    written as one op; along `d` the gate acts on x, so (as for `*`) the result has x's
    type and the gate's is unconstrained. Unifying the two would retype W's output."""
    if len(operands) != 2 or operands[0].is_gate == operands[1].is_gate:
        return set()
    return set(terms[0]) & set(terms[1]) & set(out_letters)


@rule(aten.einsum, kind=OpKind.CONTRACTION, note=CONTRACTS, symbol="einsum", requires=())
def einsum(r: RuleArgs):
    equation, operands = r.arg(0), r.arg(1)
    shape = r.out_shape
    if not isinstance(equation, str) or not operands or not all(is_value(v) for v in operands) or shape is None:
        raise GiveUp
    terms, out_letters = _einsum_spec(equation, [v.ndim for v in operands])
    var_of: dict[str, int] = {}
    gated = _gate_acts(operands, terms, out_letters)
    for v, term in zip(operands, terms):
        for c, ax, s in zip(term, v.axes, v.shape):
            if not full(s) or (c in gated and v.is_gate):
                continue  # a gate's kept axis takes the value's type (the product rule)
            if c in var_of:
                r.b.eq(var_of[c], ax)
            else:
                var_of[c] = ax
    if len(operands) > 1:  # a one-operand einsum is a permutation or a trace, not a matrix
        for k, (v, term) in enumerate(zip(operands, terms)):
            outs = [i for i, c in enumerate(term) if c in out_letters]
            contracted = [i for i, c in enumerate(term) if c not in out_letters]
            r.matrix(v, outs, contracted, 1, item=k)
    axes = tuple(var_of[c] if c in var_of else r.b.fresh(s, r.b.label()) for c, s in zip(out_letters, shape))
    return Value(axes, shape)


def convolution(r: RuleArgs, transposed: bool, groups: int):
    """Channels contract through the weight; output positions are the input positions only
    where the length is unchanged (padding keeps it), else a new, shifted index set."""
    x, w, bias = r.arg(0, "input"), r.arg(1, "weight"), r.arg(2, "bias")
    shape = r.out_shape
    if shape is None or w.ndim < 2:
        raise GiveUp
    batched = x.ndim == w.ndim
    c_axis = 1 if batched else 0
    x_ch, x_c = x.axes[c_axis], x.shape[c_axis]
    in_w, out_w = (0, 1) if transposed else (1, 0)
    out_c = shape[c_axis]
    if groups <= 1:
        r.b.eq(x_ch, w.axes[in_w])
        r.matrix(w, [out_w], [in_w], 1)
        out_ch = w.axes[out_w]
    elif not transposed and w.shape[1] == 1 and groups == x_c:
        r.b.refine(kind=OpKind.UNARY)  # depthwise: diagonal over channels
        if out_c == x_c:
            out_ch = x_ch
        else:  # channel multiplier: (channels ⊗ multiplier)
            out_ch = r.b.fresh(out_c, r.b.label())
            r.b.structure(out_ch, "prod", (x_ch, r.b.fresh(out_c // x_c, r.b.label())))
    else:
        out_ch = _grouped(r, x_ch, x_c, w, out_c, groups, transposed)
    if is_value(bias) and bias.ndim == 1:
        r.b.eq(bias.axes[0], out_ch)
    spatial_in = Value(tuple(x.axes[c_axis + 1 :]), tuple(x.shape[c_axis + 1 :]))
    spatial = resized(r.b, spatial_in, tuple(shape[c_axis + 1 :]))
    axes = ((x.axes[0],) if batched else ()) + (out_ch,) + spatial
    return Value(axes, shape)


def _grouped(r: RuleArgs, x_ch: int, x_c: int, w: Value, out_c: int, groups: int, transposed: bool) -> int:
    """Block-diagonal: channels are groups ⊗ per-group channels; the group index is kept
    and the per-group matrix changes type (the matrix rule on the per-group factor)."""
    b = r.b
    if x_c % groups or out_c % groups:
        raise GiveUp
    g = b.fresh(groups, b.label())
    cin_g, cout_g = b.fresh(x_c // groups, b.label()), b.fresh(out_c // groups, b.label())
    b.structure(x_ch, "prod", (g, cin_g))
    out_ch = b.fresh(out_c, b.label())
    b.structure(out_ch, "prod", (g, cout_g))
    # weight: (out, in/g, k...), or (in, out/g, k...) transposed: axis 0 is g ⊗ per-group
    per_group = b.fresh(w.shape[0] // groups, b.label())
    b.structure(w.axes[0], "prod", (g, per_group))
    if not transposed:
        b.eq(per_group, cout_g)
        b.eq(w.axes[1], cin_g)
        out_axis, in_axis = per_group, w.axes[1]
    else:
        b.eq(per_group, cin_g)
        b.eq(w.axes[1], cout_g)
        out_axis, in_axis = w.axes[1], per_group
    b.matrix_vars(out_axis, in_axis, r.source(1))
    return out_ch


def _groups(value) -> int:
    return value if isinstance(value, int) else 1


# a convolution's kernel is a matrix from input to output channels, linear in every input
_conv_rule = partial(rule, kind=OpKind.CONTRACTION, note=CONTRACTS, linear=(True, True, True), requires=(0, 1))


@_conv_rule(
    aten.conv1d,
    aten.conv2d,
    aten.conv3d,
    aten.conv1d.padding,
    aten.conv2d.padding,
    aten.conv3d.padding,
    symbol="conv",
)
def conv(r: RuleArgs):
    return convolution(r, transposed=False, groups=_groups(r.arg(6, "groups", 1)))


@_conv_rule(
    aten.convolution,
    aten._convolution,
    aten.cudnn_convolution,
    aten.mkldnn_convolution,
    symbol="conv",
)
def aten_convolution(r: RuleArgs):
    return convolution(r, transposed=bool(r.arg(6, "transposed", False)), groups=_groups(r.arg(8, "groups", 1)))


@_conv_rule(
    aten.conv_transpose1d,
    aten.conv_transpose2d,
    aten.conv_transpose3d,
    symbol="conv_transpose",
)
def conv_transpose(r: RuleArgs):
    return convolution(r, transposed=True, groups=_groups(r.arg(6, "groups", 1)))


@rule(
    aten.embedding,
    aten._embedding_bag,
    aten.embedding_bag,
    kind=OpKind.CONTRACTION,
    note="`{sym}` looks up rows of a table: the result has the table's feature type",
    symbol="embedding",
    requires=(0, 1),
)
def embedding(r: RuleArgs):
    w, idx = r.arg(0, "weight"), r.arg(1, "indices")
    shape = r.out_shape
    if shape is None:
        outs = r.out if isinstance(r.out, (list, tuple)) else None
        if outs is None:
            raise GiveUp
        first = Value(r.b.new_value(tuple(outs[0].shape), r.b.label()).axes[:-1] + (w.axes[-1],), tuple(outs[0].shape))
        return [first] + [fresh_output(r.b, o) for o in outs[1:]]
    return Value(tuple(idx.axes) + (w.axes[-1],), shape)


@rule(
    aten.scaled_dot_product_attention,
    aten._scaled_dot_product_flash_attention_for_cpu,
    aten._scaled_dot_product_efficient_attention,
    aten._scaled_dot_product_flash_attention,
    aten._scaled_dot_product_cudnn_attention,
    aten._scaled_dot_product_attention_math,
    aten._scaled_dot_product_fused_attention_overrideable,
    kind=OpKind.CONTRACTION,
    note=CONTRACTS,
    symbol="attention",
    requires=(0, 1, 2),
)
def attention(r: RuleArgs):
    q, k, v = r.arg(0, "query"), r.arg(1, "key"), r.arg(2, "value")
    outs = r.out if isinstance(r.out, (list, tuple)) else None
    shape = r.out_shape if outs is None else tuple(outs[0].shape)
    if shape is None:
        raise GiveUp
    r.b.eq(q.axes[-1], k.axes[-1])
    if k.shape[-2] == v.shape[-2]:
        r.b.eq(k.axes[-2], v.axes[-2])
    nb = len(shape) - 2
    batch = []
    for i in range(nb):
        present = []
        for t in (q, k, v):
            j = i - (nb - (t.ndim - 2))
            if j >= 0 and t.shape[j] == shape[i] and full(shape[i]):
                present.append(t.axes[j])
        for other in present[1:]:
            r.b.eq(present[0], other)
        batch.append(present[0] if present else r.b.fresh(shape[i], r.b.label()))
    out = Value(tuple(batch) + (q.axes[-2], v.axes[-1]), shape)
    if outs is not None:
        return [out] + [fresh_output(r.b, o) for o in outs[1:]]
    return out


@rule(aten._cdist_forward, aten.cdist, kind=OpKind.CONTRACTION, note=CONTRACTS, symbol="cdist", requires=(0, 1))
def cdist(r: RuleArgs):
    """Pairwise distances (B, P, M), (B, R, M) -> (B, P, R): M is compared across the two
    sets, so it must be one type; no matrix is involved."""
    x1, x2 = r.arg(0), r.arg(1)
    shape = r.out_shape
    if shape is None or x1.ndim < 2 or x2.ndim < 2 or len(shape) != x1.ndim:
        raise GiveUp
    r.b.eq(x1.axes[-1], x2.axes[-1])
    batch = unify_broadcast(
        r.b, [Value(x1.axes[:-2], x1.shape[:-2]), Value(x2.axes[:-2], x2.shape[:-2])], tuple(shape[:-2])
    )
    return Value(batch + (x1.axes[-2], x2.axes[-2]), shape)
