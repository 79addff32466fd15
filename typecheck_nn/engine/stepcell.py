"""Step cells: a module whose forward takes a state and returns its next value.

Why: the recurrent function is what the paper types. `forward(x, h) -> h'` is one step of
a recurrence whose loop lives in the caller (a decoder, a training script), so the check
must impose what the loop would: the state's type after the step is its type before it.
This pass runs on the typed graph, before solving, and adds exactly the equalities an
unrolled loop would add (each axis of the state argument = the same axis of the returned
next state), so a conflict is found and explained as in an unrolled loop (TNN002), and
the ops from the state to its next value are the firmware.

The state is found by structure, never by a name alone:

- the first argument is the step's input; a state is a later argument (a tensor, or a
  tuple/list/dict of tensors) whose structure and shapes reappear in the output;
- the next state must be *computed* from the state: a path from the state to it through
  at least one computing op (a KV cache only appended to, or a state passed through
  unchanged, is no recurrence);
- an output that continues the input coordinatewise (`tgt + attn(tgt, memory)`: a path
  from the input through elementwise, shape and normalising ops only) while the
  candidate reaches it only through contractions is the input's continuation, not the
  candidate's next value: a transformer decoder layer `forward(tgt, memory)` is no cell;
- when several outputs fit, the one whose name-space is the argument's wins (structure
  first, then the last output), and argument names (h, hx, hidden, state, carry,
  memory, prev_*) only break a tie between arguments that fit equally.

State kept on the module between calls (a buffer read at the start of forward and
written at its end, which export returns as a buffer mutation) is a state too: the
buffer's value read is tied to the value written.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field

from typecheck_nn.core.model import Location
from typecheck_nn.engine.control_flow import CONTROL_FLOW
from typecheck_nn.engine.ir import Eq, OpKind, Value
from typecheck_nn.engine.solve import UnionFind, hard_classes
from typecheck_nn.engine.trace import TracedProgram, assigned_name
from typecheck_nn.engine.typegraph import TypedGraph, find_aliases, value_key

LOOP_OPERATORS = CONTROL_FLOW - {"cond"}
STATE_NAMES = re.compile(r"^(h|hx|hidden|state|states|carry|memory|mem|cell|c|prev_.*|.*_state|.*_hidden)(_\d+)?$")

# ops that compute nothing from a value's entries: moving, selecting, writing, creating
_NO_COMPUTE = frozenset({OpKind.SHAPE, OpKind.WRITE, OpKind.SOURCE})
# ops along which an output continues an input coordinatewise (a residual stream)
_CONTINUES = frozenset({OpKind.UNARY, OpKind.BINARY, OpKind.PRODUCT, OpKind.SHAPE, OpKind.WRITE, OpKind.REDUCTION})


@dataclass
class StepCell:
    """What the pass found: (state placeholder, next-state node) pairs, the firmware
    ops between them, the ops producing next states, and lines for the report."""

    pairs: list[tuple[str, str]] = field(default_factory=list)
    firmware: set[int] = field(default_factory=set)
    carried: set[int] = field(default_factory=set)
    states: list[str] = field(default_factory=list)


def _leaves(tree) -> list:
    if isinstance(tree, list):
        out = []
        for t in tree:
            out.extend(_leaves(t))
        return out
    return [tree]


def _subtrees(tree) -> list:
    """Every sub-structure of the output, the whole output first."""
    out = [tree]
    if isinstance(tree, list):
        for t in tree:
            out.extend(_subtrees(t))
    return out


class _Paths:
    """Reachability on the typed graph (value -> op -> value, plus in-place write edges),
    with the kinds of op a path may pass."""

    def __init__(self, tg: TypedGraph):
        self.tg = tg
        self.succ: dict[object, list[object]] = {}
        for u, v in tg.graph.edges:
            self.succ.setdefault(u, []).append(v)
        for u, v in tg.graph.graph.get("mutation_edges", ()):
            self.succ.setdefault(u, []).append(v)

    def _kind(self, node) -> OpKind | None:
        return self.tg.ops[node].kind if isinstance(node, int) else None

    def reach(self, start: str, allowed: frozenset[OpKind] | None = None) -> set[object]:
        seen: set[object] = {value_key(start)}
        queue: deque[object] = deque(seen)
        while queue:
            for w in self.succ.get(queue.popleft(), ()):
                if w in seen:
                    continue
                kind = self._kind(w)
                if allowed is not None and kind is not None and kind not in allowed:
                    continue
                seen.add(w)
                queue.append(w)
        return seen

    def computed(self, start: str, goal: str) -> bool:
        """A path start -> goal through at least one op that computes from entries."""
        seen: set[tuple[object, bool]] = {(value_key(start), False)}
        queue: deque[tuple[object, bool]] = deque(seen)
        target = value_key(goal)
        while queue:
            node, flag = queue.popleft()
            if node == target and flag:
                return True
            for w in self.succ.get(node, ()):
                kind = self._kind(w)
                nxt = (w, flag or (kind is not None and kind not in _NO_COMPUTE))
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        return False


def _shape(tg: TypedGraph, name: str | None) -> tuple[int, ...] | None:
    v = tg.values.get(name) if name else None
    return v.shape if isinstance(v, Value) else None


def find_step_cell(tg: TypedGraph, program: TracedProgram) -> StepCell:
    """Find the state arguments and their next values, and add the equalities."""
    cell = StepCell()
    paths = _Paths(tg)
    groups = list(program.arg_groups)
    outputs = program.out_tree
    if len(groups) >= 2 and outputs is not None:
        _match_arguments(tg, paths, groups, outputs, cell)
    for out_name, buffer in program.mutated_buffers.items():
        _match_buffer(tg, paths, out_name, buffer, cell)
    _buffers_written_in_place(tg, paths, program, cell)
    _loop_operators(tg, cell)
    return cell


def _loop_operators(tg: TypedGraph, cell: StepCell) -> None:
    """while_loop / scan / associative_scan bodies are recurrences over their carries
    (control_flow.py ties each carry's type across the body): name their state."""
    for op in tg.ops:
        if op.target not in LOOP_OPERATORS or op.id not in tg.recurrent_ops:
            continue
        name = f"{op.target} carry"
        inside = op.node + "/"
        for other in tg.ops:
            if other.node.startswith(inside):
                tg.state_names.setdefault(other.id, name)
        where = f" (line {op.location.line})" if op.location is not None else ""
        cell.states.append(f"`{op.target}` carry{where}")


def _buffers_written_in_place(tg: TypedGraph, paths: _Paths, program: TracedProgram, cell: StepCell) -> None:
    """`self.state.copy_(f(self.state, x))`: the write already gives the value written the
    buffer's type (a write's rule); what remains is to see the recurrence, from the
    buffer's read to the write computed from it."""
    aliases = find_aliases(program.graph_module)
    done: set[str] = set()
    for writer, base in aliases.writes.items():
        info = program.placeholders.get(base)
        if info is None or info.kind != "buffer" or writer not in tg.node_to_op or base in done:
            continue
        if not paths.computed(base, writer):
            continue
        done.add(base)
        _tie(tg, paths, info.target.rsplit(".", 1)[-1], [(base, writer)], cell, [], equate=False)


class _AxisOrigins:
    """Whether a next value's axes continue the state's, from the classes the program's
    choice-free constraints already imply (solved once, on first need).

    Why: shapes can coincide by accident. Attention `forward(output, context)` with both
    inferred as (B, T, D) returns a value computed from `context` with `context`'s shape,
    yet its length axis is `output`'s: `context`'s was contracted away by the attention
    weights. A state axis tied to a next-value axis must be that same axis already, or
    be consumed by a matrix (a state's feature axis: the matrix's codomain is the next
    value's axis, which the tie then checks), or be tied to an axis no other argument
    owns. An axis that is another argument's, while the state's own axis was contracted
    against data, is no continuation of the state."""

    def __init__(self, tg: TypedGraph, arguments: list[str]):
        self.tg = tg
        self.arguments = arguments
        self._solved = False
        self._uf: UnionFind | None = None
        self._matrix_inputs: set[int] = set()  # classes some matrix contracts

    def _classes(self) -> UnionFind | None:
        if not self._solved:
            self._solved = True
            self._uf = hard_classes(self.tg.constraints)
            if self._uf is not None:
                self._matrix_inputs = {self._uf.find(v) for _, _, v, _ in self.tg.constraints.distinct}
        return self._uf

    def continues(self, state: str, nxt: str, state_leaves: list[str]) -> bool:
        uf = self._classes()
        sv, ov = self.tg.values[state], self.tg.values[nxt]
        if uf is None or not isinstance(sv, Value) or not isinstance(ov, Value):
            return True
        matrix_inputs = self._matrix_inputs
        other_values = [self.tg.values.get(n) for n in self.arguments if n not in state_leaves]
        others = {uf.find(a) for v in other_values if isinstance(v, Value) for a in v.axes}
        for a, b, size in zip(sv.axes, ov.axes, sv.shape):
            ra, rb = uf.find(a), uf.find(b)
            if size == 1 or ra == rb or ra in matrix_inputs:
                continue
            if rb in others - {ra}:
                return False
        return True


def _match_arguments(tg, paths: _Paths, groups, outputs, cell: StepCell) -> None:
    inputs = [n for n in groups[0][1] if n]
    continues_input: set[object] = set()
    for n in inputs:
        continues_input |= paths.reach(n, _CONTINUES)
    origins = _AxisOrigins(tg, [n for _, leaves, _ in groups for n in leaves if n])
    used: set[str] = set()
    found: list[tuple[int, str, list[tuple[str, str]], list[str]]] = []  # (tie rank, label, pairs, leaves)
    for label, leaves, is_tensor in groups[1:]:
        if not leaves or not all(leaves) or any(_shape(tg, n) is None for n in leaves):
            continue
        shapes = [_shape(tg, n) for n in leaves]
        best = None
        for sub in reversed(_subtrees(outputs)):  # the last fitting output first
            out_leaves = _leaves(sub)
            if len(out_leaves) != len(leaves) or any(o in used for o in out_leaves if o):
                continue
            if [_shape(tg, o) for o in out_leaves] != shapes:
                continue
            pairs = [
                (s, o)
                for s, o in zip(leaves, out_leaves)
                if o and paths.computed(s, o) and origins.continues(s, o, leaves)
            ]
            if not pairs:
                continue
            # the output continues the input, which the candidate only reaches through
            # contractions: a decoder layer's `tgt + attn(tgt, memory)`, not a next state
            pairs = [
                (s, o)
                for s, o in pairs
                if value_key(o) not in continues_input or value_key(o) in paths.reach(s, _CONTINUES)
            ]
            if pairs:
                best = pairs
                break
        if best is None:
            continue
        found.append((0 if STATE_NAMES.match(label) else 1, label, best, [] if is_tensor else leaves))
    # names only break ties: two arguments competing for one output, the state-named wins
    found.sort(key=lambda f: f[0])
    for _, label, pairs, leaves in found:
        if any(o in used for _, o in pairs):
            continue
        used |= {o for _, o in pairs}
        _tie(tg, paths, label, pairs, cell, leaves)


def _match_buffer(tg, paths: _Paths, out_name: str, buffer: str, cell: StepCell) -> None:
    """A buffer written by forward (self.state = f(self.state, x) as a buffer): the value
    read at the start is tied to the value written."""
    holder = next((n for n, i in tg.param_nodes.items() if tg.params[i].name == buffer), None)
    if holder is None or _shape(tg, holder) != _shape(tg, out_name) or not paths.computed(holder, out_name):
        return
    _tie(tg, paths, buffer.rsplit(".", 1)[-1], [(holder, out_name)], cell, [])


def _tie(
    tg: TypedGraph,
    paths: _Paths,
    label: str,
    pairs: list[tuple[str, str]],
    cell: StepCell,
    leaves: list[str],
    equate: bool = True,
) -> None:
    """The unrolled loop's equalities: state axis i = next state axis i (full axes).
    `leaves` are a structured state's parts (empty for a tensor argument, named `label`)."""
    for s, o in pairs:
        sv, ov = tg.values[s], tg.values[o]
        if not isinstance(sv, Value) or not isinstance(ov, Value):
            continue
        producer = tg.node_to_op.get(o)
        if producer is None:
            continue
        for a, b, size in zip(sv.axes, ov.axes, sv.shape):
            if equate and size != 1 and a != b:
                tg.constraints.program.append(Eq(a, b, producer))
        cell.pairs.append((s, o))
        cell.carried.add(producer)
        forward = paths.reach(s)
        backward = _reaching(tg, o)
        cell.firmware |= {n for n in forward & backward if isinstance(n, int) and tg.ops[n].kind is not OpKind.SHAPE}
        cell.firmware.add(producer)
        loc: Location | None = tg.ops[producer].location
        k = leaves.index(s) if s in leaves else 0
        name = label if not leaves else _leaf_name(loc, k, len(leaves)) or f"{label}[{k}]"
        tg.state_names[producer] = name
        where = f" (line {loc.line})" if loc is not None else ""
        cell.states.append(f"step cell: state `{name}`{where}")


def _leaf_name(loc: Location | None, k: int, n: int) -> str | None:
    """The variable the user wrote for part k of a tuple state (`h, c = ...`)."""
    names = (assigned_name(loc) or "").split(",") if loc is not None else []
    names = [x.rsplit(".", 1)[-1] for x in names if x]
    if len(names) == n:
        return names[k]
    return names[0] if len(names) == 1 else None


def _reaching(tg: TypedGraph, goal: str) -> set[object]:
    pred: dict[object, list[object]] = {}
    for u, v in tg.graph.edges:
        pred.setdefault(v, []).append(u)
    for u, v in tg.graph.graph.get("mutation_edges", ()):
        pred.setdefault(v, []).append(u)
    seen: set[object] = {value_key(goal)}
    queue: deque[object] = deque(seen)
    while queue:
        for w in pred.get(queue.popleft(), ()):
            if w not in seen:
                seen.add(w)
                queue.append(w)
    return seen


def fallback_state_names(tg: TypedGraph, firmware: set[int]) -> list[str]:
    """Names for a recurrence whose carried values have none (a built-in cell called once,
    a state returned by `return ...`): the variables the user's lines on the recurrence
    assign, the built-in cells' lines first. Never "state ?" when a line can be named."""
    ordered = sorted(firmware, key=lambda i: (i not in tg.recurrent_ops, -i))
    out: list[str] = []
    for i in ordered:
        loc = tg.ops[i].location
        name = assigned_name(loc) if loc is not None else None
        if name and loc is not None:
            label = f"{name.split(',')[0].rsplit('.', 1)[-1]} (line {loc.line})"
            if label not in out:
                out.append(label)
        if len(out) >= 3:
            break
    return out
