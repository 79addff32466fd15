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


def softmax(r: RuleArgs):
    x = r.arg(0)
    r.b.current.kind = "elementwise"
    if not is_value(x):
        return fresh_output(r.b, r.out)
    return keep(x, is_gate=True, param=None, param_axes=None)


def log_softmax(r: RuleArgs):
    x = r.arg(0)
    r.b.current.kind = "elementwise"
    if not is_value(x):
        return fresh_output(r.b, r.out)
    return keep(x, is_gate=False, param=None, param_axes=None)


def max_min(r: RuleArgs):
    """max(x, y) is binary and unifies; max(x, dim) is a reduction."""
    if is_value(r.arg(1)):
        return binary(r)
    return reduce(r)


RULES = {name: reduce for name in (
    "sum", "mean", "amax", "amin", "prod", "norm", "linalg_vector_norm", "var", "std", "var_mean",
    "std_mean", "logsumexp", "argmax", "argmin", "all", "any", "count_nonzero", "nansum", "nanmean",
    "median", "mode", "frobenius_norm", "aminmax",
)}
RULES.update({name: norm_like for name in (
    "layer_norm", "native_layer_norm", "batch_norm", "_native_batch_norm_legit",
    "_native_batch_norm_legit_functional", "_native_batch_norm_legit_no_training", "native_batch_norm",
    "group_norm", "native_group_norm", "instance_norm", "rms_norm", "_fused_rms_norm", "cudnn_batch_norm",
    "_batch_norm_with_update", "_batch_norm_no_update", "local_response_norm",
)})
RULES.update({"softmax": softmax, "_softmax": softmax, "log_softmax": log_softmax, "_log_softmax": log_softmax,
              "max": max_min, "min": max_min})
