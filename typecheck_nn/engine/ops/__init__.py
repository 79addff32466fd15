"""Typing rules, registered per ATen op family in the modules below, and one dispatcher.

A rule gets a `RuleArgs` (the builder, the fx node, its arguments with fx nodes
replaced by typed Values, and the traced output for shapes) and returns the output
Value(s). The dispatcher does the common guard for every rule, so that no rule has to:
an op without a rule, or one whose rule cannot read its arguments, gets fresh output
types and is recorded as unchecked, which makes the verdict incomplete when typed data
flows through it.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from typecheck_nn.engine.ops import contraction, elementwise, recurrent, reduction, shape  # noqa: F401  (registers the rules)
from typecheck_nn.engine.ops.common import RuleArgs, fresh_output, is_value, tensor_meta
from typecheck_nn.engine.ops.context import RuleContext
from typecheck_nn.engine.ops.registry import REGISTRY, Gate, GiveUp, OpKind, OpRule, aten, target_name

__all__ = ["REGISTRY", "OpKind", "OpRule", "RuleContext", "dispatch", "target_name"]

_BOOKKEEPING = "bookkeeping with no tensor result to type (sizes, asserts, grad and autocast modes)"
REGISTRY.ignore(
    _BOOKKEEPING,
    aten.sym_size,
    aten.sym_numel,
    aten.sym_stride,
    aten.sym_storage_offset,
    aten.sym_is_contiguous,
    aten._assert_tensor_metadata,
    aten._assert_scalar,
    aten.sym_constrain_range_for_size,
    aten.sym_constrain_range,
    aten._assert_async,
    aten._local_scalar_dense,
    aten.item,
    "eq_sym",
    "sym_not",
    "_set_grad_enabled",
    "_enter_autocast",
    "_exit_autocast",
    aten.set_,
    "_check_is_size",
    "sym_max",
    "sym_min",
    "sym_float",
    "sym_int",
    "sym_ite",
    "sym_sum",
    aten._functional_assert_async,
    aten._make_dep_token,
    aten._functional_sym_constrain_range,
    aten._functional_sym_constrain_range_for_size,
    aten._print,
    aten.record_stream,
    "_assert_tensor_metadata_",
    aten.resize_,
    aten.resize_as_,
    aten._resize_output_,
    aten._nested_tensor_from_mask_left_aligned,
    aten.is_nonzero,
    aten.is_same_size,
    aten._has_compatible_shallow_copy_type,
    aten.equal,
)
REGISTRY.ignore(
    "a backward (gradient) kernel: checked models are traced for inference, so these never carry a forward value",
    aten.convolution_backward,
    aten.native_layer_norm_backward,
    aten.native_batch_norm_backward,
    aten.embedding_dense_backward,
    aten._softmax_backward_data,
    aten._log_softmax_backward_data,
    aten.max_pool2d_with_indices_backward,
    aten.avg_pool2d_backward,
    aten.native_group_norm_backward,
    aten.native_dropout_backward,
    aten.threshold_backward,
    aten.gelu_backward,
    aten.tanh_backward,
    aten.sigmoid_backward,
    aten._adaptive_avg_pool2d_backward,
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


def _gate_effect(gate: Gate, result):
    """The registry's gate-ness: sigmoid makes a gate, tanh of a gate is none."""
    if gate in (Gate.MAKES, Gate.DROPS) and is_value(result):
        return replace(result, is_gate=gate is Gate.MAKES)
    return result


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
    op.symbol = found.symbol_for(packet)
    op.additive = found.additive
    if found.kind is OpKind.RECURRENT:
        builder.recurrent_ops.add(op.id)  # a whole recurrence in one op (nn.LSTM)
    _force_packed(builder, args, kwargs, found.keeps_parts)
    r = RuleArgs(builder, node, args, kwargs, out)
    try:
        if any(not is_value(r.arg(i)) for i in found.requires):
            raise GiveUp
        result = _gate_effect(found.gate, found.fn(r))
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
