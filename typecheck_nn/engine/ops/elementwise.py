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
from typecheck_nn.engine.ops.registry import Gate, GiveUp, OpKind, aten, inplace, op_name, rule

GATE_OPS = inplace(aten.sigmoid, aten.hardsigmoid)

ACTIVATIONS = inplace(
    aten.relu,
    aten.gelu,
    aten.silu,
    aten.tanh,
    aten.hardtanh,
    aten.elu,
    aten.selu,
    aten.celu,
    aten.leaky_relu,
    aten.softplus,
    aten.mish,
    aten.hardswish,
    aten.relu6,
    aten.rrelu,
    aten.threshold,
    aten.hardshrink,
    aten.softshrink,
    "tanhshrink",
    aten.log_sigmoid,
    aten.logit,
) + (aten.prelu, aten._prelu_kernel)
MATH = inplace(
    aten.exp,
    aten.log,
    aten.log2,
    aten.log10,
    aten.exp2,
    aten.log1p,
    aten.expm1,
    aten.neg,
    aten.abs,
    aten.sqrt,
    aten.rsqrt,
    aten.square,
    aten.reciprocal,
    aten.sin,
    aten.cos,
    aten.tan,
    aten.atan,
    aten.asin,
    aten.acos,
    aten.sinh,
    aten.cosh,
    aten.asinh,
    aten.acosh,
    aten.atanh,
    aten.erf,
    aten.erfc,
    aten.erfinv,
    aten.sign,
    aten.sgn,
    aten.floor,
    aten.ceil,
    aten.round,
    aten.trunc,
    aten.frac,
    aten.clamp,
    aten.clamp_min,
    aten.clamp_max,
    aten.clip,
    aten.nan_to_num,
    aten.digamma,
    aten.lgamma,
    aten.polygamma,
    aten.i0,
    aten.sinc,
    aten.deg2rad,
    aten.rad2deg,
    aten.logical_not,
    aten.bitwise_not,
    aten.negative,
    aten.absolute,
    aten.fix,
    aten.arctan,
    aten.arcsin,
    aten.arccos,
    aten.arctanh,
    aten.arcsinh,
    aten.arccosh,
    aten.mvlgamma,
    aten.special_expit,
    aten.special_erfcx,
    aten.special_i0e,
    aten.special_i1,
    aten.special_i1e,
    aten.special_ndtr,
    aten.special_ndtri,
    aten.special_log_ndtr,
    aten.special_entr,
) + (
    aten.isnan,
    aten.isinf,
    aten.isfinite,
    aten.isneginf,
    aten.isposinf,
    aten.signbit,
    aten.positive,
    aten.real,
    aten.imag,
    aten.angle,
    aten.conj,
    aten._conj,
    aten.conj_physical,
    aten.resolve_conj,
    aten.resolve_neg,
    aten._neg_view,
    aten.silu_backward,
    aten.bitwise_left_shift,
    aten.bitwise_right_shift,
)
COPIES = (
    aten.contiguous,
    aten.clone,
    aten.detach,
    aten.detach_,
    aten.alias,
    aten.to,
    aten._to_copy,
    aten.lift_fresh_copy,
    aten.lift_fresh,
    aten.type_as,
    "_to_dim_order_copy",
    aten.requires_grad_,
    aten.alias_copy,
    aten.detach_copy,
    aten._autocast_to_reduced_precision,
    aten._autocast_to_full_precision,
)
DROPOUTS = inplace(aten.dropout, aten.alpha_dropout, aten.feature_dropout, aten.feature_alpha_dropout)
# masks, cumulative and ordering maps along an axis: coordinatewise in every other axis
ALONG_AXIS = inplace(aten.tril, aten.triu, aten.cumsum, aten.cumprod) + (
    aten.flip,
    aten.roll,
    aten.logcumsumexp,
    aten._logcumsumexp,
)
# filling a value with a constant keeps its type: `x.fill_(0)` is still the same array of x's axes
FILLS = inplace(aten.fill, aten.zero, aten.masked_fill, aten.index_fill)
# copies of a gate are a gate; a cumulative sum or a flip of one is not
COPY_GATE = (aten.clone, aten.contiguous, aten.to, aten._to_copy, aten.detach, aten.alias, aten.dropout, aten.type_as)
_COPY_GATE_NAMES = {op_name(o) for o in COPY_GATE}


