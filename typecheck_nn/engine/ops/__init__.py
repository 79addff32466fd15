"""Typing rules, registered per ATen op family in the modules below, and one dispatcher.

A rule gets a `RuleArgs` (the builder, the fx node, its arguments with fx nodes
replaced by typed Values, and the traced output for shapes) and returns the output
Value(s). The dispatcher does the common guard for every rule, so that no rule has to:
an op without a rule, or one whose rule cannot read its arguments, gets fresh output
types and is recorded as unchecked, which makes the verdict incomplete when typed data
flows through it.
"""

from __future__ import annotations

import torch

from typecheck_nn.engine.ops import contraction, elementwise, recurrent, reduction, shape  # noqa: F401  (registers the rules)
from typecheck_nn.engine.ops.common import RuleArgs, fresh_output, is_value, tensor_meta
from typecheck_nn.engine.ops.registry import REGISTRY, GiveUp, OpKind, OpRule

__all__ = ["REGISTRY", "OpKind", "OpRule", "dispatch"]

_BOOKKEEPING = "bookkeeping with no tensor result to type (sizes, asserts, grad and autocast modes)"
REGISTRY.ignore(
    _BOOKKEEPING,
    "sym_size",
    "sym_numel",
    "sym_stride",
    "sym_storage_offset",
    "_assert_tensor_metadata",
    "_assert_scalar",
    "sym_constrain_range_for_size",
    "sym_constrain_range",
    "_assert_async",
    "_local_scalar_dense",
    "item",
    "eq_sym",
    "sym_not",
    "_set_grad_enabled",
    "_enter_autocast",
    "_exit_autocast",
    "set_",
    "_check_is_size",
    "sym_max",
    "sym_min",
    "sym_float",
    "sym_int",
    "sym_ite",
    "sym_sum",
    "_functional_assert_async",
    "_make_dep_token",
    "_functional_sym_constrain_range",
    "_functional_sym_constrain_range_for_size",
    "_print",
    "record_stream",
    "_assert_tensor_metadata_",
    "resize_",
    "resize_as_",
    "_resize_output_",
    "_nested_tensor_from_mask_left_aligned",
    "is_nonzero",
    "is_same_size",
    "_has_compatible_shallow_copy_type",
    "equal",
)
REGISTRY.ignore(
    "a backward (gradient) kernel: checked models are traced for inference, so these never carry a forward value",
    "convolution_backward",
    "native_layer_norm_backward",
    "native_batch_norm_backward",
    "embedding_dense_backward",
    "_softmax_backward_data",
    "_log_softmax_backward_data",
    "max_pool2d_with_indices_backward",
    "avg_pool2d_backward",
    "native_group_norm_backward",
    "native_dropout_backward",
    "threshold_backward",
    "gelu_backward",
    "tanh_backward",
    "sigmoid_backward",
    "_adaptive_avg_pool2d_backward",
)


def _resolve(builder, arg):
    import torch.fx as fx

    if isinstance(arg, fx.Node):
        value = builder.current_value(arg)
        if is_value(value) and builder.is_constant(arg):
            # a constant (zeros, a buffer) is type-neutral, like a Python number: each use
            # gets its own types, so one zero tensor does not tie every state it starts
            return builder.constant_use(value)
        return value
    if isinstance(arg, (list, tuple)):
        return type(arg)(_resolve(builder, a) for a in arg)
    return arg


def _force_packed(builder, args, kwargs, keeps: tuple[int, ...]) -> None:
    """Every packed value an op uses as one value identifies its parts' axes with its own;
    only the arguments a rule takes parts from itself are left packed."""
    stack = [a for i, a in enumerate(args) if i not in keeps] + list(kwargs.values())
    while stack:
        a = stack.pop()
        if is_value(a):
            builder.force(a)
        elif isinstance(a, (list, tuple)):
            stack.extend(a)


def _typed_inputs(args, kwargs) -> bool:
    """Whether any typed tensor value flows into the op."""
    stack = list(args) + list(kwargs.values())
    while stack:
        a = stack.pop()
        if is_value(a) and a.ndim > 0:
            return True
        if isinstance(a, (list, tuple)):
            stack.extend(a)
    return False


def _carries_types(out) -> bool:
    """A floating-point (or complex) tensor result can carry a feature type; indices,
    masks and counts cannot carry a violation through a lost type."""
    if isinstance(out, torch.Tensor):
        return out.dtype.is_floating_point or out.dtype.is_complex
    if isinstance(out, (list, tuple)):
        return any(_carries_types(o) for o in out)
    return False


def dispatch(builder, node, packet: str):
    out = node.meta.get("val")
    args = tuple(_resolve(builder, a) for a in node.args)
    kwargs = {k: _resolve(builder, v) for k, v in node.kwargs.items()}
    op = builder.current
    found = REGISTRY.lookup(packet, getattr(node.target, "_overloadname", ""))
    if found is None:
        if packet in REGISTRY.no_rule or packet.startswith("sym_"):
            return None
        if tensor_meta(out) is None and not isinstance(out, (list, tuple)):
            return None
        builder.unchecked_op(packet, "no typing rule", _typed_inputs(args, kwargs) and _carries_types(out))
        return fresh_output(builder, out)
    op.kind = found.kind
    op.symbol = found.symbol or packet
    _force_packed(builder, args, kwargs, found.keeps_parts)
    r = RuleArgs(builder, node, args, kwargs, out)
    try:
        if any(not is_value(r.arg(i)) for i in found.requires):
            raise GiveUp
        result = found.fn(r)
        if op.kind is OpKind.SOURCE:
            builder.mark_constant(node)  # a new tensor carries none of its inputs' data
        return result
    except GiveUp:
        _force_packed(builder, args, kwargs, ())
        op.kind = OpKind.OTHER
        builder.unchecked_op(
            packet, "its rule could not read its arguments", _typed_inputs(args, kwargs) and _carries_types(out)
        )
        return fresh_output(builder, out)
