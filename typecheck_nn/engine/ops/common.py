"""Helpers shared by the rule families: broadcasting, fresh outputs, argument access."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from typecheck_nn.engine.ir import Value
from typecheck_nn.engine.ops.context import RuleContext
from typecheck_nn.engine.ops.registry import target_name


@dataclass
class RuleArgs:
    b: RuleContext  # the pass running the rule (typegraph.Builder), seen through the protocol
    node: Any  # torch.fx.Node
    args: tuple
    kwargs: dict
    out: object  # traced output: FakeTensor, list of them, or a Python value
    # the fx nodes behind `args`, when a rule hands part of its arguments to another rule
    # (addcmul's t1 * t2): source(i) must name the node of args[i], not of node.args[i]
    arg_nodes: tuple | None = None

    def arg(self, i: int, name: str | None = None, default=None):
        if i < len(self.args):
            return self.args[i]
        if name is not None and name in self.kwargs:
            return self.kwargs[name]
        return default

    def source(self, i: int, name: str | None = None, item: int | None = None):
        """The fx node behind argument i (element `item` of a list argument), or None."""
        if self.arg_nodes is not None:
            raw = self.arg_nodes[i] if i < len(self.arg_nodes) else None
        else:
            raw = self.node.args[i] if i < len(self.node.args) else self.node.kwargs.get(name) if name else None
        if item is not None:
            raw = raw[item] if isinstance(raw, (list, tuple)) and item < len(raw) else None
        return raw if hasattr(raw, "op") else None

    def matrix(self, value: Value, out_axes: list[int], contracted_axes: list[int], i: int, item: int | None = None):
        """Argument i acts as a matrix: when it is learned, its output axes must differ."""
        self.b.matrix(value, out_axes, contracted_axes, self.source(i, item=item))

    def learned(self, i: int, item: int | None = None) -> bool:
        return self.b.learned_params(self.source(i, item=item)) is not None

    def constant(self, i: int) -> bool:
        """Argument i is computed only from buffers and constants: type-neutral."""
        node = self.source(i)
        return node is not None and self.b.is_constant(node)

    @property
    def out_shape(self) -> tuple[int, ...] | None:
        return tensor_meta(self.out)

    @property
    def packet(self) -> str:
        return target_name(self.node.target)


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


def keep(v: Value, *, is_gate: bool | None = None) -> Value:
    """A value with the same axis types (unary coordinatewise ops, copies, casts); a packed
    value stays packed, its parts keeping their types too."""
    return Value(v.axes, v.shape, is_gate=v.is_gate if is_gate is None else is_gate, stacked=v.stacked, spread=v.spread)


def norm_dim(dim: int, ndim: int) -> int:
    return dim + ndim if dim < 0 else dim


def full(size: int) -> bool:
    """Size-1 (broadcastable) axes carry no type information."""
    return size != 1


def broadcast_pairs(b, values: list[Value], out_shape: tuple[int, ...]):
    """Right-align the operands; per output axis, the operand axes that are not broadcast."""
    nd = len(out_shape)
    per_axis: list[list[int]] = [[] for _ in range(nd)]
    spread: list[list[int]] = [[] for _ in range(nd)]
    for v in values:
        off = nd - v.ndim
        for i, (ax, s) in enumerate(zip(v.axes, v.shape)):
            if off + i < 0:
                continue
            if full(s) or out_shape[off + i] == 1:
                (spread if i in v.spread else per_axis)[off + i].append(ax)
    # a broadcast scalar's copies impose nothing beside a real axis; alone, they carry over
    return [present or spread[i][:1] for i, present in enumerate(per_axis)]


def broadcast_spread(values: list[Value], out_shape: tuple[int, ...]) -> frozenset[int]:
    """Output axes of a coordinatewise op that are still copies of a broadcast scalar:
    every operand that is full there is spread there (`1 - z.expand_as(h)`)."""
    nd = len(out_shape)
    out = set()
    for i in range(nd):
        full_here = [
            (v, i - (nd - v.ndim)) for v in values if i - (nd - v.ndim) >= 0 and full(v.shape[i - (nd - v.ndim)])
        ]
        if full_here and all(k in v.spread for v, k in full_here):
            out.add(i)
    return frozenset(out)


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


def resized(b, v: Value, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Axes of `v` laid onto `shape` position by position: an axis whose length changed
    (padding, an unpadded window, resampling) is a new, shifted index set, so it gets a
    fresh type; keeping the old one would let a sum contain itself."""
    return tuple(a if s == o else b.fresh(o, b.label()) for a, s, o in zip(v.axes, v.shape, shape))
