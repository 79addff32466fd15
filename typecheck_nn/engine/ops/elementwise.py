"""Coordinatewise ops: unary ones keep types, + - max min where unify, products orient.

The paper's algebra: a unary coordinatewise function is a function on one type; a
binary one (+, -, max, min) needs both operands of one type; a product g * v with a
gate g is diag(g) acting on v. Which operand acts in any other product is left to the
solver (a Choice), so that a violation is reported only when no orientation works.
"""

from __future__ import annotations

from typecheck_nn.engine.ir import Value
from typecheck_nn.engine.ops.common import (
    RuleArgs,
    broadcast_spread,
    full,
    is_value,
    keep,
    tensor_meta,
    unify_broadcast,
)
from typecheck_nn.engine.ops.registry import GiveUp, OpKind, rule


def _inplace(*names: str) -> tuple[str, ...]:
    """Each functional name and its in-place spelling (`relu`, `relu_`)."""
    return tuple(n for name in names for n in ((name,) if name.startswith("__") else (name, name + "_")))


GATE_OPS = _inplace("sigmoid", "hardsigmoid")

ACTIVATIONS = _inplace(
    "relu",
    "gelu",
    "silu",
    "tanh",
    "hardtanh",
    "elu",
    "selu",
    "celu",
    "leaky_relu",
    "softplus",
    "mish",
    "hardswish",
    "relu6",
    "rrelu",
    "threshold",
    "hardshrink",
    "softshrink",
    "tanhshrink",
    "log_sigmoid",
    "logit",
) + ("prelu", "_prelu_kernel")
MATH = _inplace(
    "exp",
    "log",
    "log2",
    "log10",
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
    "tan",
    "atan",
    "asin",
    "acos",
    "sinh",
    "cosh",
    "asinh",
    "acosh",
    "atanh",
    "erf",
    "erfc",
    "erfinv",
    "sign",
    "sgn",
    "floor",
    "ceil",
    "round",
    "trunc",
    "frac",
    "clamp",
    "clamp_min",
    "clamp_max",
    "clip",
    "nan_to_num",
    "digamma",
    "lgamma",
    "polygamma",
    "i0",
    "sinc",
    "deg2rad",
    "rad2deg",
    "logical_not",
    "bitwise_not",
    "negative",
    "absolute",
    "fix",
    "arctan",
    "arcsin",
    "arccos",
    "arctanh",
    "arcsinh",
    "arccosh",
    "mvlgamma",
    "special_expit",
    "special_erfcx",
    "special_i0e",
    "special_i1",
    "special_i1e",
    "special_ndtr",
    "special_ndtri",
    "special_log_ndtr",
    "special_entr",
) + (
    "isnan",
    "isinf",
    "isfinite",
    "isneginf",
    "isposinf",
    "signbit",
    "positive",
    "real",
    "imag",
    "angle",
    "conj",
    "_conj",
    "conj_physical",
    "resolve_conj",
    "resolve_neg",
    "_neg_view",
    "silu_backward",
    "bitwise_left_shift",
    "bitwise_right_shift",
)
COPIES = (
    "contiguous",
    "clone",
    "detach",
    "detach_",
    "alias",
    "to",
    "_to_copy",
    "lift_fresh_copy",
    "lift_fresh",
    "type_as",
    "_to_dim_order_copy",
    "requires_grad_",
    "alias_copy",
    "detach_copy",
    "_autocast_to_reduced_precision",
    "_autocast_to_full_precision",
)
DROPOUTS = _inplace("dropout", "alpha_dropout", "feature_dropout", "feature_alpha_dropout")
# masks, cumulative and ordering maps along an axis: coordinatewise in every other axis
ALONG_AXIS = _inplace("tril", "triu", "cumsum", "cumprod") + (
    "flip",
    "roll",
    "logcumsumexp",
    "_logcumsumexp",
)
# filling a value with a constant keeps its type: `x.fill_(0)` is still the same array of x's axes
FILLS = _inplace("fill", "zero", "masked_fill", "index_fill")
COPY_GATE = frozenset({"clone", "contiguous", "to", "_to_copy", "detach", "alias", "dropout", "type_as"})


