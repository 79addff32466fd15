"""Helpers shared by the rule families: broadcasting, fresh outputs, argument access."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..ir import Value


@dataclass
class RuleArgs:
    b: object  # typegraph.Builder
    node: object  # torch.fx.Node
    args: tuple
    kwargs: dict
    out: object  # traced output: FakeTensor, list of them, or a Python value

    def arg(self, i: int, name: str | None = None, default=None):
        if i < len(self.args):
            return self.args[i]
        if name is not None and name in self.kwargs:
            return self.kwargs[name]
        return default

    @property
    def out_shape(self) -> tuple[int, ...] | None:
        return tensor_meta(self.out)


def tensor_meta(val) -> tuple[int, ...] | None:
    if isinstance(val, torch.Tensor):
        shape = []
        for s in val.shape:
            try:
                shape.append(int(s))
            except Exception:
                shape.append(-1)
        return tuple(shape)
    return None


def is_value(x) -> bool:
    return isinstance(x, Value)


def fresh_output(b, out):
    shape = tensor_meta(out)
    if shape is not None:
        return b.new_value(shape, b.label())
    if isinstance(out, (list, tuple)):
        return [fresh_output(b, o) for o in out]
    return None


def keep(v: Value, **overrides) -> Value:
    """A value with the same axis types (unary coordinatewise ops, copies, casts)."""
    data = dict(axes=v.axes, shape=v.shape, is_gate=v.is_gate, param=v.param, param_axes=v.param_axes)
    data.update(overrides)
    return Value(**data)


def norm_dim(dim: int, ndim: int) -> int:
    return dim + ndim if dim < 0 else dim


def full(size: int) -> bool:
    """Size-1 (broadcastable) axes carry no type information."""
    return size != 1


def broadcast_pairs(b, values: list[Value], out_shape: tuple[int, ...]):
    """Right-align the operands; per output axis, the operand axes that are not broadcast."""
    nd = len(out_shape)
    per_axis: list[list[int]] = [[] for _ in range(nd)]
    for v in values:
        off = nd - v.ndim
        for i, (ax, s) in enumerate(zip(v.axes, v.shape)):
            if full(s) or out_shape[off + i] == 1:
                per_axis[off + i].append(ax)
    return per_axis


def unify_broadcast(b, values: list[Value], out_shape: tuple[int, ...]) -> tuple[int, ...]:
    """+ - max min where: operands must agree axis by axis, broadcasting imposes nothing."""
    axes = []
    for i, present in enumerate(broadcast_pairs(b, values, out_shape)):
        if not present:
            axes.append(b.fresh(out_shape[i], b.label()))
            continue
        first = present[0]
        for other in present[1:]:
            b.eq(first, other)
        axes.append(first)
    return tuple(axes)
