"""Reductions and normalisations keep the types of the axes that remain.

softmax is the one normaliser whose output is a gate (it lies in the simplex, so it
acts on what it multiplies); layer/batch/group norms keep their input's types.
"""

from __future__ import annotations

from ..ir import Value
from .common import RuleArgs, fresh_output, is_value, keep, norm_dim, tensor_meta
from .elementwise import binary


def _reduced(r: RuleArgs, x: Value, dims, shape) -> Value:
    if dims is None or dims == [] or dims == ():
        dims = list(range(x.ndim))
    if isinstance(dims, int):
        dims = [dims]
    dims = {norm_dim(d, x.ndim) for d in dims}
    keepdim = len(shape) == x.ndim
    axes = []
    for i, a in enumerate(x.axes):
        if i in dims:
            if keepdim:
                axes.append(r.b.fresh(1, r.b.label()))
        else:
            axes.append(a)
    if len(axes) != len(shape):
        return r.b.new_value(shape, r.b.label())
    return Value(tuple(axes), shape)


def reduce(r: RuleArgs):
    x = r.arg(0)
    r.b.current.kind = "reduction"
    shape = r.out_shape
    outs = r.out if isinstance(r.out, (list, tuple)) else None
    if not is_value(x):
        return fresh_output(r.b, r.out)
    dims = r.arg(1, "dim", None)
    if isinstance(dims, Value) or (dims is not None and not isinstance(dims, (int, list, tuple))):
        dims = None
    if outs is not None:  # (values, indices) or (var, mean)
        return [_reduced(r, x, dims, tensor_meta(o)) for o in outs]
    if shape is None:
        return fresh_output(r.b, r.out)
    return _reduced(r, x, dims, shape)


def norm_like(r: RuleArgs):
    x = r.arg(0)
    r.b.current.kind = "reduction"
    if not is_value(x):
        return fresh_output(r.b, r.out)
    if isinstance(r.out, (list, tuple)):
        return [keep(x, is_gate=False, param=None, param_axes=None)] + [fresh_output(r.b, o) for o in r.out[1:]]
    return keep(x, is_gate=False, param=None, param_axes=None)


def _normalised(r: RuleArgs, gate: bool):
    """softmax keeps types and yields a gate (a point of the simplex acts on what it
    multiplies); log_softmax keeps types but is no gate."""
    x = r.arg(0)
    r.b.current.kind = "elementwise"
    if not is_value(x):
        return fresh_output(r.b, r.out)
    return keep(x, is_gate=gate, param=None, param_axes=None)


def softmax(r: RuleArgs):
    return _normalised(r, gate=True)


def log_softmax(r: RuleArgs):
    return _normalised(r, gate=False)


def pool(r: RuleArgs):
    """Pooling and resampling: batch and channel types stay; a resized axis gets a fresh one."""
    x, shape = r.arg(0), r.out_shape
    r.b.current.kind = "reduction"
    outs = r.out if isinstance(r.out, (list, tuple)) else None
    if outs is not None:
        shape = tensor_meta(outs[0])
    if not is_value(x) or shape is None or len(shape) != x.ndim:
        return fresh_output(r.b, r.out)
    axes = tuple(a if s == o else r.b.fresh(o, r.b.label()) for a, s, o in zip(x.axes, x.shape, shape))
    value = Value(axes, shape)
    if outs is not None:
        return [value] + [
            Value(axes, tensor_meta(o)) if tensor_meta(o) == shape else fresh_output(r.b, o) for o in outs[1:]
        ]
    return value


def max_min(r: RuleArgs):
    """max(x, y) is binary and unifies; max(x, dim) is a reduction."""
    if is_value(r.arg(1)):
        return binary(r)
    return reduce(r)


RULES = {
    name: reduce
    for name in (
        "sum",
        "mean",
        "amax",
        "amin",
        "prod",
        "norm",
        "linalg_vector_norm",
        "var",
        "std",
        "var_mean",
        "std_mean",
        "logsumexp",
        "argmax",
        "argmin",
        "all",
        "any",
        "count_nonzero",
        "nansum",
        "nanmean",
        "median",
        "mode",
        "frobenius_norm",
        "aminmax",
    )
}
RULES.update(
    {
        name: pool
        for name in (
            "max_pool1d",
            "max_pool2d",
            "max_pool3d",
            "avg_pool1d",
            "avg_pool2d",
            "avg_pool3d",
            "adaptive_avg_pool1d",
            "adaptive_avg_pool2d",
            "adaptive_avg_pool3d",
            "adaptive_max_pool1d",
            "adaptive_max_pool2d",
            "max_pool2d_with_indices",
            "max_pool1d_with_indices",
            "_adaptive_avg_pool2d",
            "upsample_nearest1d",
            "upsample_nearest2d",
            "upsample_linear1d",
            "upsample_bilinear2d",
            "upsample_bicubic2d",
            "_upsample_nearest_exact1d",
            "_upsample_nearest_exact2d",
            "lp_pool1d",
            "lp_pool2d",
        )
    }
)
# topk/sort/kthvalue: like pooling, a resized axis is a fresh index set, the others keep types
RULES.update({name: pool for name in ("topk", "sort", "kthvalue", "cummax", "cummin", "msort")})
RULES.update(
    {
        name: norm_like
        for name in (
            "layer_norm",
            "native_layer_norm",
            "batch_norm",
            "_native_batch_norm_legit",
            "_native_batch_norm_legit_functional",
            "_native_batch_norm_legit_no_training",
            "native_batch_norm",
            "group_norm",
            "native_group_norm",
            "instance_norm",
            "rms_norm",
            "_fused_rms_norm",
            "cudnn_batch_norm",
            "_batch_norm_with_update",
            "_batch_norm_no_update",
            "local_response_norm",
        )
    }
)
RULES.update(
    {
        "softmax": softmax,
        "_softmax": softmax,
        "_safe_softmax": softmax,
        "log_softmax": log_softmax,
        "_log_softmax": log_softmax,
        "max": max_min,
        "min": max_min,
    }
)
