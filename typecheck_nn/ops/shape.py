"""Shape ops: views, permutations, concatenation and splitting, selection, creation.

Concatenation builds a direct sum along its axis and splitting takes it apart (or refines
an unrefined axis into fresh parts); reshapes build and take apart products. Moving and
copying axes never changes their types. Gates stay gates through views and slices.
"""

from __future__ import annotations

import sys

from ..ir import Value
from .common import RuleArgs, fresh_output, full, is_value, keep, norm_dim, tensor_meta


def _view_like(x: Value, axes, shape, param_axes=None) -> Value:
    return Value(
        tuple(axes),
        tuple(shape),
        is_gate=x.is_gate,
        param=x.param if param_axes else None,
        param_axes=tuple(param_axes) if param_axes else None,
    )


def reshape_to(r: RuleArgs, x: Value, shape: tuple[int, ...]) -> Value:
    """Group input and output axes by equal running products; size-1 axes drop out."""
    b = r.b
    ins = [(a, s, i) for i, (a, s) in enumerate(zip(x.axes, x.shape)) if s != 1]
    outs = [i for i, s in enumerate(shape) if s != 1]
    out_axes: list[int | None] = [None] * len(shape)
    out_param: list[int | None] = [None] * len(shape)
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
            if x.param_axes is not None:
                out_param[gj[0]] = x.param_axes[gi[0][2]]
        elif len(gj) == 1:
            holder = b.fresh(shape[gj[0]], b.label())
            b.structure(holder, "prod", tuple(a for a, _, _ in gi))
            out_axes[gj[0]] = holder
        elif len(gi) == 1:
            parts = tuple(b.fresh(shape[k], b.label()) for k in gj)
            b.structure(gi[0][0], "prod", parts)
            for k, p in zip(gj, parts):
                out_axes[k] = p
        else:
            holder = b.fresh(pi, b.label())
            b.structure(holder, "prod", tuple(a for a, _, _ in gi))
            parts = tuple(b.fresh(shape[k], b.label()) for k in gj)
            b.structure(holder, "prod", parts)
            for k, p in zip(gj, parts):
                out_axes[k] = p
    if not ok or i != len(ins) or j != len(outs):
        return b.new_value(shape, b.label())
    axes = [a if a is not None else b.fresh(s, b.label()) for a, s in zip(out_axes, shape)]
    has_param = x.param is not None and any(p is not None for p in out_param)
    return _view_like(x, axes, shape, out_param if has_param else None)


def view(r: RuleArgs):
    x, shape = r.arg(0), r.out_shape
    r.b.current.kind = "shape"
    if not is_value(x) or shape is None:
        return fresh_output(r.b, r.out)
    if tuple(shape) == x.shape:
        return keep(x)
    return reshape_to(r, x, tuple(shape))


def permute(r: RuleArgs):
    x, dims = r.arg(0), r.arg(1, "dims")
    r.b.current.kind = "shape"
    if not is_value(x):
        return fresh_output(r.b, r.out)
    dims = [norm_dim(d, x.ndim) for d in dims]
    pa = [x.param_axes[d] for d in dims] if x.param_axes else None
    return _view_like(x, [x.axes[d] for d in dims], [x.shape[d] for d in dims], pa)


def _swap(x: Value, d0: int, d1: int) -> Value:
    order = list(range(x.ndim))
    order[d0], order[d1] = order[d1], order[d0]
    pa = [x.param_axes[d] for d in order] if x.param_axes else None
    return _view_like(x, [x.axes[d] for d in order], [x.shape[d] for d in order], pa)


def transpose(r: RuleArgs):
    x = r.arg(0)
    r.b.current.kind = "shape"
    if not is_value(x):
        return fresh_output(r.b, r.out)
    if x.ndim < 2:
        return keep(x)
    d0, d1 = r.arg(1, "dim0", 0), r.arg(2, "dim1", 1)
    return _swap(x, norm_dim(d0, x.ndim), norm_dim(d1, x.ndim))


def t(r: RuleArgs):
    x = r.arg(0)
    r.b.current.kind = "shape"
    if not is_value(x):
        return fresh_output(r.b, r.out)
    return _swap(x, 0, 1) if x.ndim == 2 else keep(x)


