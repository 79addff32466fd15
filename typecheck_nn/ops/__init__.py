"""Typing rules, one small function per ATen op family, looked up by op name.

A rule gets the builder, the fx node, its arguments with fx nodes replaced by typed
Values, and the traced output (a FakeTensor or a list of them, for shapes). It returns
the output Value(s). Unknown ops get fresh types and an informational diagnostic.
"""

from __future__ import annotations

from . import contraction, elementwise, recurrent, reduction, shape
from .common import RuleArgs, fresh_output, tensor_meta

RULES = {}
for _module in (elementwise, contraction, shape, reduction, recurrent):
    RULES.update(_module.RULES)

# ops with no tensor output, or bookkeeping we can drop without losing types
IGNORED = {
    "sym_size",
    "sym_numel",
    "sym_stride",
    "_assert_tensor_metadata",
    "_assert_scalar",
    "sym_constrain_range_for_size",
    "_assert_async",
    "scalar_tensor",
    "_local_scalar_dense",
    "item",
    "eq_sym",
    "sym_not",
    "_set_grad_enabled",
    "_enter_autocast",
    "_exit_autocast",
    "lift_fresh_copy_",
    "set_",
    "_check_is_size",
    "sym_max",
    "sym_min",
    "sym_float",
    "sym_int",
}


def _resolve(builder, arg):
    import torch.fx as fx

    if isinstance(arg, fx.Node):
        return builder.values.get(builder.resolve_name(arg.name))
    if isinstance(arg, (list, tuple)):
        return type(arg)(_resolve(builder, a) for a in arg)
    return arg


def dispatch(builder, node, name: str):
    out = node.meta.get("val")
    args = tuple(_resolve(builder, a) for a in node.args)
    kwargs = {k: _resolve(builder, v) for k, v in node.kwargs.items()}
    rule = RULES.get(name)
    if rule is None:
        if (
            name in IGNORED
            or name.startswith("sym_")
            or (tensor_meta(out) is None and not isinstance(out, (list, tuple)))
        ):
            return None
        from ..typegraph import UnknownOp

        builder.unknown.append(UnknownOp(name, builder.current.location))
        return fresh_output(builder, out)
    return rule(RuleArgs(builder, node, args, kwargs, out))
