"""Reductions and normalisations keep the types of the axes that remain.

softmax is the one normaliser whose output is a gate (it lies in the simplex, so it
acts on what it multiplies); layer/batch/group norms keep their input's types. Pooling
and resampling keep the types of the axes whose length they keep; a resized axis is a
new index set.
"""

from __future__ import annotations

import torch

from typecheck_nn.engine.ir import Value
from typecheck_nn.engine.ops.common import (
    RuleArgs,
    fresh_output,
    full,
    is_value,
    keep,
    norm_dim,
    resized,
    tensor_meta,
    unify_broadcast,
)
from typecheck_nn.engine.ops.elementwise import binary
from typecheck_nn.engine.ops.registry import Gate, GiveUp, OpKind, aten, op_name, rule, target_name

REDUCES = "`{sym}` keeps the types of the axes it does not reduce"
NORMALISES = "`{sym}` normalises its input, keeping its type"


def _reduced_dims(dims, ndim: int) -> set[int]:
    """The axes a reduction's `dim` argument names: all of them when it names none."""
    if dims is None or dims == [] or dims == ():
        return set(range(ndim))
    return {norm_dim(d, ndim) for d in ([dims] if isinstance(dims, int) else dims)}


def _reduced(r: RuleArgs, x: Value, dims, shape) -> Value:
    if shape is None:
        raise GiveUp
    dims = _reduced_dims(dims, x.ndim)
    keepdim = len(shape) == x.ndim
    axes = []
    for i, a in enumerate(x.axes):
        if i in dims:
            if keepdim:
                axes.append(r.b.fresh(1, r.b.label()))
        else:
            axes.append(a)
    if len(axes) != len(shape):
        raise GiveUp
    return Value(tuple(axes), shape)


@rule(
    aten.sum,
    aten.mean,
    aten.amax,
    aten.amin,
    aten.prod,
    aten.norm,
    aten.linalg_vector_norm,
    aten.linalg_norm,
    aten.var,
    aten.std,
    aten.var_mean,
    aten.std_mean,
    aten.logsumexp,
    aten.argmax,
    aten.argmin,
    aten.all,
    aten.any,
    aten.count_nonzero,
    aten.nansum,
    aten.nanmean,
    aten.median,
    aten.nanmedian,
    aten.mode,
    aten.frobenius_norm,
    aten.aminmax,
    aten.special_logsumexp,
    kind=OpKind.REDUCTION,
    note=REDUCES,
)
def reduce(r: RuleArgs):
    x = r.arg(0)
    outs = r.out if isinstance(r.out, (list, tuple)) else None
    dims = r.arg(1, "dim", None)
    if r.packet in ("norm", "linalg_vector_norm", "linalg_norm") and not isinstance(dims, (int, list, tuple)):
        dims = r.arg(2, "dim", None) if r.packet != "norm" else r.kwargs.get("dim")
    if isinstance(dims, Value) or (dims is not None and not isinstance(dims, (int, list, tuple))):
        dims = None
    if outs is not None:  # (values, indices) or (var, mean)
        return [_reduced(r, x, dims, tensor_meta(o)) for o in outs]
    if r.packet in SUM_NAMES:
        _written_out_contraction(r, x, dims)
    return _reduced(r, x, dims, r.out_shape)


SUMS = (aten.sum, aten.mean, aten.nansum, aten.nanmean)
SUM_NAMES = {op_name(o) for o in SUMS}