def movedim(r: RuleArgs):
    x, shape = r.arg(0), r.out_shape
    if not is_value(x) or shape is None:
        return fresh_output(r.b, r.out)
    src, dst = r.arg(1), r.arg(2)
    src = [src] if isinstance(src, int) else list(src)
    dst = [dst] if isinstance(dst, int) else list(dst)
    src = [norm_dim(d, x.ndim) for d in src]
    dst = [norm_dim(d, x.ndim) for d in dst]
    order: list[int | None] = [None] * x.ndim
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(x.ndim) if d not in src)
    order = [o if o is not None else next(rest) for o in order]
    pa = [x.param_axes[d] for d in order] if x.param_axes else None
    return _view_like(x, [x.axes[d] for d in order], [x.shape[d] for d in order], pa)


def squeeze_like(r: RuleArgs):
    """unsqueeze/squeeze and views that only add or drop size-1 axes."""
    x, shape = r.arg(0), r.out_shape
    r.b.current.kind = "shape"
    if not is_value(x) or shape is None:
        return fresh_output(r.b, r.out)
    return reshape_to(r, x, tuple(shape))


def expand(r: RuleArgs):
    """expand/repeat: axes that keep their size keep their type; grown axes are fresh."""
    x, shape = r.arg(0), r.out_shape
    r.b.current.kind = "shape"
    if not is_value(x) or shape is None:
        return fresh_output(r.b, r.out)
    nd = len(shape)
    axes = []
    for i in range(nd):
        k = i - (nd - x.ndim)
        if k >= 0 and x.shape[k] == shape[i]:
            axes.append(x.axes[k])
        else:
            axes.append(r.b.fresh(shape[i], r.b.label()))
    return Value(tuple(axes), tuple(shape), is_gate=x.is_gate)


def _split_axis(r: RuleArgs, x: Value, dim: int, sizes: list[int]) -> list[int]:
    """Parts of axis `dim` with the given sizes: a direct sum (refining a fresh axis)."""
    if len(sizes) == 1:
        return [x.axes[dim]]
    parts = tuple(r.b.fresh(s, r.b.label()) for s in sizes)
    nonempty = tuple(p for p, s in zip(parts, sizes) if s > 0)
    r.b.structure(x.axes[dim], "sum", nonempty)
    return list(parts)


def split(r: RuleArgs):
    x = r.arg(0)
    outs = r.out if isinstance(r.out, (list, tuple)) else None
    r.b.current.kind = "shape"
    if not is_value(x) or outs is None:
        return fresh_output(r.b, r.out)
    dim = norm_dim(r.arg(2, "dim", 0), x.ndim)  # split/chunk/tensor_split all take dim third
    shapes = [tensor_meta(o) for o in outs]
    sizes = [s[dim] for s in shapes]
    parts = _split_axis(r, x, dim, sizes)
    result = []
    for p, s in zip(parts, shapes):
        axes = list(x.axes)
        axes[dim] = p
        result.append(Value(tuple(axes), s, is_gate=x.is_gate))
    return result


def unbind(r: RuleArgs):
    x = r.arg(0)
    outs = r.out if isinstance(r.out, (list, tuple)) else None
    r.b.current.kind = "shape"
    if not is_value(x) or outs is None:
        return fresh_output(r.b, r.out)
    dim = norm_dim(r.arg(1, "dim", 0), x.ndim)
    axes = x.axes[:dim] + x.axes[dim + 1 :]
    shape = x.shape[:dim] + x.shape[dim + 1 :]
    pa = (x.param_axes[:dim] + x.param_axes[dim + 1 :]) if x.param_axes else None
    return [Value(axes, shape, is_gate=x.is_gate, param=x.param if pa else None, param_axes=pa) for _ in outs]


def select(r: RuleArgs):
    x = r.arg(0)
    r.b.current.kind = "shape"
    if not is_value(x):
        return fresh_output(r.b, r.out)
    dim = norm_dim(r.arg(1, "dim", 0), x.ndim)
    pa = (x.param_axes[:dim] + x.param_axes[dim + 1 :]) if x.param_axes else None
    return Value(
        x.axes[:dim] + x.axes[dim + 1 :],
        x.shape[:dim] + x.shape[dim + 1 :],
        is_gate=x.is_gate,
        param=x.param if pa else None,
        param_axes=pa,
    )