@rule(
    *(ACTIVATIONS + MATH + FILLS),
    kind=OpKind.UNARY,
    note="`{sym}` keeps the type",
    keeps_parts=(0,),
)
def unary(r: RuleArgs):
    x, shape = r.arg(0, "self"), r.out_shape
    if shape is None:
        raise GiveUp
    if x.shape != shape:  # e.g. in-place broadcast; fall back to per-axis broadcast
        r.b.force(x)
        return Value(unify_broadcast(r.b, [x], shape), shape)
    return keep(x, is_gate=x.is_gate and r.packet in COPY_GATE)


@rule(
    *(COPIES + DROPOUTS + ALONG_AXIS),
    kind=OpKind.UNARY,
    note="`{sym}` keeps the type",
    linear=(True,),
    keeps_parts=(0,),
)
def linear_unary(r: RuleArgs):
    """Copies, casts, dropout, cumulative sums and flips: linear maps that keep the type."""
    return unary(r)


@rule(*GATE_OPS, kind=OpKind.UNARY, note="`{sym}` keeps the type and yields a gate", gate=True)
def gate(r: RuleArgs):
    return keep(r.arg(0, "self"), is_gate=True)


@rule(
    "zeros_like",
    "ones_like",
    "empty_like",
    "full_like",
    "rand_like",
    "randn_like",
    "randint_like",
    "uniform",
    "uniform_",
    "normal",
    "normal_",
    "bernoulli",
    "bernoulli_",
    "exponential_",
    "geometric_",
    "random_",
    "cauchy_",
    "log_normal_",
    kind=OpKind.SOURCE,
    note="`{sym}` makes a new tensor, constrained only by its uses",
    requires=(),
)
def fresh_like(r: RuleArgs):
    """A new tensor shaped like another (an initial state, a random mask): fresh types."""
    shape = r.out_shape
    if shape is None:
        raise GiveUp
    return r.b.new_value(shape, r.b.label())


SYMBOLS = {"add": "+", "sub": "-", "rsub": "-", "subtract": "-", "__and__": "&", "__or__": "|", "__xor__": "^"}
COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge", "greater", "less", "greater_equal", "less_equal", "not_equal")


@rule(
    *_inplace(
        "maximum",
        "minimum",
        "fmax",
        "fmin",
        "atan2",
        "hypot",
        "remainder",
        "fmod",
        "logical_and",
        "logical_or",
        "logical_xor",
        "bitwise_and",
        "bitwise_or",
        "bitwise_xor",
        "copysign",
        "xlogy",
        "floor_divide",
        "nextafter",
        "heaviside",
        "lerp",
        "logaddexp",
        "logaddexp2",
        "__and__",
        "__or__",
        "__xor__",
        "__iand__",
    ),
    "clamp.Tensor",
    "clamp_.Tensor",
    "clamp_min.Tensor",
    "clamp_max.Tensor",
    "isclose",
    "__ior__",
    *COMPARISONS,
    *(c + "_" for c in COMPARISONS[:6]),
    kind=OpKind.BINARY,
    note="`{sym}` requires both operands to have one type",
)
def binary(r: RuleArgs):
    shape = r.out_shape
    if shape is None:
        raise GiveUp
    packet = r.packet.rstrip("_") if r.packet not in ("__and__", "__or__", "__xor__") else r.packet
    values = [a for a in r.args[:3] if is_value(a)]
    op = r.b.current
    op.symbol = SYMBOLS.get(packet, packet)
    if len(values) >= 2:
        op.binary = True
    else:
        op.kind = OpKind.UNARY  # with a constant: a unary function of the one operand
    axes = unify_broadcast(r.b, values, shape)
    gate_out = packet == "rsub" and len(values) == 1 and values[0] is r.arg(0) and values[0].is_gate  # 1 - g
    return Value(axes, shape, is_gate=gate_out, spread=broadcast_spread(values, shape))


@rule(
    *_inplace("add", "sub", "subtract"),
    "rsub",
    kind=OpKind.BINARY,
    note="`{sym}` requires both operands to have one type",
    linear=(True, True),
)
def additive(r: RuleArgs):
    """+ and -: binary ops that are also linear (a recurrence of them is a linear scan)."""
    return binary(r)


