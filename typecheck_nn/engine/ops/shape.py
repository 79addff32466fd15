"""Shape ops: views, permutations, concatenation and splitting, selection, writes, creation.

Concatenation builds a direct sum along its axis and splitting takes it apart (or refines
an unrefined axis into fresh parts); reshapes build and take apart products. Moving and
copying axes never changes their types. Gates stay gates through views and slices.
A write (index_put, scatter, slice_scatter, copy_) gives the written value the type of
the region it lands in: what is written is as much a part of the result as the
destination, so a state updated in place (`h[idx] = cell(x, h[idx])`) is a recurrence.
"""

from __future__ import annotations

import operator
import sys
from dataclasses import replace

import torch

from typecheck_nn.engine.ir import Stacked, Value
from typecheck_nn.engine.ops.common import (
    RuleArgs,
    fresh_output,
    full,
    is_value,
    keep,
    norm_dim,
    resized,
    tensor_meta,
    unify_broadcast,
)
from typecheck_nn.engine.ops.registry import GiveUp, OpKind, aten, rule

RESHAPES = "`{sym}` merges or splits axes (a product type)"
MOVES = "`{sym}` moves axes, keeping their types"
PART = "`{sym}` takes a part of a direct sum"
WRITES = "`{sym}` writes a value into its destination, which must have the written region's type"


def reshape_to(r: RuleArgs, x: Value, shape: tuple[int, ...]) -> Value:
    """Group input and output axes by equal running products; size-1 axes drop out."""
    b = r.b
    ins = [(a, s) for a, s in zip(x.axes, x.shape) if s != 1]
    outs = [i for i, s in enumerate(shape) if s != 1]
    out_axes: list[int | None] = [None] * len(shape)
    i = j = 0
    ok = True
    while i < len(ins) and j < len(outs):
        gi, gj = [ins[i]], [outs[j]]
        pi, pj = ins[i][1], shape[outs[j]]
        i += 1
        j += 1
        while pi != pj:
            if pi < pj and i < len(ins):
                gi.append(ins[i])
                pi *= ins[i][1]
                i += 1
            elif pj < pi and j < len(outs):
                gj.append(outs[j])
                pj *= shape[outs[j]]
                j += 1
            else:
                ok = False
                break
        if not ok or pi <= 0:
            ok = False
            break
        if len(gi) == 1 and len(gj) == 1:
            out_axes[gj[0]] = gi[0][0]
        elif len(gj) == 1:
            holder = b.fresh(shape[gj[0]], b.label())
            b.structure(holder, "prod", tuple(a for a, _ in gi))
            out_axes[gj[0]] = holder
        elif len(gi) == 1:
            parts = tuple(b.fresh(shape[k], b.label()) for k in gj)
            b.structure(gi[0][0], "prod", parts)
            for k, p in zip(gj, parts):
                out_axes[k] = p
        else:
            holder = b.fresh(pi, b.label())
            b.structure(holder, "prod", tuple(a for a, _ in gi))
            parts = tuple(b.fresh(shape[k], b.label()) for k in gj)
            b.structure(holder, "prod", parts)
            for k, p in zip(gj, parts):
                out_axes[k] = p
    if not ok or i != len(ins) or j != len(outs):
        raise GiveUp
    axes = [a if a is not None else b.fresh(s, b.label()) for a, s in zip(out_axes, shape)]
    return Value(tuple(axes), tuple(shape), is_gate=x.is_gate)


@rule(
    aten.view,
    aten.reshape,
    aten._unsafe_view,
    aten.view_as,
    aten.reshape_as,
    aten.flatten,
    aten.unflatten,
    aten._reshape_alias,
    aten.view_copy,
    aten._reshape_copy,
    aten.ravel,
    kind=OpKind.SHAPE,
    note=RESHAPES,
    linear=(True,),
    keeps_parts=(0,),
)
def view(r: RuleArgs):
    x, shape = r.arg(0), r.out_shape
    if shape is None:
        raise GiveUp
    if tuple(shape) == x.shape:
        return keep(x)
    unpacked = _unpack_view(r, x, tuple(shape))
    if unpacked is not None:
        return unpacked
    r.b.force(x)  # any other reshape uses a packed value as one value
    return reshape_to(r, x, tuple(shape))


def _unpack_view(r: RuleArgs, x: Value, shape: tuple[int, ...]) -> Value | None:
    """A reshape that keeps the packed axis keeps the parts: n equal parts concatenated
    along `dim` and viewed as (n, part) there, the other axes unchanged, is the parts
    stacked (a QRNN's `torch.cat(next_hidden, 0).view(num_layers, B, H)`)."""
    st = x.stacked
    if st is None or st.squeezed or not st.parts:
        return None
    d, n = st.dim, len(st.parts)
    size = st.sizes[0]
    if any(s != size for s in st.sizes) or x.shape[d] != n * size:
        return None
    if shape != x.shape[:d] + (n, size) + x.shape[d + 1 :] or size < 1:
        return None
    parts = list(st.parts)
    if size == 1:  # (1, ...) parts: the new axis of n replaces theirs
        return None
    axes = [r.b.fresh(s, r.b.label()) for s in shape]
    return Value(tuple(axes), shape, is_gate=x.is_gate, stacked=Stacked(d, parts, [1] * n, squeezed=True))