@rule(
    *(ACTIVATIONS + MATH + FILLS),
    kind=OpKind.UNARY,
    note="`{sym}` keeps the type",
    gate=Gate.DROPS,
    keeps_parts=(0,),
)
def unary(r: RuleArgs):
    x, shape = r.arg(0, "self"), r.out_shape
    if shape is None:
        raise GiveUp
    if x.shape != shape:  # e.g. in-place broadcast; fall back to per-axis broadcast
        r.b.force(x)
        return Value(unify_broadcast(r.b, [x], shape), shape)
    return keep(x)


@rule(*COPY_GATE, kind=OpKind.UNARY, note="`{sym}` keeps the type", linear=(True,), gate=Gate.KEEPS, keeps_parts=(0,))
@rule(
    *(o for o in COPIES + DROPOUTS + ALONG_AXIS if op_name(o) not in _COPY_GATE_NAMES),
    kind=OpKind.UNARY,
    note="`{sym}` keeps the type",
    linear=(True,),
    gate=Gate.DROPS,
    keeps_parts=(0,),
)
def linear_unary(r: RuleArgs):
    """Copies, casts, dropout, cumulative sums and flips: linear maps that keep the type."""
    return unary(r)


@rule(*GATE_OPS, kind=OpKind.UNARY, note="`{sym}` keeps the type and yields a gate", gate=Gate.MAKES)
def gate(r: RuleArgs):
    return keep(r.arg(0, "self"))


