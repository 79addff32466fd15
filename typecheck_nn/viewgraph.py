"""The typed graph as renderers see it: the GraphView the HTML report (and JSON) draw from.

Kept apart from diagnostics so that the view can grow (shapes, folded parameters, recurrence
folding) without touching the code that explains conflicts.
"""

from __future__ import annotations

from .diagnostics import TypeNamer
from .report.model import GraphEdge, GraphNode, GraphView
from .typegraph import TypedGraph


def graph_view(tg: TypedGraph, namer: TypeNamer, firmware: set[int], conflicted: set[int]) -> GraphView:
    """The typed graph flattened for renderers: ops, parameters and inputs with type labels."""
    view = GraphView()
    node_ids: dict[str, str] = {}
    for name, info in ((n, tg.values.get(n)) for n in tg.inputs):
        view.nodes.append(
            GraphNode(id=name, op="input", kind="input", module="", type=namer.value_type(info), role="other")
        )
        node_ids[name] = name
    for p in tg.params:
        pid = f"param:{p.name}"
        module = p.name.rsplit(".", 1)[0] if "." in p.name else ""
        view.nodes.append(
            GraphNode(
                id=pid,
                op=p.name.rsplit(".", 1)[-1],
                kind="param",
                module=module,
                type="[" + ", ".join(namer.name(a) for a in p.axes) + "]",
                role="param",
            )
        )
    param_node = {}
    for fx_name, info in tg.values.items():
        if getattr(info, "param", None) is not None and fx_name not in tg.node_to_op:
            param_node[fx_name] = f"param:{tg.params[info.param].name}"
    for op in tg.ops:
        val = tg.values.get(op.node)
        first = val[0] if isinstance(val, list) and val else val
        view.nodes.append(
            GraphNode(
                id=op.node,
                op=op.target,
                kind="op",
                module=op.module,
                type=namer.value_type(first),
                role="firmware" if op.id in firmware else "learnware",
                location=op.location,
                conflict=op.id in conflicted,
            )
        )
        for src in op.inputs:
            src_id = param_node.get(src) or (src if src in node_ids or src in tg.node_to_op else None)
            if src_id is None:
                continue
            src_val = tg.values.get(src)
            src_first = src_val[0] if isinstance(src_val, list) and src_val else src_val
            view.edges.append(GraphEdge(src_id, op.node, namer.value_type(src_first)))
    return view
