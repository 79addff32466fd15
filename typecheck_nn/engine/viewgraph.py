"""The typed graph as renderers see it: the GraphView the HTML report (and JSON) draw from.

Kept apart from diagnostics so that the view can grow (shapes, folded parameters, named
types, recurrence sites) without touching the code that explains conflicts.

Types are named once per solved class, not per type variable: every axis that the solver
unified gets one short stable name (`cod(W_hh)`, `h[0]@rnn.py:12`), so the graph, its
legend and the violation cards (whose `dom(..)`/`cod(..)` names come from the same
TypeNamer) agree. Sums and products are written `a ⊕ b` / `a ⊗ b` of their named parts,
with the whole structure kept for hover.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Literal

from typecheck_nn.core.model import GraphAttr, GraphEdge, GraphNode, GraphType, GraphView
from typecheck_nn.engine.diagnose import TypeNamer
from typecheck_nn.engine.ir import Param
from typecheck_nn.engine.typegraph import TypedGraph

# Buffers that the model reads but nobody trains: folded into their op like parameters,
# flagged so the page can grey them; 0-d ones (num_batches_tracked) are not drawn at all.
BUFFER_NAMES = frozenset({"running_mean", "running_var", "num_batches_tracked"})
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
STRUCTURE_CHARS = 400  # a full structure on hover, cut before it swamps the tooltip
SEP = {"sum": " ⊕ ", "prod": " ⊗ "}
_AXIS_LABEL = re.compile(r"^(?P<name>[^@]+)@(?P<where>[^\[]+)\[(?P<axis>\d+)\]$")


def is_buffer(param: Param) -> bool:
    return param.name.rsplit(".", 1)[-1] in BUFFER_NAMES or not param.shape


def _tidy_label(label: str) -> str:
    """`h@rnn.py:12[0]` reads better as `h[0]@rnn.py:12`: the axis belongs to the name."""
    m = _AXIS_LABEL.match(label)
    return f"{m['name']}[{m['axis']}]@{m['where']}" if m else label


def _with_subscript(name: str, k: int) -> str:
    """q@f.py:3 -> q₁@f.py:3 (before the location, so the variable still leads)."""
    sub = str(k).translate(SUBSCRIPTS)
    head, at, tail = name.partition("@")
    return f"{head}{sub}{at}{tail}"


class TypeTable:
    """Short stable names for the solved type classes a graph shows.

    A class is named, in order of preference, by a matrix role (`cod(W)`, from TypeNamer),
    by its structure (`a ⊕ b`), or by the birth label of its earliest variable. Parts of one
    sum born from a tuple assignment (`i, f, o, g = x.chunk(4)`) take one name each; any
    other names that collide are told apart by subscripts, in order of first appearance.
    """

    def __init__(self, namer: TypeNamer):
        self.namer = namer
        uf = namer.sol.solver
        assert uf is not None, "a solved model has its union-find"
        self.uf = uf
        self.origins = namer.origins
        self._first: dict[int, int] = {}  # root -> earliest variable of its class
        for var in range(len(self.origins)):
            self._first.setdefault(self.uf.find(var), var)
        self.roots: list[int] = []  # registered roots, in first-use order
        self._seen: set[int] = set()
        self._names: dict[int, str] | None = None

    # -- registration (first use fixes the order, hence the subscripts) ----------------
    def struct(self, root: int):
        return self.uf.struct[root] if root < len(self.uf.struct) else None

    def add(self, var: int) -> int:
        root = self.uf.find(var)
        if root not in self._seen:
            self._seen.add(root)
            s = self.struct(root)
            if s is not None:
                for part in s[1]:
                    self.add(part)
            self.roots.append(root)
        return root

    # -- naming ------------------------------------------------------------------------
    def _atom_label(self, root: int) -> str:
        named = self.namer.names.get(root)
        if named:
            return named
        var = self._first.get(root, root)
        if var < len(self.origins):
            return _tidy_label(self.origins[var].label)
        return f"t{root}"

    def names(self) -> dict[int, str]:
        if self._names is not None:
            return self._names
        atoms = {r: self._atom_label(r) for r in self.roots if self.struct(r) is None}
        # a tuple assignment's names go to the parts of the sum it unpacks, in order
        for r in self.roots:
            s = self.struct(r)
            if s is None or s[0] != "sum":
                continue
            parts = [self.uf.find(p) for p in s[1]]
            for k, p in enumerate(parts):
                label = atoms.get(p, "")
                head, at, where = label.partition("@")
                unpacked = [n.strip() for n in head.split(",")]
                if at and len(unpacked) == len(parts) and p not in self.namer.names:
                    atoms[p] = f"{unpacked[k]}@{where}"
        by_name: dict[str, list[int]] = defaultdict(list)
        for r in self.roots:
            if r in atoms:
                by_name[atoms[r]].append(r)
        for name, rs in by_name.items():
            if len(rs) > 1:
                for k, r in enumerate(rs, 1):
                    atoms[r] = _with_subscript(name, k)
        names: dict[int, str] = {}

        def name_of(r: int, depth: int) -> str:
            if r in atoms:
                return atoms[r]
            s = self.struct(r)
            if depth >= 2:
                return "(…)"
            inner = SEP[s[0]].join(name_of(self.uf.find(p), depth + 1) for p in s[1])
            return inner if depth == 0 else f"({inner})"

        for r in self.roots:
            names[r] = name_of(r, 0)
        self._names = names
        return names

    def structure(self, root: int) -> str:
        """The whole sum/product tree down to atoms, for hover."""
        names = self.names()
        out: list[str] = []
        budget = [STRUCTURE_CHARS]

        def walk(r: int, top: bool) -> None:
            if budget[0] <= 0:
                return
            s = self.struct(r)
            if s is None:
                text = names.get(r) or self._atom_label(r)
                out.append(text)
                budget[0] -= len(text)
                return
            if not top:
                out.append("(")
            for k, p in enumerate(s[1]):
                if k:
                    out.append(SEP[s[0]])
                walk(self.uf.find(p), False)
            if not top:
                out.append(")")

        walk(root, True)
        text = "".join(out)
        return text if budget[0] > 0 else text + " …"

    def name(self, var: int) -> str:
        root = self.uf.find(var)
        if root not in self.names():  # not registered up front: name it now
            self.add(root)
            self._names = None
        return self.names()[root]

    def axes(self, axes) -> list[str]:
        return [self.name(a) for a in axes]

    def graph_types(self) -> list[GraphType]:
        """One entry per name: two classes with equal structure of the same parts are one type."""
        names = self.names()
        out, seen = [], set()
        for r in self.roots:
            if names[r] in seen:
                continue
            seen.add(names[r])
            s = self.struct(r)
            kind: Literal["atom", "sum", "prod"] = "atom" if s is None else ("sum" if s[0] == "sum" else "prod")
            parts = [] if s is None else [names[self.uf.find(p)] for p in s[1]]
            out.append(GraphType(names[r], self.structure(r), kind, parts))
        return out


def _first_value(val):
    return val[0] if isinstance(val, list) and val else val


def _axes_of(val) -> tuple[int, ...]:
    return tuple(getattr(val, "axes", None) or ())


def _type_text(names: list[str]) -> str:
    return "[" + ", ".join(names) + "]"


def graph_view(tg: TypedGraph, namer: TypeNamer, firmware: set[int], conflicted: set[int]) -> GraphView:
    """The typed graph flattened for renderers.

    Ops carry their output shape and the parameters and buffers they read (`attrs`), as
    Netron draws them; parameter nodes stay in the view for the JSON output, but edges
    from buffers are dropped and 0-d buffers (`num_batches_tracked`) never appear.
    """
    view = GraphView()
    table = TypeTable(namer)
    _register_axes(tg, table)
    node_ids = _add_inputs(view, tg, table)
    _add_params(view, tg, table)
    param_of: dict[str, Param] = {}
    for fx_name, idx in tg.param_nodes.items():
        param_of[fx_name] = tg.params[idx]
    for op in tg.ops:
        view.nodes.append(_op_node(op, tg, table, param_of, firmware, conflicted))
        view.edges.extend(_op_edges(op, tg, table, param_of, node_ids))
    view.types = table.graph_types()
    return view


def _register_axes(tg: TypedGraph, table: TypeTable) -> None:
    """Register every axis first, in graph order: the first use fixes a type's name and
    subscript, so registering up front keeps names stable whatever is drawn later."""
    for name in tg.inputs:
        for a in _axes_of(tg.values.get(name)):
            table.add(a)
    for op in tg.ops:
        for a in _axes_of(_first_value(tg.values.get(op.node))):
            table.add(a)
    for p in tg.params:
        if not is_buffer(p):
            for a in p.axes:
                table.add(a)


def _add_inputs(view: GraphView, tg: TypedGraph, table: TypeTable) -> set[str]:
    """One node per graph input; returns their ids, which edges may start from."""
    node_ids: set[str] = set()
    for name in tg.inputs:
        info = tg.values.get(name)
        axes = table.axes(_axes_of(info))
        view.nodes.append(
            GraphNode(
                id=name,
                op="input",
                kind="input",
                module="",
                type=_type_text(axes) if info is not None else "",
                role="other",
                shape=getattr(info, "shape", None),
                axes=axes,
            )
        )
        node_ids.add(name)
    return node_ids


def _add_params(view: GraphView, tg: TypedGraph, table: TypeTable) -> None:
    """One node per trained parameter (kept for the JSON output; the page folds them)."""
    for p in tg.params:
        if is_buffer(p):
            continue
        module = p.name.rsplit(".", 1)[0] if "." in p.name else ""
        axes = table.axes(p.axes)
        view.nodes.append(
            GraphNode(
                id=f"param:{p.name}",
                op=p.name.rsplit(".", 1)[-1],
                kind="param",
                module=module,
                type=_type_text(axes),
                role="param",
                shape=tuple(p.shape),
                axes=axes,
            )
        )


def _op_node(
    op, tg: TypedGraph, table: TypeTable, param_of: dict[str, Param], firmware: set[int], conflicted: set[int]
) -> GraphNode:
    """An op with its output type and shape, and the parameters and buffers it reads as
    attributes (as Netron folds initializers into their node)."""
    first = _first_value(tg.values.get(op.node))
    axes = table.axes(_axes_of(first))
    attrs = []
    for src in op.inputs:
        read = param_of.get(src)
        if read is not None and read.shape:
            attrs.append(GraphAttr(read.name, tuple(read.shape), table.axes(read.axes), is_buffer(read)))
    return GraphNode(
        id=op.node,
        op=op.target,
        kind="op",
        module=op.module,
        type=_type_text(axes) if first is not None else "",
        role="firmware" if op.id in firmware else "learnware",
        location=op.location,
        conflict=op.id in conflicted,
        shape=getattr(first, "shape", None),
        axes=axes,
        attrs=attrs,
        site=op.site,
    )


def _op_edges(op, tg: TypedGraph, table: TypeTable, param_of: dict[str, Param], node_ids: set[str]) -> list[GraphEdge]:
    """The edges into an op from drawn nodes: inputs, parameters and other ops; edges from
    buffers, and from values the view does not show, are left out."""
    edges: list[GraphEdge] = []
    for src in op.inputs:
        read = param_of.get(src)
        if read is not None:
            if is_buffer(read):
                continue
            src_id = f"param:{read.name}"
        elif src in node_ids or src in tg.node_to_op:
            src_id = src
        else:
            continue
        src_axes = table.axes(_axes_of(_first_value(tg.values.get(src))))
        edges.append(GraphEdge(src_id, op.node, _type_text(src_axes), src_axes))
    return edges
