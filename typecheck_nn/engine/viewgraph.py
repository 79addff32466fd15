"""The typed graph as renderers see it: the GraphView the HTML report (and JSON) draw from.

Kept apart from diagnostics so that the view can grow (shapes, folded parameters, named
types, recurrence sites) without touching the code that explains conflicts.

Types are named once per solved class, not per type variable, by engine.typenames'
TypeTable: every axis that the solver unified gets one short stable name (`cod(W_hh)`,
`h[0]@rnn.py:12`), so the graph and its legend agree, and the violation cards spell matrix
roles as the graph does (both through typenames.role_name). Sums and products are written
`a ⊕ b` / `a ⊗ b` of their named parts, with the whole structure kept for hover.
"""

from __future__ import annotations

from typecheck_nn.core.model import GraphAttr, GraphEdge, GraphNode, GraphView
from typecheck_nn.engine.ir import Param
from typecheck_nn.engine.solve import Solution
from typecheck_nn.engine.typegraph import TypedGraph
from typecheck_nn.engine.typenames import TypeTable

# Buffers that the model reads but nobody trains: folded into their op like parameters,
# flagged so the page can grey them; 0-d ones (num_batches_tracked) are not drawn at all.
BUFFER_NAMES = frozenset({"running_mean", "running_var", "num_batches_tracked"})


def is_buffer(param: Param) -> bool:
    return param.name.rsplit(".", 1)[-1] in BUFFER_NAMES or not param.shape


def _first_value(val):
    return val[0] if isinstance(val, list) and val else val


def _axes_of(val) -> tuple[int, ...]:
    return tuple(getattr(val, "axes", None) or ())


def _type_text(names: list[str]) -> str:
    return "[" + ", ".join(names) + "]"


def graph_view(tg: TypedGraph, sol: Solution, firmware: set[int], conflicted: set[int]) -> GraphView:
    """The typed graph flattened for renderers.

    Ops carry their output shape and the parameters and buffers they read (`attrs`), as
    Netron draws them; parameter nodes stay in the view for the JSON output, but edges
    from buffers are dropped and 0-d buffers (`num_batches_tracked`) never appear.
    """
    view = GraphView()
    table = TypeTable(tg, sol)
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