@rule(
    "where",
    "_s_where",
    kind=OpKind.BINARY,
    note="`where` requires both branches to have one type",
    symbol="where",
    linear=(True, True, True),  # for a fixed condition: linear in its branches
    requires=(),
)
def where(r: RuleArgs):
    shape = r.out_shape
    if shape is None:
        raise GiveUp
    values = [a for a in r.args[1:3] if is_value(a)]
    if len(values) == 2:
        r.b.current.binary = True
    if not values:
        return r.b.new_value(shape, r.b.label())
    return Value(
        unify_broadcast(r.b, values, shape),
        shape,
        is_gate=all(v.is_gate for v in values),
        spread=broadcast_spread(values, shape),
    )


def _acts_on(r: RuleArgs, actor: Value, target: Value, shape) -> Value:
    """diag(actor) target: the result has target's types; actor only where target broadcasts."""
    nd = len(shape)
    axes = []
    spread = set()
    t_off, a_off = nd - target.ndim, nd - actor.ndim
    for i in range(nd):
        ti, ai = i - t_off, i - a_off
        t_full, a_full = ti >= 0 and full(target.shape[ti]), ai >= 0 and full(actor.shape[ai])
        if t_full and (ti not in target.spread or not a_full or ai in actor.spread):
            axes.append(target.axes[ti])
            if ti in target.spread:
                spread.add(i)
        elif a_full:  # the target broadcasts here (size 1, or a scalar's copies)
            axes.append(actor.axes[ai])
            if ai in actor.spread:
                spread.add(i)
        else:
            axes.append(r.b.fresh(shape[i], r.b.label()))
    return Value(tuple(axes), shape, spread=frozenset(spread))


PRODUCT_SYMBOLS = {"mul": "*", "multiply": "*", "div": "/", "divide": "/", "true_divide": "/"}


@rule(
    *_inplace("mul", "multiply", "div", "divide", "true_divide", "pow", "float_power"),
    "special_xlog1py",
    kind=OpKind.PRODUCT,
    note="`{sym}` gives its result the type of the operand acted on",
    linear=(True, True),
    requires=(),
)
def product(r: RuleArgs):
    shape = r.out_shape
    if shape is None:
        raise GiveUp
    x, y = r.arg(0, "self"), r.arg(1, "other")
    r.b.current.symbol = PRODUCT_SYMBOLS.get(r.packet.rstrip("_"), r.packet)
    # numbers, 0-d tensors and constants (a mask buffer, ones(n)) scale: they keep the
    # other's type; but a gate acting on a constant still acts on it (see _gate_on_constant)
    scalar_x = not is_value(x) or x.ndim == 0 or r.constant(0) and not _gate_on_constant(x, y)
    scalar_y = not is_value(y) or y.ndim == 0 or r.constant(1) and not _gate_on_constant(y, x)
    if scalar_x and scalar_y:
        return r.b.new_value(shape, r.b.label())
    if scalar_y:
        return _broadcast_keep(r, x, shape)
    if scalar_x:
        return _broadcast_keep(r, y, shape)
    x_acts = x.is_gate or _is_diagonal(r, 0, x)
    y_acts = y.is_gate or _is_diagonal(r, 1, y)
    if x_acts and not y_acts:
        return _acts_on(r, x, y, shape)
    if y_acts and not x_acts:
        return _acts_on(r, y, x, shape)
    # neither (or both) act: the result is one operand's type, chosen by the solver
    nd = len(shape)
    axes, alt_x, alt_y = [], [], []
    x_off, y_off = nd - x.ndim, nd - y.ndim
    spread = set()
    for i in range(nd):
        xi, yi = i - x_off, i - y_off
        xf = xi >= 0 and full(x.shape[xi])
        yf = yi >= 0 and full(y.shape[yi])
        # a broadcast scalar's copies (z.expand_as(h)) impose nothing: the other's type wins
        if xf and yf and (xi in x.spread) != (yi in y.spread):
            axes.append(y.axes[yi] if xi in x.spread else x.axes[xi])
            continue
        if xf and yf and xi in x.spread:
            axes.append(x.axes[xi])
            spread.add(i)
            continue
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
    spread |= {
        i
        for i in range(nd)
        if i - x_off >= 0 and i - x_off in x.spread and not (i - y_off >= 0 and full(y.shape[i - y_off]))
    }
    spread |= {
        i
        for i in range(nd)
        if i - y_off >= 0 and i - y_off in y.spread and not (i - x_off >= 0 and full(x.shape[i - x_off]))
    }
    return Value(tuple(axes), shape, is_gate=x.is_gate and y.is_gate, spread=frozenset(spread))


