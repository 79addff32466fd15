"""The graph payload the page's script draws: GraphView flattened to columns.

A 20,000-node graph as a list of objects repeats every key and every type string; as
interned tables plus integer columns it stays a few hundred bytes per node and parses
quickly. Colours are chosen here, once, so the summary's type chips and the graph agree.
"""

from __future__ import annotations

import hashlib

from .model import Diagnostic, GraphView, Location

KINDS = ("input", "param", "op", "output", "const")
ROLES = ("learnware", "firmware", "param", "other")


def type_color(type_name: str) -> str:
    """A stable, readable pastel per type string: same type, same colour, in every report."""
    digest = hashlib.blake2b(type_name.encode("utf-8"), digest_size=4).digest()
    h = int.from_bytes(digest, "big")
    hue = (35 + h % 290) % 360  # red is kept for conflicts, so types never take it
    sat = 55 + (h >> 9) % 25
    light = 72 + (h >> 17) % 12
    return f"hsl({hue},{sat}%,{light}%)"


class _Interner:
    """Maps strings to dense indices in first-seen order."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.items: list[str] = []

    def __call__(self, value: str) -> int:
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


def graph_payload(graph: GraphView, violations: list[Diagnostic]) -> dict:
    """Columnar form of the graph, plus for each violation the nodes on its lines."""
    types, ops, modules, paths = _Interner(), _Interner(), _Interner(), _Interner()
    index_of: dict[str, int] = {}
    cols: dict[str, list] = {k: [] for k in ("ids", "op", "kind", "mod", "type", "role", "locPath", "locLine")}
    conflict: list[int] = []
    nodes_at: dict[tuple[str, int], list[int]] = {}
    modules("")  # the root is always module 0
    for i, node in enumerate(graph.nodes):
        index_of[node.id] = i
        cols["ids"].append(node.id)
        cols["op"].append(ops(node.op))
        cols["kind"].append(KINDS.index(node.kind) if node.kind in KINDS else 2)
        cols["mod"].append(modules(node.module or ""))
        cols["type"].append(types(node.type))
        cols["role"].append(ROLES.index(node.role) if node.role in ROLES else 3)
        loc = node.location
        cols["locPath"].append(paths(loc.path) if loc else -1)
        cols["locLine"].append(loc.line if loc else 0)
        if node.conflict:
            conflict.append(i)
        key = _line_key(loc)
        if key is not None:
            nodes_at.setdefault(key, []).append(i)
    edges: list[int] = []
    for e in graph.edges:
        s, t = index_of.get(e.source), index_of.get(e.target)
        if s is not None and t is not None:
            edges += (s, t, types(e.type))
    per_violation = []
    for diag in violations:
        if diag.nodes:  # the checker named the conflicting operations exactly
            hits = sorted(index_of[n] for n in diag.nodes if n in index_of)
        else:
            hits = sorted({i for key in violation_lines(diag) for i in nodes_at.get(key, ())})
        per_violation.append(hits)
    return {
        **cols,
        "ops": ops.items,
        "modules": modules.items,
        "types": types.items,
        "colors": [type_color(t) for t in types.items],
        "paths": paths.items,
        "kinds": list(KINDS),
        "roles": list(ROLES),
        "conflict": conflict,
        "edges": edges,
        "violations": per_violation,
    }
