"""Coordinatewise ops: unary ones keep types, + - max min where unify, products orient.

The paper's algebra: a unary coordinatewise function is a function on one type; a
binary one (+, -, max, min) needs both operands of one type; a product g * v with a
gate g is diag(g) acting on v. Which operand acts in any other product is left to the
solver (a Choice), so that a violation is reported only when no orientation works.
"""

from __future__ import annotations

from ..ir import Value
from .common import RuleArgs, fresh_output, full, is_value, keep, unify_broadcast

GATES = {"sigmoid", "hardsigmoid", "sigmoid_", "hardsigmoid_", "_softmax", "softmax"}

UNARY = {
    "relu",
    "relu_",
    "gelu",
    "gelu_",
    "silu",
    "silu_",
    "tanh",
    "tanh_",
    "hardtanh",
    "hardtanh_",
    "elu",
    "elu_",
    "selu",
    "celu",
    "leaky_relu",
    "leaky_relu_",
    "softplus",
    "mish",
    "hardswish",
    "relu6",
    "exp",
    "exp_",
    "log",
    "log2",
    "exp2",
    "log1p",
    "expm1",
    "neg",
    "abs",
    "sqrt",
    "rsqrt",
    "square",
    "reciprocal",
    "sin",
    "cos",
    "erf",
    "erfc",
    "sign",
    "floor",
    "ceil",
    "round",
    "trunc",
    "frac",
    "clamp",
    "clamp_",
    "clamp_min",
    "clamp_max",
    "clip",
    "nan_to_num",
    "log_sigmoid",
    "logit",
    "logical_not",
    "bitwise_not",
    "isnan",
    "isinf",
    "isfinite",
    "dropout",
    "dropout_",
    "alpha_dropout",
    "feature_dropout",
    "feature_alpha_dropout",
    "contiguous",
    "clone",
    "detach",
    "detach_",
    "alias",
    "to",
    "_to_copy",
    "lift_fresh_copy",
    "lift_fresh",
    "fill",
    "fill_",
    "zero_",
    "zeros_like",
    "ones_like",
    "full_like",
    "empty_like",
    "rand_like",
    "randn_like",
    "tril",
    "triu",
    "tril_",
    "triu_",
    "masked_fill",
    "masked_fill_",
    "index_fill",
    "index_put",
    "index_put_",
    "scatter",
    "scatter_",
    "scatter_add",
    "scatter_reduce",
    "type_as",
    "bernoulli",
    "log_sigmoid_forward",
    "silu_backward",
    "cumsum",
    "cumprod",
    "flip",
    "roll",
    "_conj",
    "resolve_conj",
    "resolve_neg",
    "positive",
    "pow_",
    "digamma",
    "lgamma",
    "tan",
    "atan",
    "asin",
    "acos",
    "sinh",
    "cosh",
    "asinh",
    "acosh",
    "atanh",
    "sgn",
    "signbit",
    "deg2rad",
    "rad2deg",
    "polygamma",
    "i0",
    "sinc",
    "hardshrink",
    "softshrink",
    "tanhshrink",
    "threshold",
    "rrelu",
    "glu_placeholder",
}
# like-constructors are fresh values in general, but typing them as the template keeps
# an initial state (zeros_like(x)) out of the way; they impose no constraint either way
FRESH_LIKE = {"zeros_like", "ones_like", "empty_like", "full_like", "rand_like", "randn_like"}

BINARY = {
    "add",
    "add_",
    "sub",
    "sub_",
    "maximum",
    "minimum",
    "fmax",
    "fmin",
    "atan2",
    "hypot",
    "remainder",
    "fmod",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "logical_and",
    "logical_or",
    "logical_xor",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "copysign",
    "rsub",
    "max",
    "min",
    "xlogy",
    "floor_divide",
    "lerp",
    "lerp_",
    "copy",
    "copy_",
    "nextafter",
    "heaviside",
}
PRODUCTS = {"mul", "mul_", "div", "div_", "true_divide", "pow", "float_power", "logaddexp", "special_xlog1py"}


def _tensor_args(r: RuleArgs, limit: int | None = None) -> list[Value]:
    args = r.args if limit is None else r.args[:limit]
    return [a for a in args if is_value(a)]


def unary(r: RuleArgs):
    x = r.arg(0, "self")
    shape = r.out_shape
    if not is_value(x) or shape is None:
        return fresh_output(r.b, r.out)
    packet = _packet(r)
    if packet in FRESH_LIKE:
        return r.b.new_value(shape, r.b.label())
    if x.shape != shape:  # e.g. in-place broadcast; fall back to per-axis broadcast
        return Value(unify_broadcast(r.b, [x], shape), shape)
    return keep(
        x, is_gate=x.is_gate and packet in ("clone", "contiguous", "to", "_to_copy", "detach", "alias", "dropout")
    )


def _packet(r: RuleArgs) -> str:
    from ..typegraph import target_name

    return target_name(r.node.target)


def gate(r: RuleArgs):
    x = r.arg(0, "self")
    if not is_value(x) or r.out_shape is None:
        return fresh_output(r.b, r.out)
    return keep(x, is_gate=True, param=None, param_axes=None)