@rule(
    aten.unsqueeze,
    aten.unsqueeze_,
    aten.squeeze,
    aten.squeeze_,
    aten.unsqueeze_copy,
    aten.squeeze_copy,
    aten.atleast_1d,
    aten.atleast_2d,
    aten.atleast_3d,
    kind=OpKind.SHAPE,
    note="`{sym}` adds or drops a size-1 axis",
    linear=(True,),
)
def squeeze_like(r: RuleArgs):
    x, shape = r.arg(0), r.out_shape
    if shape is None:
        raise GiveUp
    return reshape_to(r, x, tuple(shape))


def _reorder(x: Value, order: list[int]) -> Value:
    return Value(tuple(x.axes[d] for d in order), tuple(x.shape[d] for d in order), is_gate=x.is_gate)


@rule(aten.permute, aten.permute_copy, kind=OpKind.SHAPE, note=MOVES, linear=(True,))
def permute(r: RuleArgs):
    x, dims = r.arg(0), r.arg(1, "dims")
    return _reorder(x, [norm_dim(d, x.ndim) for d in dims])


def _swap(x: Value, d0: int, d1: int) -> Value:
    order = list(range(x.ndim))
    order[d0], order[d1] = order[d1], order[d0]
    return _reorder(x, order)


@rule(
    aten.transpose,
    aten.transpose_,
    aten.swapaxes,
    aten.swapdims,
    aten.transpose_copy,
    kind=OpKind.SHAPE,
    note=MOVES,
    linear=(True,),
)
def transpose(r: RuleArgs):
    x = r.arg(0)
    if x.ndim < 2:
        return keep(x)
    d0, d1 = r.arg(1, "dim0", 0), r.arg(2, "dim1", 1)
    return _swap(x, norm_dim(d0, x.ndim), norm_dim(d1, x.ndim))


@rule(aten.t, aten.t_, aten.t_copy, aten.numpy_T, aten.adjoint, kind=OpKind.SHAPE, note=MOVES, linear=(True,))
def t(r: RuleArgs):
    """x.t() swaps a matrix's axes; `.T`/`numpy_T` reverses all axes."""
    x = r.arg(0)
    if x.ndim < 2:
        return keep(x)
    if r.packet == "numpy_T":
        return _reorder(x, list(reversed(range(x.ndim))))
    if r.packet == "adjoint":
        return _swap(x, x.ndim - 2, x.ndim - 1)
    return _swap(x, 0, 1)


@rule(aten.mT, aten.mH, aten.matrix_H, kind=OpKind.SHAPE, note=MOVES, linear=(True,))
def matrix_transpose(r: RuleArgs):
    x = r.arg(0)
    if x.ndim < 2:
        raise GiveUp
    return _swap(x, x.ndim - 2, x.ndim - 1)


@rule(aten.movedim, aten.moveaxis, kind=OpKind.SHAPE, note=MOVES, linear=(True,))
def movedim(r: RuleArgs):
    x = r.arg(0)
    src, dst = r.arg(1), r.arg(2)
    src = [src] if isinstance(src, int) else list(src)
    dst = [dst] if isinstance(dst, int) else list(dst)
    src = [norm_dim(d, x.ndim) for d in src]
    dst = [norm_dim(d, x.ndim) for d in dst]
    order: list[int | None] = [None] * x.ndim
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(x.ndim) if d not in src)
    return _reorder(x, [o if o is not None else next(rest) for o in order])


@rule(
    aten.expand,
    aten.expand_as,
    aten.broadcast_to,
    aten.expand_copy,
    aten.repeat,
    aten.tile,
    kind=OpKind.SHAPE,
    note="`{sym}` copies a value along new axes, keeping the types of the axes it had",
    linear=(True,),
)
def expand(r: RuleArgs):
    """expand/repeat: axes that keep their size keep their type; grown axes are fresh."""
    x, shape = r.arg(0), r.out_shape
    if shape is None:
        raise GiveUp
    nd = len(shape)
    axes = []
    spread = set()
    for i in range(nd):
        k = i - (nd - x.ndim)
        if k >= 0 and x.shape[k] == shape[i]:
            axes.append(x.axes[k])
            if k in x.spread:
                spread.add(i)
        else:
            axes.append(r.b.fresh(shape[i], r.b.label()))
            if shape[i] != 1 and (k < 0 or x.shape[k] == 1):
                spread.add(i)  # a scalar along this axis, copied: it still imposes nothing
    return Value(tuple(axes), tuple(shape), is_gate=x.is_gate, spread=frozenset(spread))


@rule(aten.repeat_interleave, kind=OpKind.SHAPE, note="`{sym}` repeats entries along an axis", requires=())
def repeat_interleave(r: RuleArgs):
    """Entries repeated along one axis: that axis is (old ⊗ repeats); the others keep."""
    x, shape = r.arg(0), r.out_shape
    if shape is None or not is_value(x):
        if shape is not None and not is_value(x):  # repeat_interleave(repeats): an index tensor
            return r.b.new_value(shape, r.b.label())
        raise GiveUp
    if len(shape) != x.ndim:
        raise GiveUp
    return Value(resized(r.b, x, shape), shape, is_gate=x.is_gate)


