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
    payload = _Payload(graph)
    drawn = [n for n in graph.nodes if n.kind != "param"]
    frequency = Counter(a for n in drawn for a in node_axes(n))
    for i, node in enumerate(drawn):
        payload.add_node(i, node, frequency)
    payload.add_edges(graph)
    return payload.as_dict([payload.violation_nodes(diag) for diag in violations])


class _Payload:
    """The interned tables and columns of one graph, filled node by node.

    Each table interns in first-seen order, so nodes, then edges, are added in the view's
    order: the same graph gives the same payload, byte for byte.
    """

    COLUMNS = ("ids", "op", "kind", "mod", "vt", "kt", "role", "locPath", "locLine", "shape", "site")

    def __init__(self, graph: GraphView) -> None:
        self.types, self.vtypes, self.ops, self.modules, self.paths, self.shapes, self.sites = (
            _Interner() for _ in range(7)
        )
        self.structure = {t.name: t.structure for t in graph.types}
        for t in graph.types:  # the view's order: names in first-use order, parts before wholes
            self.types(t.name)
        self.index_of: dict[str, int] = {}
        self.cols: dict[str, list] = {k: [] for k in self.COLUMNS}
        self.conflict: list[int] = []
        self.nodes_at: dict[tuple[str, int], list[int]] = {}
        self.attrs: list[list] = []
        self.edges: list[int] = []
        self.modules("")  # the root is always module 0

    def vtype(self, axes: list[str]) -> int:
        return self.vtypes(tuple(self.types(a) for a in axes))

    def add_node(self, i: int, node: GraphNode, frequency: Counter) -> None:
        """Node `i`'s columns, its attributes, and the source line it sits on."""
        self.index_of[node.id] = i
        axes = node_axes(node)
        key = key_type(axes, frequency)
        cols = self.cols
        cols["ids"].append(node.id)
        cols["op"].append(self.ops(node.op))
        cols["kind"].append(KINDS.index(node.kind) if node.kind in KINDS else 2)
        cols["mod"].append(self.modules(node.module or ""))
        cols["vt"].append(self.vtype(axes))
        cols["kt"].append(-1 if key is None else self.types(key))
        cols["role"].append(ROLES.index(node.role) if node.role in ROLES else 3)
        loc = node.location
        cols["locPath"].append(self.paths(loc.path) if loc else -1)
        cols["locLine"].append(loc.line if loc else 0)
        cols["shape"].append(self.shapes(shape_text(node.shape)))
        cols["site"].append(self.sites(node.site) if node.site else -1)
        for a in node.attrs:
            self.attrs.append([i, a.name, shape_text(a.shape), self.vtype(a.axes), 1 if a.buffer else 0])
        if node.conflict:
            self.conflict.append(i)
        line = _line_key(loc)
        if line is not None:
            self.nodes_at.setdefault(line, []).append(i)

    def add_edges(self, graph: GraphView) -> None:
        """Edges between drawn nodes as (source, target, value type) triples."""
        for edge in graph.edges:
            src, dst = self.index_of.get(edge.source), self.index_of.get(edge.target)
            if src is not None and dst is not None:
                axes = list(edge.axes) if edge.axes else ([edge.type] if edge.type else [])
                self.edges += (src, dst, self.vtype(axes))

    def violation_nodes(self, diag: Diagnostic) -> list[int]:
        """The nodes a violation names, or failing that the nodes on the lines it blames."""
        if diag.nodes:  # the checker named the conflicting operations exactly
            return sorted(self.index_of[n] for n in diag.nodes if n in self.index_of)
        return sorted({i for line in violation_lines(diag) for i in self.nodes_at.get(line, ())})

    def as_dict(self, per_violation: list[list[int]]) -> dict:
        types = self.types.items
        return {
            **self.cols,
            "ops": self.ops.items,
            "modules": self.modules.items,
            "types": types,
            "typeFull": [self.structure.get(t, t) for t in types],
            "colors": [type_color(t) for t in types],
            "vtypes": [list(v) for v in self.vtypes.items],
            "shapes": self.shapes.items,
            "sites": len(self.sites.items),
            "paths": self.paths.items,
            "kinds": list(KINDS),
            "roles": list(ROLES),
            "attrs": self.attrs,
            "conflict": self.conflict,
            "edges": self.edges,
            "violations": per_violation,
        }