def binary(r: RuleArgs):
    shape = r.out_shape
    if shape is None:
        return fresh_output(r.b, r.out)
    packet = _packet(r)
    values = _tensor_args(r, 2)
    r.b.current.kind = "elementwise"
    if len(values) == 2:
        r.b.current.binary = True
        r.b.current.symbol = {"add": "+", "add_": "+", "sub": "-", "sub_": "-", "rsub": "-"}.get(packet, packet)
    if not values:
        return r.b.new_value(shape, r.b.label())
    axes = unify_broadcast(r.b, values, shape)
    gate_out = False
    if packet == "rsub" and len(values) == 1 and values[0] is r.arg(0) and values[0].is_gate:
        gate_out = True  # 1 - g is a gate
    if packet in ("eq", "ne", "lt", "le", "gt", "ge"):
        gate_out = False
    return Value(axes, shape, is_gate=gate_out)


def where(r: RuleArgs):
    shape = r.out_shape
    if shape is None:
        return fresh_output(r.b, r.out)
    values = [a for a in r.args[1:3] if is_value(a)]
    r.b.current.kind = "elementwise"
    if len(values) == 2:
        r.b.current.binary = True
        r.b.current.symbol = "where"
    if not values:
        return r.b.new_value(shape, r.b.label())
    return Value(unify_broadcast(r.b, values, shape), shape, is_gate=all(v.is_gate for v in values))


def _acts_on(r: RuleArgs, actor: Value, target: Value, shape) -> Value:
    """diag(actor) target: the result has target's types; actor only where target broadcasts."""
    nd = len(shape)
    axes = []
    t_off, a_off = nd - target.ndim, nd - actor.ndim
    for i in range(nd):
        ti, ai = i - t_off, i - a_off
        if ti >= 0 and full(target.shape[ti]):
            axes.append(target.axes[ti])
        elif ai >= 0 and full(actor.shape[ai]):
            axes.append(actor.axes[ai])
        else:
            axes.append(r.b.fresh(shape[i], r.b.label()))
    return Value(tuple(axes), shape)


def _is_diagonal(v: Value) -> bool:
    """A 1-d parameter (per-channel scale) is a diagonal operator: it acts like a gate."""
    return v.param is not None and sum(1 for s in v.shape if s != 1) <= 1


def product(r: RuleArgs):
    shape = r.out_shape
    if shape is None:
        return fresh_output(r.b, r.out)
    x, y = r.arg(0, "self"), r.arg(1, "other")
    r.b.current.kind = "elementwise"
    r.b.current.symbol = {"mul": "*", "mul_": "*", "div": "/", "div_": "/", "true_divide": "/"}.get(
        _packet(r), _packet(r)
    )
    scalar_x = not is_value(x) or x.ndim == 0
    scalar_y = not is_value(y) or y.ndim == 0
    if scalar_x and scalar_y:
        return r.b.new_value(shape, r.b.label())
    if scalar_y:
        return _broadcast_keep(r, x, shape)
    if scalar_x:
        return _broadcast_keep(r, y, shape)
    x_acts = x.is_gate or _is_diagonal(x)
    y_acts = y.is_gate or _is_diagonal(y)
    if x_acts and not y_acts:
        return _acts_on(r, x, y, shape)
    if y_acts and not x_acts:
        return _acts_on(r, y, x, shape)
    # neither (or both) act: the result is one operand's type, chosen by the solver
    nd = len(shape)
    axes, alt_x, alt_y = [], [], []
    x_off, y_off = nd - x.ndim, nd - y.ndim
    for i in range(nd):
        xi, yi = i - x_off, i - y_off
        xf = xi >= 0 and full(x.shape[xi])
        yf = yi >= 0 and full(y.shape[yi])
        if xf and yf:
            if x.axes[xi] == y.axes[yi]:
                axes.append(x.axes[xi])
                continue
            out = r.b.fresh(shape[i], r.b.label())
            alt_x.append((out, x.axes[xi]))
            alt_y.append((out, y.axes[yi]))
            axes.append(out)
        elif xf:
            axes.append(x.axes[xi])
        elif yf:
            axes.append(y.axes[yi])
        else:
            axes.append(r.b.fresh(shape[i], r.b.label()))
    if alt_x:
        r.b.choice([alt_x, alt_y])
    return Value(tuple(axes), shape, is_gate=x.is_gate and y.is_gate)


def _broadcast_keep(r: RuleArgs, v: Value, shape) -> Value:
    """c * v for a constant c: v's types; c * g stays a gate."""
    if v.shape == tuple(shape):
        return keep(v, param=None, param_axes=None)
    axes = _acts_on(r, Value((), ()), v, shape).axes
    return Value(axes, shape, is_gate=v.is_gate)


def addcmul(r: RuleArgs):
    """x + value * t1 * t2: the product's type must match x."""
    shape = r.out_shape
    x, t1, t2 = r.arg(0), r.arg(1), r.arg(2)
    if not all(is_value(v) for v in (x, t1, t2)) or shape is None:
        return fresh_output(r.b, r.out)
    r.b.current.kind = "elementwise"
    r.b.current.binary = True
    r.b.current.symbol = "+"
    prod = product(RuleArgs(r.b, r.node, (t1, t2), {}, r.out))
    return Value(unify_broadcast(r.b, [x, prod], shape), shape)


RULES = {name: unary for name in UNARY}
RULES.update({name: gate for name in GATES if not name.endswith("softmax")})
RULES.update({name: binary for name in BINARY})
RULES.update({name: product for name in PRODUCTS})
RULES["where"] = where
RULES["addcmul"] = addcmul
RULES["addcdiv"] = addcmul