def _gate_on_constant(c: Value, other) -> bool:
    """`g * c` for a gate g and a constant c that is no gate: g acts on c, so the product
    has c's (per-use, fresh) types, as `g * v` has v's. Letting the constant scale instead
    gave the product the *gate's* type: with a state starting as zeros, the first step's
    `g * h` with `g = sigmoid(U h)` then tied cod(U) to the state, and a strongly typed
    recurrence was reported weak (while the same model given h0 as an input passed)."""
    return is_value(other) and other.is_gate and not c.is_gate and other.ndim > 0


def _is_diagonal(r: RuleArgs, i: int, v: Value) -> bool:
    """A learned vector (per-channel scale) is a diagonal operator: it acts like a gate."""
    return sum(1 for s in v.shape if s != 1) <= 1 and r.learned(i)


def _broadcast_keep(r: RuleArgs, v: Value, shape) -> Value:
    """c * v for a constant c: v's types; c * g stays a gate."""
    if v.shape == tuple(shape):
        return keep(v)
    axes = _acts_on(r, Value((), ()), v, shape).axes
    return Value(axes, shape, is_gate=v.is_gate)


@rule(
    "addcmul",
    "addcdiv",
    "addcmul_",
    "addcdiv_",
    kind=OpKind.BINARY,
    note="`{sym}` adds a product to a value of the same type",
    symbol="+",
    linear=(True, True, True),
    requires=(0, 1, 2),
)
def addcmul(r: RuleArgs):
    """x + value * t1 * t2: the product's type must match x."""
    shape = r.out_shape
    if shape is None:
        raise GiveUp
    x, t1, t2 = r.arg(0), r.arg(1), r.arg(2)
    r.b.current.binary = True
    prod = product(RuleArgs(r.b, r.node, (t1, t2), {}, r.out, arg_nodes=(r.source(1), r.source(2))))
    r.b.current.symbol = "+"  # an addition, for the rule a conflict gets (product() named it)
    return Value(unify_broadcast(r.b, [x, prod], shape), shape)


@rule("native_dropout", kind=OpKind.UNARY, note="`{sym}` keeps the type", linear=(True,))
def native_dropout(r: RuleArgs):
    """(output, mask): the output keeps the input's types; the mask is new."""
    outs = r.out if isinstance(r.out, (list, tuple)) else None
    if outs is None:
        raise GiveUp
    x = r.arg(0)
    return [keep(x, is_gate=x.is_gate)] + [r.b.new_value(s, r.b.label()) for s in (o.shape for o in outs[1:])]


@rule("log_sigmoid_forward", kind=OpKind.UNARY, note="`{sym}` keeps the type", linear=(False,))
def log_sigmoid_forward(r: RuleArgs):
    """(output, buffer), as the recorded path sees logsigmoid (xLSTM's sLSTM gates): the
    output keeps the input's types; the buffer is the kernel's scratch. (As a unary rule
    it gave up: a pair has no one shape.)"""
    outs = r.out if isinstance(r.out, (list, tuple)) else None
    if outs is None or not outs:
        raise GiveUp
    x = r.arg(0)
    rest = [r.b.new_value(s, r.b.label()) if (s := tensor_meta(o)) is not None else None for o in outs[1:]]
    return [keep(x)] + rest


@rule(
    "complex",
    "polar",
    kind=OpKind.BINARY,
    note="`{sym}` requires both parts to have one type",
    linear=(True, True),
    requires=(0, 1),
)
def complex_(r: RuleArgs):
    """complex(re, im) / polar(abs, angle): the two parts are coordinates of one complex
    value, so they must have one type, which the result keeps (an LRU's complex state)."""
    shape = r.out_shape
    if shape is None:
        raise GiveUp
    values = [r.arg(0), r.arg(1)]
    r.b.current.binary = True
    return Value(unify_broadcast(r.b, values, shape), shape, spread=broadcast_spread(values, shape))