def slice_(r: RuleArgs):
    x, shape = r.arg(0), r.out_shape
    r.b.current.kind = "shape"
    if not is_value(x) or shape is None:
        return fresh_output(r.b, r.out)
    packet = _packet(r)
    dim = norm_dim(r.arg(1, "dim", 0), x.ndim)
    n = x.shape[dim]
    if packet == "narrow":
        start = r.arg(2, "start", 0)
        end = start + r.arg(3, "length", n)
        step = 1
    else:
        start, end, step = r.arg(2, "start", None), r.arg(3, "end", None), r.arg(4, "step", 1)
    start = 0 if start is None else start
    end = n if end is None or end >= sys.maxsize // 2 else end
    if not all(isinstance(v, int) for v in (start, end, step)):
        return fresh_output(r.b, r.out)
    start = max(0, min(n, start + n if start < 0 else start))
    end = max(0, min(n, end + n if end < 0 else end))
    axes = list(x.axes)
    if start == 0 and end == n and step == 1:
        return keep(x)
    if step != 1 or end <= start:
        axes[dim] = r.b.fresh(shape[dim], r.b.label())
    else:
        bounds = sorted({0, start, end, n})
        sizes = [b - a for a, b in zip(bounds, bounds[1:])]
        parts = _split_axis(r, x, dim, sizes)
        axes[dim] = parts[bounds.index(start)]
    return Value(tuple(axes), shape, is_gate=x.is_gate, param=x.param, param_axes=x.param_axes)


def cat(r: RuleArgs):
    tensors, shape = r.arg(0, "tensors"), r.out_shape
    r.b.current.kind = "shape"
    if shape is None or not tensors or not all(is_value(t) for t in tensors):
        return fresh_output(r.b, r.out)
    parts_in = [t for t in tensors if t.ndim == len(shape)]
    if not parts_in:
        return fresh_output(r.b, r.out)
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
        present = [t.axes[i] for t in parts_in if full(t.shape[i])]
        for other in present[1:]:
            r.b.eq(present[0], other)
        axes.append(present[0] if present else r.b.fresh(shape[i], r.b.label()))
    return Value(tuple(axes), shape, is_gate=all(t.is_gate for t in parts_in))


def stack(r: RuleArgs):
    tensors, shape = r.arg(0, "tensors"), r.out_shape
    r.b.current.kind = "shape"
    if shape is None or not tensors or not all(is_value(t) for t in tensors):
        return fresh_output(r.b, r.out)
    dim = norm_dim(r.arg(1, "dim", 0), len(shape))
    base = tensors[0]
    rest = []
    for i in range(base.ndim):
        present = [t.axes[i] for t in tensors if full(t.shape[i])]
        for other in present[1:]:
            r.b.eq(present[0], other)
        rest.append(present[0] if present else base.axes[i])
    axes = rest[:dim] + [r.b.fresh(shape[dim], r.b.label())] + rest[dim:]
    return Value(tuple(axes), shape, is_gate=all(t.is_gate for t in tensors))


def index_select(r: RuleArgs):
    x, shape = r.arg(0), r.out_shape
    r.b.current.kind = "shape"
    if not is_value(x) or shape is None:
        return fresh_output(r.b, r.out)
    return Value(x.axes, shape, is_gate=x.is_gate)


def gather(r: RuleArgs):
    x, shape = r.arg(0), r.out_shape
    r.b.current.kind = "shape"
    if not is_value(x) or shape is None or len(shape) != x.ndim:
        return fresh_output(r.b, r.out)
    dim = norm_dim(r.arg(1, "dim", 0), x.ndim)
    axes = [
        a if (i != dim and x.shape[i] == shape[i]) else r.b.fresh(shape[i], r.b.label()) for i, a in enumerate(x.axes)
    ]
    return Value(tuple(axes), shape, is_gate=x.is_gate)


def index(r: RuleArgs):
    """x[idx]: indexed axes become the index tensor's axes; the trailing ones carry over."""
    x, indices, shape = r.arg(0), r.arg(1), r.out_shape
    r.b.current.kind = "shape"
    if not is_value(x) or shape is None or not isinstance(indices, (list, tuple)):
        return fresh_output(r.b, r.out)
    n_idx = len(indices)
    trailing = list(zip(x.axes[n_idx:], x.shape[n_idx:]))
    axes = [r.b.fresh(s, r.b.label()) for s in shape[: len(shape) - len(trailing)]]
    if len(shape) >= len(trailing) and all(
        shape[len(shape) - len(trailing) + k] == s for k, (_, s) in enumerate(trailing)
    ):
        axes += [a for a, _ in trailing]
    else:
        axes = [r.b.fresh(s, r.b.label()) for s in shape]
    # a leading unindexed (None) slot keeps its axis
    if indices and indices[0] is None and len(axes) > 0 and x.shape[0] == shape[0]:
        axes[0] = x.axes[0]
    return Value(tuple(axes), shape, is_gate=x.is_gate)