def _split_axis(r: RuleArgs, x: Value, dim: int, sizes: list[int]) -> list[int]:
    """Parts of axis `dim` with the given sizes: a direct sum (refining a fresh axis)."""
    if len(sizes) == 1:
        return [x.axes[dim]]
    parts = tuple(r.b.fresh(s, r.b.label()) for s in sizes)
    nonempty = tuple(p for p, s in zip(parts, sizes) if s > 0)
    r.b.structure(x.axes[dim], "sum", nonempty)
    return list(parts)


@rule(
    aten.split,
    aten.split_with_sizes,
    aten.chunk,
    aten.tensor_split,
    aten.unsafe_split,
    aten.unsafe_chunk,
    aten.split_copy,
    aten.split_with_sizes_copy,
    aten.unsafe_split_with_sizes,
    aten.hsplit,
    aten.vsplit,
    aten.dsplit,
    kind=OpKind.SHAPE,
    note=PART,
    linear=(True,),
    keeps_parts=(0,),
)
def split(r: RuleArgs):
    x = r.arg(0)
    outs = r.out if isinstance(r.out, (list, tuple)) else None
    if outs is None:
        raise GiveUp
    dim = norm_dim(r.arg(2, "dim", 0), x.ndim)  # split/chunk/tensor_split all take dim third
    shapes = [tensor_meta(o) for o in outs]
    sizes = [s[dim] for s in shapes if s is not None]
    if len(sizes) != len(shapes) or sum(sizes) != x.shape[dim]:
        raise GiveUp
    bounds = [sum(sizes[:k]) for k in range(len(sizes) + 1)]
    taken = [_packed_part(r, x, dim, a, b) for a, b in zip(bounds, bounds[1:])]
    if all(t is not None for t in taken):
        return taken
    r.b.force(x)
    parts = _split_axis(r, x, dim, sizes)
    result = []
    for p, s in zip(parts, shapes):
        axes = list(x.axes)
        axes[dim] = p
        result.append(Value(tuple(axes), tuple(s or ()), is_gate=x.is_gate))
    return result


@rule(aten.glu, kind=OpKind.PRODUCT, note="`{sym}` gates the first half of an axis by its second half")
def glu(r: RuleArgs):
    """glu(x, dim) = a * sigmoid(b) where x = a ⊕ b along `dim`: the gate acts on a, so
    the result has a's type and b's is left free (the paper's gate rule)."""
    x, shape = r.arg(0, "self"), r.out_shape
    if shape is None:
        raise GiveUp
    dim = norm_dim(r.arg(1, "dim", -1), x.ndim)
    first, _gate = _split_axis(r, x, dim, [shape[dim], shape[dim]])
    return Value(x.axes[:dim] + (first,) + x.axes[dim + 1 :], shape)


def _without(x: Value, dim: int) -> Value:
    return Value(x.axes[:dim] + x.axes[dim + 1 :], x.shape[:dim] + x.shape[dim + 1 :], is_gate=x.is_gate)


def _as_part_of(part: Value, whole: Value) -> Value:
    """A part read back from a packed value, as a part of *this* value: the parts are
    recorded before the ops that kept the packing (sigmoid(cat([Wf x, Wi x])) keeps the
    cat's parts), so a gate's part is a gate (a slice of a gate is a gate)."""
    return replace(part, is_gate=True) if whole.is_gate and not part.is_gate else part


def _packed_part(r: RuleArgs, x: Value, dim: int, start: int, end: int) -> Value | None:
    """The part of a packed value that spans exactly [start, end) along its packed axis
    (with that axis), or None when x is not packed there or the range is not one part."""
    st = x.stacked
    if st is None or st.dim != dim:
        return None
    offset = 0
    for part, size in zip(st.parts, st.sizes):
        if offset == start and offset + size == end:
            part = _as_part_of(part, x)
            if st.squeezed:  # a stacked part lacks the axis: give it a new one of length 1
                return Value(
                    part.axes[:dim] + (r.b.fresh(1, r.b.label()),) + part.axes[dim:],
                    part.shape[:dim] + (1,) + part.shape[dim:],
                    is_gate=part.is_gate,
                    stacked=part.stacked,
                )
            return part
        offset += size
    return None


def _packed_entry(r: RuleArgs, x: Value, dim: int, index: int) -> Value | None:
    """Entry `index` along a packed axis: its part's own types (without the axis)."""
    st = x.stacked
    if st is None or st.dim != dim or not isinstance(index, int):
        return None
    index = index + x.shape[dim] if index < 0 else index
    offset = 0
    for part, size in zip(st.parts, st.sizes):
        if offset <= index < offset + size:
            return _as_part_of(part if st.squeezed else _without(part, dim), x)
        offset += size
    return None