def _written_out_contraction(r: RuleArgs, x: Value, dims) -> None:
    """`(h.unsqueeze(-1) * U).sum(-2)` is `h @ U` written out: a broadcast product with a
    learned tensor, summed over an axis both factors span, while another axis of the
    learned tensor is broadcast against the other factor and survives. The learned
    factor then acts as a matrix (its surviving axes differ from its summed ones), as in
    matmul; a product summed only over shared axes (a learned weighting, a dot product
    with a learned vector) is no matrix and stays elementwise."""
    product = r.source(0)
    if product is None or product.op != "call_function" or target_name(product.target) != "mul":
        return
    factors = [a for a in product.args[:2] if hasattr(a, "op")]
    if len(factors) != 2:
        return
    learned = [r.b.learned_params(f) is not None for f in factors]
    if learned.count(True) != 1:
        return
    w_node, o_node = (factors[0], factors[1]) if learned[0] else (factors[1], factors[0])
    w, o = r.b.current_value(w_node), r.b.current_value(o_node)
    if not isinstance(w, Value) or not isinstance(o, Value):
        return
    n = x.ndim
    summed = _reduced_dims(dims, n)
    outs, contracted = [], []
    for i in range(n):
        wi, oi = i - (n - w.ndim), i - (n - o.ndim)
        if wi < 0 or not full(w.shape[wi]):
            continue
        spans_other = oi >= 0 and full(o.shape[oi])
        if i in summed and spans_other:
            contracted.append((wi, oi))
        elif i not in summed and not spans_other:
            outs.append(wi)
    if outs and contracted:
        for wi, oi in contracted:  # contracted axes unify, as in matmul
            r.b.eq(o.axes[oi], w.axes[wi])
        r.b.matrix(w, outs, [wi for wi, _ in contracted], w_node)


NORMS = (
    aten.layer_norm,
    aten.native_layer_norm,
    aten.batch_norm,
    aten._native_batch_norm_legit,
    aten._native_batch_norm_legit_functional,
    aten._native_batch_norm_legit_no_training,
    aten.native_batch_norm,
    aten.group_norm,
    aten.native_group_norm,
    aten.instance_norm,
    aten.rms_norm,
    aten._fused_rms_norm,
    aten.cudnn_batch_norm,
    aten._batch_norm_with_update,
    aten._batch_norm_with_update_functional,
    aten._batch_norm_no_update,
    "local_response_norm",
    aten.miopen_batch_norm,
    aten._weight_norm,
)


@rule(*NORMS, kind=OpKind.REDUCTION, note=NORMALISES, linear=(False,))
def norm_like(r: RuleArgs):
    """A normalisation keeps its input's types; its statistics are new values. Weight
    norm (`v * g / |v|`) keeps v's types, so a weight-normed matrix is still that matrix."""
    x = r.arg(0)
    if isinstance(r.out, (list, tuple)):
        return [keep(x, is_gate=False)] + [fresh_output(r.b, o) for o in r.out[1:]]
    return keep(x, is_gate=False)


@rule(aten._weight_norm_interface, kind=OpKind.REDUCTION, note=NORMALISES, linear=(False,))
def weight_norm_interface(r: RuleArgs):
    """(v * g / |v|, |v|): the normed weight keeps v's types."""
    x = r.arg(0)
    outs = r.out if isinstance(r.out, (list, tuple)) else None
    if outs is None:
        raise GiveUp
    return [keep(x, is_gate=False)] + [fresh_output(r.b, o) for o in outs[1:]]


@rule(
    aten.softmax,
    aten._softmax,
    aten._safe_softmax,
    aten.special_softmax,
    kind=OpKind.UNARY,
    note="`{sym}` keeps the type and yields a gate",
    gate=Gate.MAKES,
)
@rule(
    aten.log_softmax,
    aten._log_softmax,
    aten.special_log_softmax,
    kind=OpKind.UNARY,
    note="`{sym}` keeps the type",
    gate=Gate.DROPS,
)
def softmax(r: RuleArgs):
    """softmax keeps types and yields a gate (a point of the simplex acts on what it
    multiplies); log_softmax keeps types but is no gate (the registry says which)."""
    return keep(r.arg(0))


POOLS = (
    aten.max_pool1d,
    aten.max_pool2d,
    aten.max_pool3d,
    aten.avg_pool1d,
    aten.avg_pool2d,
    aten.avg_pool3d,
    aten.adaptive_avg_pool1d,
    aten.adaptive_avg_pool2d,
    aten.adaptive_avg_pool3d,
    aten.adaptive_max_pool1d,
    aten.adaptive_max_pool2d,
    aten.adaptive_max_pool3d,
    aten.max_pool2d_with_indices,
    aten.max_pool3d_with_indices,
    aten.max_pool1d_with_indices,
    aten._adaptive_avg_pool2d,
    aten._adaptive_avg_pool3d,
    aten.upsample_nearest1d,
    aten.upsample_nearest2d,
    aten.upsample_nearest3d,
    aten.upsample_linear1d,
    aten.upsample_bilinear2d,
    aten.upsample_bicubic2d,
    aten.upsample_trilinear3d,
    aten._upsample_nearest_exact1d,
    aten._upsample_nearest_exact2d,
    aten._upsample_nearest_exact3d,
    aten._upsample_bilinear2d_aa,
    aten._upsample_bicubic2d_aa,
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    aten.fractional_max_pool2d,
    aten.grid_sampler_2d,
    aten.grid_sampler,
)
SORTS = (aten.topk, aten.sort, aten.kthvalue, aten.cummax, aten.cummin, aten.msort)


