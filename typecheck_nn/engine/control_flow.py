"""Control-flow operators: torch.cond, while_loop, scan, associative_scan.

Why: their bodies are graphs of their own (higher-order ops), called with operands the
outer graph passes. Walking only the first graph with the arguments as they come (the
generic nested-graph path) typed `cond`'s true branch with the false branch's graph as
an operand, and a loop body once with no recurrence: a model hidden in a branch or a
loop body passed unchecked. Here:

- `cond(pred, true_fn, false_fn, operands)`: both branches are typed on the same
  operands, and their outputs must agree (one value, whichever branch runs: like
  `where`, their types are unified);
- `while_loop(cond_fn, body_fn, carries, extra)`: the body is a recurrence over its
  carries: each carry's type after the body is its type before it, and the body's ops
  are firmware, as an unrolled loop's would be;
- `scan(combine_fn, init, xs, extra)`: combine(carry, x_t) -> (carry', y_t) is a
  recurrence over the carry; x_t is a slice of xs along its first axis; the ys are
  stacked along a new first axis;
- `associative_scan(combine_fn, xs, extra)`: combine(a, b) -> c on slices of one
  sequence: a, b and c have one type.
"""

from __future__ import annotations

import torch

from typecheck_nn.engine.ir import OpInfo, OpKind, Value

CONTROL_FLOW = frozenset({"cond", "while_loop", "scan", "associative_scan"})


def _flat(b, arg, prefix: str) -> tuple[list, list]:
    """Operand values and their fx names (for what is learned), flattening tuples/lists."""
    values: list = []
    names: list[str | None] = []
    for a in arg if isinstance(arg, (list, tuple)) else [arg]:
        if isinstance(a, torch.fx.Node):
            values.append(b.current_value(a))
            names.append(prefix + a.name)
        else:
            values.append(None)
            names.append(None)
    return values, names


def _graph(b, arg, prefix: str):
    if isinstance(arg, torch.fx.Node):
        gm = b.values.get(prefix + arg.name)
        if isinstance(gm, torch.fx.GraphModule):
            return gm
    return None


def _same(b, a, c) -> None:
    """Two values that must be one type, axis by axis (full axes of equal length)."""
    if isinstance(a, Value) and isinstance(c, Value) and a.shape == c.shape:
        for x, y, s in zip(a.axes, c.axes, a.shape):
            if s != 1:
                b.eq(x, y)


def walk_control_flow(b, node, target: str, op: OpInfo, prefix: str, name: str):
    """Type a control-flow op; returns its outputs' values (None when it cannot)."""
    args = list(node.args)
    handler, min_args = _OPERATORS.get(target, (None, 0))
    if handler is None or len(args) < min_args:
        return None
    return handler(b, args, op, prefix, _body_walker(b, op, prefix, name))


def _body_walker(b, op: OpInfo, prefix: str, name: str):
    """A function that walks one body graph of `op` (tagged `name/tag/`) on the given
    operand values, then returns the builder to the outer graph; it gives the body's
    outputs and the ids of the ops the body added (its firmware, when it is a loop's)."""
    walk = b._walk

    def run(gm, tag: str, values: list, names: list):
        start = len(b.ops)
        out = walk(gm, f"{name}/{tag}/", values, op, names)
        b.prefix, b.current = prefix, op
        return out or [], range(start, len(b.ops))

    return run


def _extra(b, args: list, k: int, prefix: str) -> tuple[list, list]:
    """The operands every body call gets besides its carries (`args[k]`), if any."""
    return _flat(b, args[k], prefix) if len(args) > k else ([], [])


def _slices(xs: list) -> list:
    """One step's slice of each scanned sequence: its first axis dropped."""
    return [Value(x.axes[1:], x.shape[1:]) if isinstance(x, Value) and x.ndim else None for x in xs]


def _loop_body(
    b, op: OpInfo, symbol: str, run, body, body_name: str, operands: list, names: list, carried: list
) -> list:
    """Runs a loop's body once on `operands`, ties each carried value to the body's output in
    its place (a carry keeps its type across iterations); the body and the loop op itself
    are firmware, as an unrolled loop's steps would be."""
    out, ops = run(body, body_name, operands, names)
    for a, c in zip(carried, out):
        _same(b, a, c)
    b.recurrent_ops.update(ops)
    b.recurrent_ops.add(op.id)
    op.symbol = symbol
    return out


def _cond(b, args: list, op: OpInfo, prefix: str, run):
    """Both branches on the same operands; their outputs are one type (like `where`)."""
    t, f = _graph(b, args[1], prefix), _graph(b, args[2], prefix)
    values, names = _flat(b, args[3], prefix)
    if t is None or f is None:
        return None
    out_t, _ = run(t, "true", values, names)
    out_f, _ = run(f, "false", values, names)
    op.binary, op.kind, op.symbol = True, OpKind.BINARY, "cond"
    for a, c in zip(out_t, out_f):
        _same(b, a, c)
    return out_t


def _while_loop(b, args: list, op: OpInfo, prefix: str, run):
    """The body maps its carries to themselves: each keeps its type across iterations."""
    body = _graph(b, args[1], prefix)
    carries, _ = _flat(b, args[2], prefix)
    extra, e_names = _extra(b, args, 3, prefix)
    if body is None:
        return None
    # a carry is a state, never a constant, even when it starts as zeros: no names
    return _loop_body(b, op, "while_loop", run, body, "body", carries + extra, [None] * len(carries) + e_names, carries)


def _scan(b, args: list, op: OpInfo, prefix: str, run):
    """combine(carry, x_t) -> (carry', y_t): the carry keeps its type; the ys are stacked."""
    body = _graph(b, args[0], prefix)
    init, _ = _flat(b, args[1], prefix)
    xs, _ = _flat(b, args[2], prefix)
    extra, e_names = _extra(b, args, 3, prefix)
    if body is None:
        return None
    names = [None] * (len(init) + len(xs)) + e_names
    out = _loop_body(b, op, "scan", run, body, "combine", init + _slices(xs) + extra, names, init)
    steps = next((x.shape[0] for x in xs if isinstance(x, Value) and x.ndim), 1)
    ys = [
        Value((b.fresh(steps, b.label()),) + y.axes, (steps,) + y.shape) if isinstance(y, Value) else None
        for y in out[len(init) :]
    ]
    return list(out[: len(init)]) + ys


def _associative_scan(b, args: list, op: OpInfo, prefix: str, run):
    """combine(a, b) -> c on slices of one sequence: a, b and c have one type."""
    body = _graph(b, args[0], prefix)
    xs, _ = _flat(b, args[1], prefix)
    extra, e_names = _extra(b, args, 2, prefix)
    if body is None:
        return None
    slices = _slices(xs)
    _loop_body(
        b,
        op,
        "associative_scan",
        run,
        body,
        "combine",
        slices + slices + extra,
        [None] * (2 * len(xs)) + e_names,
        slices,
    )
    return xs


# each operator's typing, and how many arguments it needs (fewer: not typed here)
_OPERATORS = {
    "cond": (_cond, 4),
    "while_loop": (_while_loop, 3),
    "scan": (_scan, 3),
    "associative_scan": (_associative_scan, 2),
}