@rule(
    aten.zeros_like,
    aten.ones_like,
    aten.empty_like,
    aten.full_like,
    aten.rand_like,
    aten.randn_like,
    aten.randint_like,
    aten.uniform,
    aten.uniform_,
    aten.normal,
    aten.normal_,
    aten.bernoulli,
    aten.bernoulli_,
    aten.exponential_,
    aten.geometric_,
    aten.random_,
    aten.cauchy_,
    aten.log_normal_,
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


UNIFIES = "`{sym}` requires both operands to have one type"
COMPARISONS = (
    aten.eq,
    aten.ne,
    aten.lt,
    aten.le,
    aten.gt,
    aten.ge,
    aten.greater,
    aten.less,
    aten.greater_equal,
    aten.less_equal,
    aten.not_equal,
)


@rule(
    *inplace(
        aten.maximum,
        aten.minimum,
        aten.fmax,
        aten.fmin,
        aten.atan2,
        aten.hypot,
        aten.remainder,
        aten.fmod,
        aten.logical_and,
        aten.logical_or,
        aten.logical_xor,
        aten.bitwise_and,
        aten.bitwise_or,
        aten.bitwise_xor,
        aten.copysign,
        aten.xlogy,
        aten.floor_divide,
        aten.nextafter,
        aten.heaviside,
        aten.lerp,
        aten.logaddexp,
        aten.logaddexp2,
    ),
    aten.clamp.Tensor,
    aten.clamp_.Tensor,
    aten.clamp_min.Tensor,
    aten.clamp_max.Tensor,
    aten.isclose,
    *COMPARISONS,
    *(getattr(aten, op_name(c) + "_") for c in COMPARISONS[:6]),
    kind=OpKind.BINARY,
    note=UNIFIES,
    functional_name=True,
)
@rule(aten.__and__, aten.__iand__, kind=OpKind.BINARY, note=UNIFIES, symbol="&")
@rule(aten.__or__, aten.__ior__, kind=OpKind.BINARY, note=UNIFIES, symbol="|")
@rule(aten.__xor__, kind=OpKind.BINARY, note=UNIFIES, symbol="^")
def binary(r: RuleArgs):
    shape = r.out_shape
    if shape is None:
        raise GiveUp
    packet = r.packet.rstrip("_") if r.packet not in ("__and__", "__or__", "__xor__") else r.packet
    values = [a for a in r.args[:3] if is_value(a)]
    if len(values) >= 2:
        r.b.refine(binary=True)
    else:
        r.b.refine(kind=OpKind.UNARY)  # with a constant: a unary function of the one operand
    axes = unify_broadcast(r.b, values, shape)
    gate_out = packet == "rsub" and len(values) == 1 and values[0] is r.arg(0) and values[0].is_gate  # 1 - g
    return Value(axes, shape, is_gate=gate_out, spread=broadcast_spread(values, shape))


@rule(*inplace(aten.add), kind=OpKind.BINARY, note=UNIFIES, symbol="+", linear=(True, True), additive=True)
@rule(
    *inplace(aten.sub, aten.subtract),
    aten.rsub,
    kind=OpKind.BINARY,
    note=UNIFIES,
    symbol="-",
    linear=(True, True),
    additive=True,
)
def additive(r: RuleArgs):
    """+ and -: binary ops that are also linear (a recurrence of them is a linear scan)."""
    return binary(r)


@rule(
    aten.where,
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
        r.b.refine(binary=True)
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


ACTS_ON = "`{sym}` gives its result the type of the operand acted on"


@rule(
    *inplace(aten.mul, aten.multiply), kind=OpKind.PRODUCT, note=ACTS_ON, symbol="*", linear=(True, True), requires=()
)
@rule(
    *inplace(aten.div, aten.divide, aten.true_divide),
    kind=OpKind.PRODUCT,
    note=ACTS_ON,
    symbol="/",
    linear=(True, True),
    requires=(),
)
@rule(
    *inplace(aten.pow, aten.float_power),
    aten.special_xlog1py,
    kind=OpKind.PRODUCT,
    note=ACTS_ON,
    linear=(True, True),
    requires=(),
)
def product(r: RuleArgs):
    """x * y (and /, pow): a scalar or constant factor scales, keeping the other's type; an
    operand that acts (a gate, a learned per-channel scale) gives the product the acted-on
    operand's type; otherwise the product has one operand's type, the solver's choice."""
    shape = r.out_shape
    if shape is None:
        raise GiveUp
    x, y = r.arg(0, "self"), r.arg(1, "other")
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
    return _product_of_peers(r, x, y, shape)


def _product_of_peers(r: RuleArgs, x: Value, y: Value, shape) -> Value:
    """Neither operand acts (or both do): the result is one operand's type, chosen by the
    solver, axis by axis where both are full; a broadcast axis takes the full one's type."""
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
    spread |= _spread_alone(x, x_off, y, y_off, nd) | _spread_alone(y, y_off, x, x_off, nd)
    return Value(tuple(axes), shape, is_gate=x.is_gate and y.is_gate, spread=frozenset(spread))


def _spread_alone(v: Value, v_off: int, other: Value, o_off: int, nd: int) -> set[int]:
    """The result's axes where v is a broadcast scalar's copies and the other operand has
    no full axis: the product's axis is still copies of one value."""
    return {
        i
        for i in range(nd)
        if i - v_off >= 0 and i - v_off in v.spread and not (i - o_off >= 0 and full(other.shape[i - o_off]))
    }


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
    aten.addcmul,
    aten.addcdiv,
    aten.addcmul_,
    aten.addcdiv_,
    kind=OpKind.BINARY,
    note="`{sym}` adds a product to a value of the same type",
    symbol="+",
    additive=True,
    linear=(True, True, True),
    requires=(0, 1, 2),
)
def addcmul(r: RuleArgs):
    """x + value * t1 * t2: the product's type must match x."""
    shape = r.out_shape
    if shape is None:
        raise GiveUp
    x, t1, t2 = r.arg(0), r.arg(1), r.arg(2)
    r.b.refine(binary=True)
    prod = product(RuleArgs(r.b, r.node, (t1, t2), {}, r.out, arg_nodes=(r.source(1), r.source(2))))
    return Value(unify_broadcast(r.b, [x, prod], shape), shape)


@rule(aten.native_dropout, kind=OpKind.UNARY, note="`{sym}` keeps the type", linear=(True,))
def native_dropout(r: RuleArgs):
    """(output, mask): the output keeps the input's types; the mask is new."""
    outs = r.out if isinstance(r.out, (list, tuple)) else None
    if outs is None:
        raise GiveUp
    x = r.arg(0)
    return [keep(x, is_gate=x.is_gate)] + [r.b.new_value(s, r.b.label()) for s in (o.shape for o in outs[1:])]


@rule(aten.log_sigmoid_forward, kind=OpKind.UNARY, note="`{sym}` keeps the type", linear=(False,))
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
    aten.complex,
    aten.polar,
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
    r.b.refine(binary=True)
    return Value(unify_broadcast(r.b, values, shape), shape, spread=broadcast_spread(values, shape))