@rule(
    aten.unbind,
    aten.unbind_copy,
    kind=OpKind.SHAPE,
    note="`{sym}` takes the entries along an axis",
    linear=(True,),
    keeps_parts=(0,),
)
def unbind(r: RuleArgs):
    x = r.arg(0)
    outs = r.out if isinstance(r.out, (list, tuple)) else None
    if outs is None:
        raise GiveUp
    dim = norm_dim(r.arg(1, "dim", 0), x.ndim)
    entries = [_packed_entry(r, x, dim, k) for k in range(len(outs))]
    if all(e is not None for e in entries):
        return entries
    r.b.force(x)
    return [_without(x, dim) for _ in outs]


@rule(
    aten.select,
    aten.select_copy,
    kind=OpKind.SHAPE,
    note="`{sym}` takes one entry along an axis",
    linear=(True,),
    keeps_parts=(0,),
)
def select(r: RuleArgs):
    x = r.arg(0)
    dim = norm_dim(r.arg(1, "dim", 0), x.ndim)
    entry = _packed_entry(r, x, dim, r.arg(2, "index", None))
    if entry is not None:
        return entry
    r.b.force(x)
    return _without(x, dim)


def _slice_bounds(r: RuleArgs, x: Value, dim: int) -> tuple[int, int, int]:
    n = x.shape[dim]
    if r.packet in ("narrow", "narrow_copy"):
        start = r.arg(2, "start", 0)
        if not isinstance(start, int) or not isinstance(r.arg(3, "length", n), int):
            raise GiveUp
        end, step = start + r.arg(3, "length", n), 1
    else:
        start, end, step = r.arg(2, "start", None), r.arg(3, "end", None), r.arg(4, "step", 1)
    return _clamp_bounds(start, end, step, n)