def pad(r: RuleArgs):
    x, shape = r.arg(0), r.out_shape
    r.b.current.kind = "shape"
    if not is_value(x) or shape is None or len(shape) != x.ndim:
        return fresh_output(r.b, r.out)
    return Value(x.axes, shape, is_gate=False)


def packed_sequence(r: RuleArgs):
    """pack/unpack a padded batch: the feature axis keeps its type, time x batch is re-laid."""
    x = r.arg(0)
    r.b.current.kind = "shape"
    outs = r.out if isinstance(r.out, (list, tuple)) else [r.out]
    if not is_value(x):
        return fresh_output(r.b, r.out)
    result = []
    for k, o in enumerate(outs):
        shape = tensor_meta(o)
        if k == 0 and shape is not None and shape and shape[-1] == x.shape[-1]:
            axes = tuple(r.b.fresh(s, r.b.label()) for s in shape[:-1]) + (x.axes[-1],)
            result.append(Value(axes, shape))
        else:
            result.append(fresh_output(r.b, o))
    return result if isinstance(r.out, (list, tuple)) else result[0]


def create(r: RuleArgs):
    """New tensors (zeros, arange, randn...) carry fresh types: they are constrained by use."""
    r.b.current.kind = "source"
    return fresh_output(r.b, r.out)


def getitem(r: RuleArgs):
    container, idx = r.arg(0), r.arg(1)
    if isinstance(container, (list, tuple)) and isinstance(idx, int) and -len(container) <= idx < len(container):
        return container[idx]
    return fresh_output(r.b, r.out)


def _packet(r: RuleArgs) -> str:
    from ..typegraph import target_name

    return target_name(r.node.target)


RULES = {
    "view": view,
    "reshape": view,
    "_unsafe_view": view,
    "view_as": view,
    "reshape_as": view,
    "flatten": view,
    "unflatten": view,
    "_reshape_alias": view,
    "view_copy": view,
    "permute": permute,
    "transpose": transpose,
    "transpose_": transpose,
    "swapaxes": transpose,
    "swapdims": transpose,
    "t": t,
    "t_": t,
    "movedim": movedim,
    "moveaxis": movedim,
    "unsqueeze": squeeze_like,
    "unsqueeze_": squeeze_like,
    "squeeze": squeeze_like,
    "squeeze_": squeeze_like,
    "expand": expand,
    "expand_as": expand,
    "broadcast_to": expand,
    "expand_copy": expand,
    "split": split,
    "split_with_sizes": split,
    "chunk": split,
    "tensor_split": split,
    "unsafe_split": split,
    "unsafe_chunk": split,
    "split_copy": split,
    "unbind": unbind,
    "select": select,
    "slice": slice_,
    "narrow": slice_,
    "cat": cat,
    "concat": cat,
    "concatenate": cat,
    "stack": stack,
    "index_select": index_select,
    "gather": gather,
    "index": index,
    "take_along_dim": gather,
    "constant_pad_nd": pad,
    "pad": pad,
    "reflection_pad1d": pad,
    "replication_pad1d": pad,
    "repeat": expand,
    "tile": expand,
    "repeat_interleave": expand,
    "zeros": create,
    "ones": create,
    "full": create,
    "empty": create,
    "arange": create,
    "randn": create,
    "rand": create,
    "randint": create,
    "new_zeros": create,
    "new_ones": create,
    "new_full": create,
    "new_empty": create,
    "empty_strided": create,
    "scalar_tensor": create,
    "linspace": create,
    "eye": create,
    "tensor": create,
    "as_strided": create,
    "masked_select": create,
    "nonzero": create,
    "diagonal": create,
    "unfold": create,
    "tril_indices": create,
    "triu_indices": create,
    "one_hot": create,
    "bucketize": create,
    "searchsorted": create,
    "multinomial": create,
    "getitem": getitem,
    "_pack_padded_sequence": packed_sequence,
    "_pad_packed_sequence": packed_sequence,
}
