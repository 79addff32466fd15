"""The graph payload the page's script draws: GraphView flattened to columns.

A 20,000-node graph as a list of objects repeats every key and every type string; as
interned tables plus integer columns it stays a few hundred bytes per node and parses
quickly. Colours are chosen here, once, so the violation cards' type chips, the legend
and the graph agree: a colour belongs to an axis type's short name.

Parameter nodes are not drawn: each op lists the parameters and buffers it reads as
attributes (name, shape, type), the way Netron folds initializers into their node.
"""

from __future__ import annotations

import hashlib
from collections import Counter

from typecheck_nn.core.model import Diagnostic, GraphNode, GraphView, Location

KINDS = ("input", "param", "op", "output", "const")
ROLES = ("learnware", "firmware", "param", "other")
MATRIX_PREFIXES = ("cod(", "dom(")


def type_color(type_name: str) -> str:
    """A stable, readable pastel per type name: same type, same colour, in every report."""
    digest = hashlib.blake2b(type_name.encode("utf-8"), digest_size=4).digest()
    h = int.from_bytes(digest, "big")
    hue = (35 + h % 290) % 360  # red is kept for conflicts, so types never take it
    sat = 55 + (h >> 9) % 25
    light = 72 + (h >> 17) % 12
    return f"hsl({hue},{sat}%,{light}%)"


def shape_text(shape) -> str:
    """(2, 16, 32) -> 2×16×32; a scalar is `scalar`; unknown sizes (-1) are `?`."""
    if shape is None:
        return ""
    if not shape:
        return "scalar"
    return "×".join("?" if s < 0 else str(s) for s in shape)


class _Interner:
    """Maps hashable values to dense indices in first-seen order."""

    def __init__(self) -> None:
        self.index: dict = {}
        self.items: list = []

    def __call__(self, value) -> int:
        i = self.index.get(value)
        if i is None:
            i = self.index[value] = len(self.items)
            self.items.append(value)
        return i


def _line_key(loc: Location | None) -> tuple[str, int] | None:
    return None if loc is None else (loc.path, loc.line)


def violation_lines(diag: Diagnostic) -> set[tuple[str, int]]:
    """The (path, line) pairs a violation blames: its own span and every related op."""
    keys = {_line_key(diag.location)} | {_line_key(r.location) for r in diag.related}
    keys.discard(None)
    return keys  # type: ignore[return-value]


def node_axes(node: GraphNode) -> list[str]:
    """Axis type names; a hand-built node with only a type string counts as one type."""
    if node.axes:
        return list(node.axes)
    return [node.type] if node.type else []


def key_type(axes: list[str], frequency: Counter) -> str | None:
    """The axis that says most about a value, for its colour: a matrix role or a sum/product
    if there is one (the last), else the rarest axis type (batch axes are everywhere)."""
    if not axes:
        return None
    telling = [a for a in axes if a.startswith(MATRIX_PREFIXES) or "⊕" in a or "⊗" in a]
    if telling:
        return telling[-1]
    return min(reversed(axes), key=lambda a: frequency[a])


def graph_payload(graph: GraphView, violations: list[Diagnostic]) -> dict:
    """Columnar form of the graph, plus for each violation the nodes on its lines."""
    types, vtypes, ops, modules, paths, shapes, sites = (_Interner() for _ in range(7))
    structure = {t.name: t.structure for t in graph.types}
    for t in graph.types:  # the view's order: names in first-use order, parts before wholes
        types(t.name)
    index_of: dict[str, int] = {}
    cols: dict[str, list] = {
        k: [] for k in ("ids", "op", "kind", "mod", "vt", "kt", "role", "locPath", "locLine", "shape", "site")
    }
    conflict: list[int] = []
    nodes_at: dict[tuple[str, int], list[int]] = {}
    attrs: list[list] = []
    modules("")  # the root is always module 0
    drawn = [n for n in graph.nodes if n.kind != "param"]
    frequency = Counter(a for n in drawn for a in node_axes(n))

    def vtype(axes: list[str]) -> int:
        return vtypes(tuple(types(a) for a in axes))

    for i, node in enumerate(drawn):
        index_of[node.id] = i
        axes = node_axes(node)
        key = key_type(axes, frequency)
        cols["ids"].append(node.id)
        cols["op"].append(ops(node.op))
        cols["kind"].append(KINDS.index(node.kind) if node.kind in KINDS else 2)
        cols["mod"].append(modules(node.module or ""))
        cols["vt"].append(vtype(axes))
        cols["kt"].append(-1 if key is None else types(key))
        cols["role"].append(ROLES.index(node.role) if node.role in ROLES else 3)
        loc = node.location
        cols["locPath"].append(paths(loc.path) if loc else -1)
        cols["locLine"].append(loc.line if loc else 0)
        cols["shape"].append(shapes(shape_text(node.shape)))
        cols["site"].append(sites(node.site) if node.site else -1)
        for a in node.attrs:
            attrs.append([i, a.name, shape_text(a.shape), vtype(a.axes), 1 if a.buffer else 0])
        if node.conflict:
            conflict.append(i)
        line = _line_key(loc)
        if line is not None:
            nodes_at.setdefault(line, []).append(i)
    edges: list[int] = []
    for edge in graph.edges:
        src, dst = index_of.get(edge.source), index_of.get(edge.target)
        if src is not None and dst is not None:
            edges += (src, dst, vtype(list(edge.axes) if edge.axes else ([edge.type] if edge.type else [])))
    per_violation = []
    for diag in violations:
        if diag.nodes:  # the checker named the conflicting operations exactly
            hits = sorted(index_of[n] for n in diag.nodes if n in index_of)
        else:
            hits = sorted({i for line in violation_lines(diag) for i in nodes_at.get(line, ())})
        per_violation.append(hits)
    return {
        **cols,
        "ops": ops.items,
        "modules": modules.items,
        "types": types.items,
        "typeFull": [structure.get(t, t) for t in types.items],
        "colors": [type_color(t) for t in types.items],
        "vtypes": [list(v) for v in vtypes.items],
        "shapes": shapes.items,
        "sites": len(sites.items),
        "paths": paths.items,
        "kinds": list(KINDS),
        "roles": list(ROLES),
        "attrs": attrs,
        "conflict": conflict,
        "edges": edges,
        "violations": per_violation,
    }
