"""Build the typed graph: walk the fx graph once, giving every axis a type variable.

A pass in the spirit of torch.fx's ShapeProp: one small class over the graph. Each fx
node is dispatched to a typing rule in `ops/`; rules only talk to this builder through
its helpers (fresh variables, equalities, structures, choices, matrix declarations), so
a rule never needs to know how the solver works.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import torch

from typecheck_nn.core.model import Location
from typecheck_nn.engine.control_flow import CONTROL_FLOW, walk_control_flow
from typecheck_nn.engine.fixed import fixed_matrix
from typecheck_nn.engine.ir import Choice, Constraints, Eq, OpInfo, OpKind, Param, Stacked, Structure, Value
from typecheck_nn.engine.ops import dispatch, target_name
from typecheck_nn.engine.ops.common import fresh_output
from typecheck_nn.engine.trace import NodeInfo, TracedProgram, assigned_name, node_info


@dataclass
class UnknownOp:
    """An op the checker could not type: its outputs got fresh types.

    `hole` is true when typed (floating-point) data flows through it, so a violation
    could hide behind it: the model's verdict is then incomplete."""

    target: str
    location: Location | None
    reason: str = "no typing rule"
    hole: bool = True


@dataclass
class TypedGraph:
    """The result of the pass: constraints for the solver plus the graph for analysis."""

    constraints: Constraints
    ops: list[OpInfo]
    params: list[Param]
    values: dict[str, object]  # fx node name -> Value | list | None
    graph: nx.DiGraph  # bipartite: op nodes (int ids) -> value nodes ("%name", with axes) -> ops
    unknown: list[UnknownOp] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    node_to_op: dict[str, int] = field(default_factory=dict)
    recurrent_ops: set[int] = field(default_factory=set)  # ops that are a whole recurrence
    # fx value name -> parameters it is computed from, for values computed only from
    # parameters, buffers and constants (empty set: buffers/constants only)
    learned: dict[str, frozenset[int]] = field(default_factory=dict)
    param_nodes: dict[str, int] = field(default_factory=dict)  # placeholder fx name -> parameter index
    state_names: dict[int, str] = field(default_factory=dict)  # op producing a step cell's state -> its name


def _shape_of(val) -> tuple[int, ...] | None:
    if isinstance(val, torch.Tensor):
        out = []
        for s in val.shape:
            try:
                out.append(int(s))
            except Exception:  # unbacked symbolic size
                out.append(-1)
        return tuple(out)
    return None


def value_key(name: str) -> str:
    """Graph key of the value an fx node produces (op nodes are keyed by their int id)."""
    return f"%{name}"


def op_edges(graph: nx.DiGraph):
    """Op-to-op dataflow: producer -> value -> consumer, with the value skipped, plus the
    edges in-place writes create (from a write to the later reads of what it wrote)."""
    for node, data in graph.nodes(data=True):
        if data.get("kind") != "value":
            continue
        producers = [p for p in graph.predecessors(node)]
        for p in producers:
            for c in graph.successors(node):
                yield p, c
    yield from graph.graph.get("mutation_edges", ())


@dataclass
class Aliases:
    """Which fx values are views of which base, and which ops write into a base.

    Export's graph keeps in-place ops (`copy_` into `select(state, 0, k)`), so what a
    write changes is read later through the base, not through an edge of the graph. Op
    schemas say which argument an op writes (`Tensor(a!)`) and which results are views
    (`Tensor(a)`), so this needs no list of op names."""

    base: dict[str, str] = field(default_factory=dict)  # view value -> base value
    writes: dict[str, str] = field(default_factory=dict)  # writing op's value -> base it writes

    def root(self, name: str) -> str:
        return self.base.get(name, name)

    @property
    def mutated(self) -> set[str]:
        return set(self.writes.values())


def find_aliases(gm: torch.fx.GraphModule, prefix: str = "") -> Aliases:
    out = Aliases()
    for node in gm.graph.nodes:
        if node.op != "call_function" or not node.args or not isinstance(node.args[0], torch.fx.Node):
            continue
        first = prefix + node.args[0].name
        if node.target is operator.getitem:
            if first in out.base:
                out.base[prefix + node.name] = out.base[first]
            continue
        schema = getattr(node.target, "_schema", None)
        if schema is None or not schema.arguments:
            continue
        alias = schema.arguments[0].alias_info
        if alias is None:
            continue
        root = out.root(first)
        if alias.is_write:
            out.writes[prefix + node.name] = root
        elif schema.returns and schema.returns[0].alias_info is not None:
            out.base[prefix + node.name] = root
    return out