def _clamp_bounds(start, end, step, n: int) -> tuple[int, int, int]:
    """Python slice bounds (None, negative, huge) as positions in [0, n]."""
    start = 0 if start is None else start
    end = n if end is None or (isinstance(end, int) and end >= sys.maxsize // 2) else end
    if not all(isinstance(v, int) for v in (start, end, step)):
        raise GiveUp
    start = max(0, min(n, start + n if start < 0 else start))
    end = max(0, min(n, end + n if end < 0 else end))
    return start, end, step


def _region_axis(r: RuleArgs, x: Value, dim: int, start: int, end: int, step: int, size: int) -> int:
    """The type of x[start:end:step] along dim: a part of the axis's direct sum."""
    n = x.shape[dim]
    if start == 0 and end == n and step == 1:
        return x.axes[dim]
    if step != 1 or end <= start:
        return r.b.fresh(size, r.b.label())
    bounds = sorted({0, start, end, n})
    sizes = [b - a for a, b in zip(bounds, bounds[1:])]
    return _split_axis(r, x, dim, sizes)[bounds.index(start)]


@rule(
    aten.slice,
    aten.narrow,
    aten.slice_copy,
    aten.narrow_copy,
    kind=OpKind.SHAPE,
    note=PART,
    linear=(True,),
    keeps_parts=(0,),
)
def slice_(r: RuleArgs):
    x, shape = r.arg(0), r.out_shape
    if shape is None:
        raise GiveUp
    dim = norm_dim(r.arg(1, "dim", 0), x.ndim)
    start, end, step = _slice_bounds(r, x, dim)
    part = _packed_part(r, x, dim, start, end) if step == 1 else None
    if part is not None:
        return part
    r.b.force(x)
    axes = list(x.axes)
    axes[dim] = _region_axis(r, x, dim, start, end, step, shape[dim])
    return Value(tuple(axes), shape, is_gate=x.is_gate)


@rule(
    aten.cat,
    aten.concat,
    aten.concatenate,
    "_cat",
    kind=OpKind.SHAPE,
    note="`{sym}` builds a direct sum of its parts' types",
    linear=(True,),
    requires=(),
    keeps_parts=(0,),
)
def cat(r: RuleArgs):
    tensors, shape = r.arg(0, "tensors"), r.out_shape
    if shape is None or not tensors or not all(is_value(t) for t in tensors):
        raise GiveUp
    parts_in = [t for t in tensors if t.ndim == len(shape)]
    if not parts_in:
        raise GiveUp
    dim = norm_dim(r.arg(1, "dim", 0), len(shape))
    axes = []
    for i in range(len(shape)):
        if i == dim:
            pieces = tuple(t.axes[dim] for t in parts_in if t.shape[dim] > 0)
            if len(pieces) == 1:
                axes.append(pieces[0])
            else:
                holder = r.b.fresh(shape[dim], r.b.label())
                r.b.structure(holder, "sum", pieces)
                axes.append(holder)
            continue
        axes.append(r.b.fresh(shape[i], r.b.label()))  # the parts' types, once used as one value
    packed = Stacked(dim, list(parts_in), [t.shape[dim] for t in parts_in], squeezed=False)
    return Value(tuple(axes), shape, is_gate=all(t.is_gate for t in parts_in), stacked=packed)


@rule(
    aten.stack,
    aten.hstack,
    aten.vstack,
    aten.dstack,
    aten.column_stack,
    kind=OpKind.SHAPE,
    note="`{sym}` packs values along a new axis; used as one value, they are one type",
    linear=(True,),
    requires=(),
    keeps_parts=(0,),
)
def stack(r: RuleArgs):
    tensors, shape = r.arg(0, "tensors"), r.out_shape
    if shape is None or not tensors or not all(is_value(t) for t in tensors):
        raise GiveUp
    if r.packet != "stack":
        raise GiveUp
    dim = norm_dim(r.arg(1, "dim", 0), len(shape))
    axes = [r.b.fresh(s, r.b.label()) for s in shape]  # the parts' types, once used as one value
    packed = Stacked(dim, list(tensors), [1] * len(tensors), squeezed=True)
    return Value(tuple(axes), shape, is_gate=all(t.is_gate for t in tensors), stacked=packed)


@rule(
    aten.index_select,
    kind=OpKind.SHAPE,
    note="`{sym}` selects entries along an axis, keeping the others' types",
    linear=(True,),
)
def index_select(r: RuleArgs):
    x, shape = r.arg(0), r.out_shape
    if shape is None or len(shape) != x.ndim:
        raise GiveUp
    dim = norm_dim(r.arg(1, "dim", 0), x.ndim)
    axes = [a if i != dim else r.b.fresh(shape[i], r.b.label()) for i, a in enumerate(x.axes)]
    return Value(tuple(axes), shape, is_gate=x.is_gate)


@rule(
    aten.gather,
    aten.take_along_dim,
    kind=OpKind.SHAPE,
    note="`{sym}` selects entries along an axis, keeping the others' types",
    linear=(True,),
)
def gather(r: RuleArgs):
    x, shape = r.arg(0), r.out_shape
    if shape is None or len(shape) != x.ndim:
        raise GiveUp
    dim = norm_dim(r.arg(1, "dim", 0), x.ndim) if isinstance(r.arg(1, "dim", 0), int) else -1
    axes = [
        a if (i != dim and x.shape[i] == shape[i]) else r.b.fresh(shape[i], r.b.label()) for i, a in enumerate(x.axes)
    ]
    return Value(tuple(axes), shape, is_gate=x.is_gate)


def _index_layout(r: RuleArgs, x: Value, arg: int) -> tuple[list[int], list[int], int] | None:
    """Which axes of x an advanced index keeps: (kept before, kept after, result rank of
    the index block), as advanced indexing lays them out.

    A boolean mask consumes as many axes as it has and yields one; integer index tensors
    consume one axis each and yield their broadcast shape. When the indexed slots are not
    adjacent the index block moves to the front."""
    raw = r.node.args[arg] if arg < len(r.node.args) else None
    if not isinstance(raw, (list, tuple)):
        return None
    consumed: list[int | None] = []  # per index slot: how many axes of x it consumes
    block_rank = []
    for item in raw:
        if item is None:
            consumed.append(None)
            continue
        val = item.meta.get("val") if hasattr(item, "meta") else None
        if val is None or not hasattr(val, "dtype"):
            return None
        if val.dtype == torch.bool:
            consumed.append(val.dim())
            block_rank.append(1)
        else:
            consumed.append(1)
            block_rank.append(val.dim())
    pos, kept_slots = 0, []  # (x axis, slot index) of unindexed axes
    indexed_positions = []
    for k, c in enumerate(consumed):
        if c is None:
            kept_slots.append(pos)
            pos += 1
        else:
            indexed_positions.append(k)
            pos += c
    kept_tail = list(range(pos, x.ndim))
    if not indexed_positions:
        return list(range(x.ndim)), [], 0
    adjacent = indexed_positions == list(range(indexed_positions[0], indexed_positions[-1] + 1))
    first = sum(c or 1 for c in consumed[: indexed_positions[0]])
    kept = kept_slots + kept_tail
    before = [a for a in kept if a < first] if adjacent else []
    after = [a for a in kept if a not in before]
    return before, after, max(block_rank) if block_rank else 0


@rule(
    aten.index,
    aten._unsafe_index,
    kind=OpKind.SHAPE,
    note="`{sym}` selects entries, keeping unindexed axes' types",
    linear=(True,),
)
def index(r: RuleArgs):
    x, shape = r.arg(0), r.out_shape
    layout = _index_layout(r, x, 1)
    if shape is None or layout is None:
        raise GiveUp
    before, after, _ = layout
    n_block = len(shape) - len(before) - len(after)
    if n_block < 0:
        raise GiveUp
    axes = [x.axes[a] for a in before]
    axes += [r.b.fresh(s, r.b.label()) for s in shape[len(before) : len(before) + n_block]]
    axes += [x.axes[a] for a in after]
    if tuple(x.shape[a] for a in after) != tuple(shape[len(shape) - len(after) :]):
        raise GiveUp
    return Value(tuple(axes), shape, is_gate=x.is_gate)


def _write(r: RuleArgs, dest: Value, src, region: list[int | None], region_shape: tuple[int, ...]) -> Value:
    """The written value takes the region's types, right-aligned as broadcasting aligns
    them; broadcast (size-1) axes and positions of the index block impose nothing."""
    if is_value(src):
        off = len(region) - src.ndim
        for i, (ax, s) in enumerate(zip(src.axes, src.shape)):
            k = off + i
            if k < 0 or region[k] is None or not full(s) or region_shape[k] != s:
                continue
            r.b.eq(ax, region[k])
    return keep(dest, is_gate=dest.is_gate and (not is_value(src) or src.is_gate))


@rule(
    aten.index_put,
    aten.index_put_,
    aten._index_put_impl,
    aten._index_put_impl_,
    aten._unsafe_index_put,
    kind=OpKind.WRITE,
    note=WRITES,
    linear=(True, False, True),
)
def index_put(r: RuleArgs):
    dest, src = r.arg(0), r.arg(2)
    layout = _index_layout(r, dest, 1)
    if layout is None:
        raise GiveUp
    before, after, block = layout
    region: list[int | None] = [dest.axes[a] for a in before] + [None] * block + [dest.axes[a] for a in after]
    shape = tuple([dest.shape[a] for a in before] + [-1] * block + [dest.shape[a] for a in after])
    return _write(r, dest, src, region, shape)


@rule(aten.select_scatter, kind=OpKind.WRITE, note=WRITES, linear=(True, True), requires=(0,))
def select_scatter(r: RuleArgs):
    dest, src = r.arg(0), r.arg(1)
    dim = norm_dim(r.arg(2, "dim", 0), dest.ndim)
    region = _without(dest, dim)
    return _write(r, dest, src, list(region.axes), region.shape)


@rule(aten.slice_scatter, kind=OpKind.WRITE, note=WRITES, linear=(True, True), requires=(0,))
def slice_scatter(r: RuleArgs):
    dest, src = r.arg(0), r.arg(1)
    dim = norm_dim(r.arg(2, "dim", 0), dest.ndim)
    start, end, step = _clamp_bounds(
        r.arg(3, "start", None), r.arg(4, "end", None), r.arg(5, "step", 1), dest.shape[dim]
    )
    if not is_value(src):
        return keep(dest)
    axes = list(dest.axes)
    axes[dim] = _region_axis(r, dest, dim, start, end, step, src.shape[dim])
    return _write(r, dest, src, axes, src.shape)


@rule(
    aten.diagonal_scatter, aten.as_strided_scatter, kind=OpKind.WRITE, note=WRITES, linear=(True, True), requires=(0,)
)
def opaque_scatter(r: RuleArgs):
    """A write into a diagonal or a strided region: the region's layout is not an axis of
    the destination, so only the destination's type is kept; the written value is a hole."""
    raise GiveUp


@rule(
    aten.scatter,
    aten.scatter_,
    aten.scatter_add,
    aten.scatter_add_,
    aten.scatter_reduce,
    aten.scatter_reduce_,
    kind=OpKind.WRITE,
    note=WRITES,
    linear=(True, False, True),
)
def scatter(r: RuleArgs):
    """scatter(dest, dim, index, src): entries of src land in dest at positions along dim;
    every other axis of src is dest's axis."""
    dest, src = r.arg(0), r.arg(3, "src")
    dim = r.arg(1, "dim", 0)
    if not isinstance(dim, int):
        raise GiveUp
    dim = norm_dim(dim, dest.ndim)
    if is_value(src) and src.ndim == dest.ndim:
        for i in range(dest.ndim):
            if i != dim and src.shape[i] == dest.shape[i] and full(src.shape[i]):
                r.b.eq(src.axes[i], dest.axes[i])
    return keep(dest)


@rule(
    aten.index_copy,
    aten.index_copy_,
    aten.index_add,
    aten.index_add_,
    aten.index_reduce,
    aten.index_reduce_,
    kind=OpKind.WRITE,
    note=WRITES,
    linear=(True, False, True),
)
def index_copy(r: RuleArgs):
    """index_copy(dest, dim, index, src): src's slices along dim land in dest's."""
    dest, src = r.arg(0), r.arg(3, "source")
    dim = r.arg(1, "dim", 0)
    if not isinstance(dim, int):
        raise GiveUp
    dim = norm_dim(dim, dest.ndim)
    if is_value(src) and src.ndim == dest.ndim:
        for i in range(dest.ndim):
            if i != dim and full(src.shape[i]):
                r.b.eq(src.axes[i], dest.axes[i])
    return keep(dest)


@rule(aten.masked_scatter, aten.masked_scatter_, kind=OpKind.WRITE, note=WRITES, linear=(True, False, True))
def masked_scatter(r: RuleArgs):
    """Entries of src fill dest where the mask is set, in order: src's trailing axes are dest's."""
    dest, src = r.arg(0), r.arg(2)
    if is_value(src) and src.shape == dest.shape:
        unify_broadcast(r.b, [dest, src], dest.shape)
    elif is_value(src):
        raise GiveUp
    return keep(dest)


@rule(
    aten.copy,
    aten.copy_,
    aten._copy_from,
    aten._copy_from_and_resize,
    kind=OpKind.WRITE,
    note=WRITES,
    linear=(True, True),
    requires=(0,),
)
def copy(r: RuleArgs):
    dest, src, shape = r.arg(0), r.arg(1), r.out_shape
    if shape is None:
        raise GiveUp
    return _write(r, dest, src, list(dest.axes), dest.shape)


PADS = (
    aten.constant_pad_nd,
    aten.pad,
    aten.reflection_pad1d,
    aten.reflection_pad2d,
    aten.reflection_pad3d,
    aten.replication_pad1d,
    aten.replication_pad2d,
    aten.replication_pad3d,
    aten._pad_circular,
    aten._pad_enum,
    "circular_pad1d",
    "circular_pad2d",
    "circular_pad3d",
)


@rule(*PADS, kind=OpKind.SHAPE, note="`{sym}` pads an axis: a longer axis is a new, shifted index set", linear=(True,))
def pad(r: RuleArgs):
    """Axes keep their types where their length is kept; a padded axis is a new one."""
    x, shape = r.arg(0), r.out_shape
    if shape is None or len(shape) != x.ndim:
        raise GiveUp
    return Value(resized(r.b, x, shape), shape)


@rule(aten.diff, kind=OpKind.SHAPE, note="`{sym}` takes differences of neighbours along an axis", linear=(True,))
def diff(r: RuleArgs):
    """Like padding: the differenced axis is shorter, so it is a new index set."""
    return pad(r)


@rule(aten.unfold, kind=OpKind.SHAPE, note="`{sym}` cuts an axis into windows", linear=(True,))
def unfold(r: RuleArgs):
    """x.unfold(dim, size, step): the windowed axis becomes (windows, offsets), both new."""
    x, shape = r.arg(0), r.out_shape
    if shape is None or len(shape) != x.ndim + 1:
        raise GiveUp
    return Value(resized(r.b, x, shape[:-1]) + (r.b.fresh(shape[-1], r.b.label()),), shape)


@rule(
    aten.im2col,
    kind=OpKind.SHAPE,
    note="`{sym}` lays windows out as columns: channels ⊗ kernel offsets",
    linear=(True,),
)
def im2col(r: RuleArgs):
    """(B, C, H, W) -> (B, C*kh*kw, L): the column axis is channels ⊗ offsets, L is new."""
    x, shape = r.arg(0), r.out_shape
    if shape is None or x.ndim not in (3, 4) or len(shape) != x.ndim - 1:
        raise GiveUp
    c_axis = x.ndim - 3
    c = x.shape[c_axis]
    if c <= 0 or shape[c_axis] % c:
        raise GiveUp
    cols = r.b.fresh(shape[c_axis], r.b.label())
    r.b.structure(cols, "prod", (x.axes[c_axis], r.b.fresh(shape[c_axis] // c, r.b.label())))
    lead = x.axes[:c_axis]
    return Value(tuple(lead) + (cols, r.b.fresh(shape[-1], r.b.label())), shape)


@rule(
    aten.col2im,
    kind=OpKind.SHAPE,
    note="`{sym}` folds columns back into windows: channels ⊗ kernel offsets",
    linear=(True,),
)
def col2im(r: RuleArgs):
    """(B, C*kh*kw, L) -> (B, C, H, W): the column axis splits into channels ⊗ offsets."""
    x, shape = r.arg(0), r.out_shape
    if shape is None or x.ndim not in (2, 3) or len(shape) != x.ndim + 1:
        raise GiveUp
    c_axis = x.ndim - 2
    c = shape[c_axis]
    if c <= 0 or x.shape[c_axis] % c:
        raise GiveUp
    ch = r.b.fresh(c, r.b.label())
    r.b.structure(x.axes[c_axis], "prod", (ch, r.b.fresh(x.shape[c_axis] // c, r.b.label())))
    spatial = tuple(r.b.fresh(s, r.b.label()) for s in shape[c_axis + 1 :])
    return Value(tuple(x.axes[:c_axis]) + (ch,) + spatial, shape)


@rule(
    aten.view_as_real,
    aten.view_as_complex,
    aten._fft_r2c,
    aten._fft_c2r,
    aten._fft_c2c,
    aten.fft_fft,
    aten.fft_ifft,
    aten.fft_rfft,
    aten.fft_irfft,
    aten.fft_fft2,
    aten.fft_ifft2,
    aten.fft_rfft2,
    aten.fft_irfft2,
    aten.fft_fftn,
    aten.fft_ifftn,
    aten.fft_rfftn,
    aten.fft_irfftn,
    aten.fft_hfft,
    aten.fft_ihfft,
    aten.fft_fftshift,
    aten.fft_ifftshift,
    kind=OpKind.SHAPE,
    note="`{sym}` changes basis along the transformed axes (a fixed transform): they get new types",
    linear=(True,),
)
def fourier(r: RuleArgs):
    """A Fourier transform is a fixed change of basis on the axes it transforms: those get
    new types; the others keep theirs. Which axes: the `dim` argument, else the last."""
    x, shape = r.arg(0), r.out_shape
    if shape is None:
        raise GiveUp
    if r.packet in ("view_as_real", "view_as_complex"):
        common = min(x.ndim, len(shape))
        return Value(tuple(x.axes[:common]) + tuple(r.b.fresh(s, r.b.label()) for s in shape[common:]), shape)
    if len(shape) != x.ndim:
        raise GiveUp
    dims = (
        r.arg(1, "dim", None)
        if r.packet.startswith("_fft")
        else r.kwargs.get("dim", r.args[3] if len(r.args) > 3 else None)
    )
    if isinstance(dims, int):
        dims = [dims]
    if r.packet in ("fft_fftshift", "fft_ifftshift"):
        return keep(x)
    if not isinstance(dims, (list, tuple)):
        dims = [x.ndim - 1] if "2" not in r.packet and "n" not in r.packet[4:] else list(range(x.ndim))
    dims = {norm_dim(d, x.ndim) for d in dims if isinstance(d, int)}
    return Value(
        tuple(r.b.fresh(s, r.b.label()) if i in dims else a for i, (a, s) in enumerate(zip(x.axes, shape))), shape
    )


@rule(
    aten._pack_padded_sequence,
    aten._pad_packed_sequence,
    kind=OpKind.SHAPE,
    note="`{sym}` re-lays time and batch; the feature axis keeps its type",
)
def packed_sequence(r: RuleArgs):
    """pack/unpack a padded batch: the feature axis keeps its type, time x batch is re-laid."""
    x = r.arg(0)
    outs = r.out if isinstance(r.out, (list, tuple)) else [r.out]
    result = []
    for k, o in enumerate(outs):
        shape = tensor_meta(o)
        if k == 0 and shape is not None and shape and shape[-1] == x.shape[-1]:
            axes = tuple(r.b.fresh(s, r.b.label()) for s in shape[:-1]) + (x.axes[-1],)
            result.append(Value(axes, shape))
        else:
            result.append(fresh_output(r.b, o))
    return result if isinstance(r.out, (list, tuple)) else result[0]


CREATION = (
    aten.zeros,
    aten.ones,
    aten.full,
    aten.empty,
    aten.arange,
    aten.randn,
    aten.rand,
    aten.randint,
    aten.randperm,
    aten.new_zeros,
    aten.new_ones,
    aten.new_full,
    aten.new_empty,
    aten.new_empty_strided,
    aten.empty_strided,
    aten.scalar_tensor,
    aten.linspace,
    aten.logspace,
    aten.eye,
    aten.tensor,
    aten.tril_indices,
    aten.triu_indices,
    aten.empty_permuted,
    aten.normal_functional,
    aten._efficientzerotensor,
)


# ops whose result is a new index set or a new quantity computed from values (positions,
# counts, bins): their outputs are genuinely unconstrained, so fresh types are exact
@rule(
    aten.nonzero,
    aten.masked_select,
    aten.one_hot,
    aten.bucketize,
    aten.searchsorted,
    aten.multinomial,
    aten.histc,
    aten.histogram,
    aten.bincount,
    "unique",
    aten._unique2,
    aten.unique_consecutive,
    aten.unique_dim,
    aten.argwhere,
    aten.nonzero_static,
    aten.argsort,
    aten.isin,
    aten.affine_grid_generator,
    aten._pdist_forward,
    aten.pdist,
    kind=OpKind.SOURCE,
    note="`{sym}` computes new indices or counts from values: a new type",
    requires=(),
)
@rule(*CREATION, kind=OpKind.SOURCE, note="`{sym}` makes a new tensor, constrained only by its uses", requires=())
def create(r: RuleArgs):
    """New tensors (zeros, arange, randn...) and new index sets carry fresh types: they are
    constrained by their uses."""
    return fresh_output(r.b, r.out)


@rule(
    aten.diagonal,
    aten.diagonal_copy,
    aten.diag,
    aten.diag_embed,
    aten.as_strided,
    aten.as_strided_copy,
    kind=OpKind.SHAPE,
    note="`{sym}` takes a strided view whose axes are not the input's",
    linear=(True,),
)
def strided_view(r: RuleArgs):
    """A diagonal or an arbitrary strided view: its axes are not axes of the input, so the
    typing would be a guess; the op is recorded as unchecked instead."""
    raise GiveUp


@rule(
    operator.getitem,
    kind=OpKind.SHAPE,
    note="`{sym}` takes one output of a multi-output op",
    requires=(),
    keeps_parts=(0,),
)
def getitem(r: RuleArgs):
    container, idx = r.arg(0), r.arg(1)
    if isinstance(container, (list, tuple)) and isinstance(idx, int) and -len(container) <= idx < len(container):
        return container[idx]
    raise GiveUp


@rule(aten.meshgrid, kind=OpKind.SHAPE, note="`{sym}` lays 1-d values out on a grid, one axis each", requires=())
def meshgrid(r: RuleArgs):
    """meshgrid(tensors): every output has one axis per input, typed as that input's axis
    (indexing "xy" swaps the first two)."""
    tensors, outs = r.arg(0), r.out if isinstance(r.out, (list, tuple)) else None
    if outs is None or not isinstance(tensors, (list, tuple)) or not all(is_value(t) and t.ndim <= 1 for t in tensors):
        raise GiveUp
    axes = [t.axes[0] if t.ndim == 1 else r.b.fresh(1, r.b.label()) for t in tensors]
    if r.kwargs.get("indexing", r.arg(1)) == "xy" and len(axes) >= 2:
        axes[0], axes[1] = axes[1], axes[0]
    result = []
    for o in outs:
        shape = tensor_meta(o)
        if shape is None or len(shape) != len(axes):
            raise GiveUp
        result.append(Value(tuple(axes), shape))
    return result