@rule(
    *POOLS,
    *SORTS,
    kind=OpKind.REDUCTION,
    note="`{sym}` keeps the types of the axes whose length it keeps; a resized axis is a new index set",
)
def pool(r: RuleArgs):
    """Pooling, resampling, sorting: an axis that keeps its length keeps its type."""
    x = r.arg(0)
    outs = r.out if isinstance(r.out, (list, tuple)) else None
    shape = tensor_meta(outs[0]) if outs is not None else r.out_shape
    if shape is None or len(shape) != x.ndim:
        raise GiveUp
    value = Value(resized(r.b, x, shape), shape)
    if outs is not None:
        return [value] + [
            Value(value.axes, shape) if tensor_meta(o) == shape else fresh_output(r.b, o) for o in outs[1:]
        ]
    return value


@rule(
    aten.pixel_shuffle,
    aten.pixel_unshuffle,
    aten.channel_shuffle,
    aten.native_channel_shuffle,
    kind=OpKind.SHAPE,
    note="`{sym}` moves entries between channels and positions: new types for both",
)
def shuffle(r: RuleArgs):
    """Entries move between the channel and spatial axes: leading (batch) axes keep."""
    x, shape = r.arg(0), r.out_shape
    if shape is None or len(shape) != x.ndim:
        raise GiveUp
    if r.packet in ("channel_shuffle", "native_channel_shuffle"):
        axes = list(x.axes)
        axes[1] = r.b.fresh(shape[1], r.b.label())
        return Value(tuple(axes), shape)
    lead = x.ndim - 3
    return Value(tuple(x.axes[:lead]) + tuple(r.b.fresh(s, r.b.label()) for s in shape[lead:]), shape)


@rule(aten.max, aten.min, kind=OpKind.REDUCTION, note=REDUCES)
def max_min(r: RuleArgs):
    """max(x, y) is binary and unifies; max(x, dim) is a reduction."""
    if is_value(r.arg(1)):
        r.b.refine(kind=OpKind.BINARY)
        return binary(r)
    return reduce(r)


@rule(
    aten.cosine_similarity,
    aten.pairwise_distance,
    kind=OpKind.CONTRACTION,
    note="`{sym}` contracts an axis, unifying the types on both sides",
    linear=(False, False),
    requires=(0, 1),
)
def cosine_similarity(r: RuleArgs):
    """cos(x1, x2) along `dim` (an NTM's content addressing): an inner product of two
    values of one type, normalised; the other axes broadcast and keep their types. No
    operand acts as a matrix (a product summed over axes both factors span)."""
    x1, x2, shape = r.arg(0), r.arg(1), r.out_shape
    if shape is None:
        raise GiveUp
    try:
        full_shape = tuple(torch.broadcast_shapes(x1.shape, x2.shape))
    except RuntimeError as exc:
        raise GiveUp from exc
    nd = len(full_shape)
    dim = r.arg(2, "dim", 1 if r.packet == "cosine_similarity" else -1)
    if r.packet == "pairwise_distance":
        dim = -1
    if not isinstance(dim, int):
        raise GiveUp
    dim = norm_dim(dim, nd)
    r.b.refine(binary=True)  # it compares its operands coordinatewise, as `+` would
    axes = unify_broadcast(r.b, [x1, x2], full_shape)
    kept = tuple(a for i, a in enumerate(axes) if i != dim)
    if len(kept) == len(shape):
        return Value(kept, shape)
    if len(axes) == len(shape):  # keepdim
        return Value(tuple(a if i != dim else r.b.fresh(1, r.b.label()) for i, a in enumerate(axes)), shape)
    raise GiveUp