@dataclass
class _Frame:
    """One graph being walked: the top graph, or a nested one bound to a call's arguments."""

    gm: Any
    prefix: str
    bound: list | None
    bound_names: list | None
    outer: OpInfo | None
    placeholders: int = 0
    result: list | None = None


class Builder:
    """Mutable state of one pass; rules call its helpers."""

    def __init__(self, program: TracedProgram):
        self.program = program
        self.c = Constraints()
        self.ops: list[OpInfo] = []
        self.params: list[Param] = []
        self.values: dict[str, Any] = {}  # fx node name -> Value, a list of them, a graph or None
        self.unknown: list[UnknownOp] = []
        # the op being typed; rules only run while one is (the placeholder is never used)
        self.current: OpInfo = OpInfo(-1, "", "", OpKind.OTHER, None, "", "")
        self.prefix = ""  # names of nodes inside nested graphs are prefixed by their caller
        self._labels: dict[int, str] = {}
        self.recurrent_ops: set[int] = set()
        self.learned: dict[str, frozenset[int]] = {}
        self.param_nodes: dict[str, int] = {}
        self.use_of: dict[int, int] = {}  # a constant's per-use type variable -> the one it copies

    # -- variables and values ----------------------------------------------------------
    def fresh(self, size: int | None, label: str) -> int:
        return self.c.fresh(size, label)

    def new_value(self, shape: tuple[int, ...], label: str, **kw) -> Value:
        axes = tuple(self.fresh(s, f"{label}[{i}]") for i, s in enumerate(shape))
        return Value(axes, tuple(shape), **kw)

    def label(self) -> str:
        """A readable birth name for fresh variables of the current op: `h@file.py:12`."""
        op = self.current
        if op.location is None:
            return op.node or "?"
        label = self._labels.get(op.id)
        if label is None:  # once per op: a rule may ask for many fresh variables
            name = assigned_name(op.location) or op.node
            label = self._labels[op.id] = f"{name}@{op.location.path.rsplit('/', 1)[-1]}:{op.location.line}"
        return label

    # -- constraints -------------------------------------------------------------------
    def eq(self, a: int, b: int) -> None:
        if a != b:
            self.c.program.append(Eq(a, b, self.current.id))

    def structure(self, holder: int, kind: str, parts: tuple[int, ...]) -> None:
        self.c.program.append(Structure(holder, kind, tuple(parts), self.current.id))

    def choice(self, alternatives: list[list[tuple[int, int]]]) -> None:
        op = self.current
        alts = tuple(tuple(Eq(a, b, op.id) for a, b in alt if a != b) for alt in alternatives)
        if any(len(a) == 0 for a in alts):
            return  # one alternative imposes nothing: no choice to make
        self.c.choices.append(Choice(op.id, op.site, alts))

    def learned_params(self, node) -> frozenset[int] | None:
        """The parameters an fx node's value is computed from, when it is computed only
        from parameters, buffers and constants and from at least one parameter: a learned
        weight, however it is spelled (W, W.T, W * c, W.expand(...), weight_norm(W))."""
        if node is None:
            return None
        found = self.learned.get(self.resolve_name(node.name))
        return found if found else None

    def matrix(self, value: Value, out_axes: list[int], contracted_axes: list[int], node) -> None:
        """`value` acts as a matrix; when it is learned, its output axes must not share a
        type with the axes it contracts."""
        params = self.learned_params(node)
        if params is None:
            fixed_matrix(self, value, out_axes, contracted_axes, node)  # a buffer as a matrix
            return
        for o in out_axes:
            for k in contracted_axes:
                if value.shape[o] > 1 and value.shape[k] > 1:
                    self.matrix_vars(value.axes[o], value.axes[k], node, params)

    def matrix_vars(self, out_var: int, in_var: int, node, params: frozenset[int] | None = None) -> None:
        """The matrix rule on two type variables of a learned operand (`node`)."""
        params = params if params is not None else self.learned_params(node)
        if params is None or out_var == in_var:
            return
        p = max(params, key=lambda i: (len(self.params[i].shape), _numel(self.params[i].shape), -i))
        op = self.current
        key = (p, min(out_var, in_var), max(out_var, in_var))
        if key not in self.c.orientation:
            self.c.orientation[key] = (out_var, in_var)
            self.c.distinct.append((p, out_var, in_var, op.id))
            self.c.tags.append((out_var, (p, out_var)))
            self.c.tags.append((in_var, (p, in_var)))
        if p not in op.params:
            op.params.append(p)

    def force(self, value: Value) -> None:
        """A packed value used as one value: its parts' other axes become the whole's."""
        st = value.stacked
        if st is None or id(st) in self._forced:
            return
        self._forced.add(id(st))
        for part in st.parts:
            self.force(part)
            for i, (ax, size) in enumerate(zip(value.axes, value.shape)):
                if i == st.dim:
                    continue
                j = i - 1 if st.squeezed and i > st.dim else i
                if j < part.ndim and part.shape[j] == size and size != 1:
                    self.eq(part.axes[j], ax)

    # -- tensors written in place ----------------------------------------------------------
    def current_value(self, node):
        """The value an fx node holds now: a base written in place row by row holds the
        rows written so far (a packed value), not the value it was created with."""
        name = self.resolve_name(node.name)
        return self.written.get(name, self.values.get(name))

    def _source_value(self, arg):
        return self.current_value(arg) if isinstance(arg, torch.fx.Node) else None

    def _row_write(self, node, name: str) -> tuple[str, int, int] | None:
        """(base, dim, index) when `node` writes one row of a base: `state[k] = v` is
        `copy_(select(state, dim, k), v)`; each row then keeps the type written into it,
        so per-layer rows of one state tensor stay per-layer types."""
        if name not in self.aliases.writes or not node.args or not isinstance(node.args[0], torch.fx.Node):
            return None
        view = node.args[0]
        if view.op != "call_function" or target_name(view.target) != "select" or len(view.args) < 3:
            return None
        base, dim, index = view.args[0], view.args[1], view.args[2]
        if not isinstance(base, torch.fx.Node) or not isinstance(dim, int) or not isinstance(index, int):
            return None
        base_name = self.resolve_name(base.name)
        value = self.current_value(base)
        if base_name in self.aliases.base or not isinstance(value, Value) or not 0 < value.shape[dim] <= 256:
            return None
        return base_name, dim if dim >= 0 else dim + value.ndim, index

    def _replace_row(self, row: tuple[str, int, int], new) -> object:
        base, dim, index = row
        whole = self.written.get(base, self.values.get(base))
        if not isinstance(whole, Value):
            return new
        n = whole.shape[dim]
        index = index + n if index < 0 else index
        row_shape = whole.shape[:dim] + whole.shape[dim + 1 :]
        if not isinstance(new, Value) or new.shape != row_shape or not 0 <= index < n:
            if isinstance(new, Value):  # a row of another shape (broadcast): fall back to one type
                self.force(whole)
            return new
        st = whole.stacked
        if st is None or st.dim != dim or not st.squeezed or len(st.parts) != n:
            self.force(whole)
            if self.learned.get(base) == frozenset() and whole.stacked is None:
                rows = [self.new_value(row_shape, self.c.origins[whole.axes[0]].label) for _ in range(n)]
            else:  # rows of a value that had one type keep sharing it
                rows = [Value(whole.axes[:dim] + whole.axes[dim + 1 :], row_shape, is_gate=whole.is_gate)] * n
            whole = Value(tuple(self.fresh(s, self.label()) for s in whole.shape), whole.shape)
            st = Stacked(dim, rows, [1] * n, squeezed=True)
        parts = list(st.parts)
        parts[index] = new
        self.written[base] = Value(whole.axes, whole.shape, stacked=Stacked(dim, parts, [1] * n, squeezed=True))
        return new

    def is_constant(self, node) -> bool:
        """Computed only from buffers and constants (no parameter, no input), and never
        written in place: a tensor that is written is a state, however it was created."""
        name = self.resolve_name(node.name)
        return self.learned.get(name) == frozenset() and self.aliases.root(name) not in self.mutated

    def mark_constant(self, node) -> None:
        self.learned[self.resolve_name(node.name)] = frozenset()

    def constant_use(self, value: Value) -> Value:
        axes = tuple(self.fresh(s, self.c.origins[a].label) for a, s in zip(value.axes, value.shape))
        self.use_of.update(zip(axes, value.axes))
        return Value(axes, value.shape, is_gate=value.is_gate)

    def refine(
        self,
        *,
        kind: OpKind | None = None,
        binary: bool | None = None,
        symbol: str | None = None,
        recurrent: bool = False,
    ) -> None:
        op = self.current
        if recurrent:
            self.recurrent_ops.add(op.id)
        if kind is not None:
            op.kind = kind
        if binary is not None:
            op.binary = binary
        if symbol is not None:
            op.symbol = symbol

    def unchecked_op(self, target: str, reason: str, hole: bool) -> None:
        self.unknown.append(UnknownOp(target, self.current.location, reason, hole))

    # -- driving -----------------------------------------------------------------------
    def run(self) -> TypedGraph:
        self.graph = nx.DiGraph()
        self.node_to_op: dict[str, int] = {}
        self.inputs: list[str] = []
        self._forced: set[int] = set()
        self._nested: dict[int, NodeInfo] = {}
        self.written: dict[str, Value] = {}  # bases written row by row -> their rows so far
        self.aliases = find_aliases(self.program.graph_module)
        self.mutated = self.aliases.mutated
        self._last_write: dict[str, int] = {}  # base value -> op id of the latest write into it
        self.graph.graph["mutation_edges"] = []
        self._walk(self.program.graph_module, "", None, None)
        return TypedGraph(
            constraints=self.c,
            ops=self.ops,
            params=self.params,
            values=self.values,
            graph=self.graph,
            unknown=self.unknown,
            inputs=self.inputs,
            node_to_op=self.node_to_op,
            recurrent_ops=self.recurrent_ops,
            learned=self.learned,
            param_nodes=self.param_nodes,
        )

    def resolve_name(self, name: str) -> str:
        return self.prefix + name

    def _add_value(self, name: str, producer: int | None) -> None:
        """A value node carrying its per-axis type variables (a list for multi-output ops)."""
        val = self.values.get(name)
        axes: object = (
            [getattr(v, "axes", None) for v in val] if isinstance(val, (list, tuple)) else getattr(val, "axes", None)
        )
        self.graph.add_node(value_key(name), kind="value", axes=axes)
        if producer is not None:
            self.graph.add_edge(producer, value_key(name))

    def _placeholder(self, node, name: str) -> None:
        shape = _shape_of(node.meta.get("val"))
        info = self.program.placeholders.get(node.name)
        if shape is None:
            self.values[name] = None
        elif info is not None and info.kind in ("parameter", "buffer", "constant"):
            axes = tuple(self.fresh(s, f"{info.target}[{i}]") for i, s in enumerate(shape))
            idx = len(self.params)
            self.params.append(Param(info.target, shape, axes))
            if info.target not in self.program.mutated_buffers.values():  # a written buffer is a state
                self.learned[name] = frozenset([idx]) if info.kind == "parameter" else frozenset()
            self.param_nodes[name] = idx
            self.values[name] = Value(axes, shape)
        else:
            self.inputs.append(name)
            self.values[name] = self.new_value(shape, node.name)

    def _walk(self, gm, prefix: str, bound: list | None, outer: OpInfo | None, bound_names: list | None = None):
        """Type one graph, one method per node kind as torch.fx's Interpreter does; nested
        graphs (higher-order ops such as no_grad regions) are walked inline with their
        placeholders bound to the call's arguments. Returns a nested graph's outputs."""
        frame = _Frame(gm, prefix, bound, bound_names, outer)
        for node in gm.graph.nodes:
            self.prefix = prefix
            visit = getattr(self, f"_visit_{node.op}", None)
            if visit is None:  # call_module / call_method do not survive export
                self.values[prefix + node.name] = None
                continue
            visit(node, frame)
        return frame.result

    def _visit_placeholder(self, node, frame: _Frame) -> None:
        name = frame.prefix + node.name
        if frame.bound is None:
            self._placeholder(node, name)
        else:
            k = frame.placeholders
            self.values[name] = frame.bound[k] if k < len(frame.bound) else None
            source = frame.bound_names[k] if frame.bound_names and k < len(frame.bound_names) else None
            if source in self.learned:
                self.learned[name] = self.learned[source]
        self._add_value(name, None)
        frame.placeholders += 1

    def _visit_output(self, node, frame: _Frame) -> None:
        if frame.bound is None:
            return
        out = node.args[0]
        frame.result = [
            self.values.get(frame.prefix + a.name) if hasattr(a, "name") else None
            for a in (out if isinstance(out, (list, tuple)) else [out])
        ]

    def _visit_get_attr(self, node, frame: _Frame) -> None:
        name = frame.prefix + node.name
        val = getattr(frame.gm, node.target, None)
        shape = _shape_of(val)
        self.values[name] = (
            val
            if isinstance(val, torch.fx.GraphModule)
            else (None if shape is None else self.new_value(shape, str(node.target)))
        )
        self.learned[name] = frozenset()  # a constant of the graph
        self._add_value(name, None)

    def _visit_call_function(self, node, frame: _Frame) -> None:
        name = frame.prefix + node.name
        sub = self._subgraph(node, frame.prefix)
        op = self._new_op(node, frame)
        self._follow_writes(name, op)
        self.current = op
        self._propagate_learned(name, op.inputs)
        if op.target in CONTROL_FLOW:  # torch.cond, while_loop, scan: control_flow.py
            self.values[name] = self._control_flow(node, op.target, op, frame.prefix, name)
        elif sub is not None:
            gm_sub, args, arg_names = sub
            self.values[name] = self._walk(gm_sub, f"{name}/", args, op, arg_names)
            self.prefix = frame.prefix
        else:
            row = self._row_write(node, name)
            if row is not None and op.target in ("copy_", "copy"):
                self.values[name] = self._replace_row(row, self._source_value(node.args[1]))
            else:
                self.values[name] = dispatch(self, node, op.target)
                if row is not None:
                    self._replace_row(row, self.values[name])
        self._add_value(name, op.id)

    def _new_op(self, node, frame: _Frame) -> OpInfo:
        """The op record of a call, with the user's location and module path: from the
        trace for the top graph, from a nested graph's own spans or else its caller's."""
        name, target, outer = frame.prefix + node.name, target_name(node.target), frame.outer
        if outer is None:
            loc = self.program.locations.get(node.name)
            module = self.program.module_paths.get(node.name, "")
            call_site = self.program.sites.get(node.name)
            function = self.program.functions.get(node.name, "")
        else:
            info = self._nested_info(frame.gm)
            loc = info.locations.get(node.name) or outer.location
            module = info.module_paths.get(node.name) or outer.module
            call_site = info.sites.get(node.name) or f"{outer.site}/{node.name}"
            function = info.functions.get(node.name) or outer.function
        if call_site is None and loc is not None:  # no call-path annotation: fold by span
            call_site = f"{loc.path}:{loc.line}:{loc.column}-{loc.end_line}:{loc.end_column}"
        op = OpInfo(
            id=len(self.ops),
            node=name,
            target=target,
            kind=OpKind.OTHER,
            location=loc,
            module=module,
            site=f"{module}|{target}|{call_site}" if call_site else f"{module}|{target}|{name}",
            inputs=[frame.prefix + a.name for a in node.all_input_nodes],
            function=function,
        )
        self.ops.append(op)
        self.node_to_op[name] = op.id
        self.graph.add_node(op.id, kind="op", target=target)
        for src in op.inputs:
            self.graph.add_edge(value_key(src), op.id)
        return op

    def _control_flow(self, node, target: str, op: OpInfo, prefix: str, name: str):
        out = walk_control_flow(self, node, target, op, prefix, name)
        if out is None:  # an operand layout not understood: a hole, never a silent pass
            self.unchecked_op(target, "its branches could not be read", True)
            return fresh_output(self, node.meta.get("val"))
        return out

    def _subgraph(self, node, prefix: str):
        """(graph module, argument values) when the node calls a nested graph."""
        for i, arg in enumerate(node.args):
            if isinstance(arg, torch.fx.Node) and isinstance(self.values.get(prefix + arg.name), torch.fx.GraphModule):
                rest = node.args[i + 1 :]
                values = [self.values.get(prefix + a.name) if isinstance(a, torch.fx.Node) else None for a in rest]
                names = [prefix + a.name if isinstance(a, torch.fx.Node) else None for a in rest]
                return self.values[prefix + arg.name], values, names
        return None

    def _follow_writes(self, name: str, op: OpInfo) -> None:
        """An op reading a base (or a view of it) after a write into it depends on that
        write: an edge the learnware/firmware analysis needs to see `h[i] = f(h[i])`."""
        if not self.mutated:
            return
        edges = self.graph.graph["mutation_edges"]
        for src in op.inputs:
            writer = self._last_write.get(self.aliases.root(src))
            if writer is not None and writer != op.id:
                edges.append((writer, op.id))
        written = self.aliases.writes.get(name)
        if written is not None:
            self._last_write[written] = op.id

    def _nested_info(self, gm) -> NodeInfo:
        info = self._nested.get(id(gm))
        if info is None:
            info = self._nested[id(gm)] = node_info(gm)
        return info

    def _propagate_learned(self, name: str, inputs: list[str]) -> None:
        """A value computed only from learned values (parameters, buffers, constants) is
        learned too, with the union of their parameters; one created from nothing (zeros,
        arange) is a constant. Data flow decides, so no rule has to carry it."""
        tensors = [i for i in inputs if self.values.get(i) is not None]  # sizes and flags do not count
        if not tensors:
            self.learned[name] = frozenset()
            return
        if any(self.aliases.root(i) in self.mutated for i in tensors):
            return  # a tensor written in place carries whatever was written: not a constant
        found = [self.learned.get(i) for i in tensors]
        if all(f is not None for f in found):
            self.learned[name] = frozenset().union(*(f for f in found if f is not None))


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for s in shape:
        n *= max(s, 1)
    return n


def build_typed_graph(program: TracedProgram) -> TypedGraph:
    return Builder(program).run()
