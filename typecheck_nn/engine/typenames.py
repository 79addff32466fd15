"""Type names: the one place a solved type gets the name every output shows.

A type is a class of type variables the solver unified, and it is named once per class,
never per variable, in order of preference: by the parameter it belongs to (a matrix role,
`cod(W)` / `dom(W)`, as the first use of W as a matrix declared its output and contracted
axes; else the parameter's raw axis, `W.weight[1]`), by its structure (`a ⊕ b`, `a ⊗ b` of
its named parts), or by the birth label of its earliest variable (`h[0]@rnn.py:12`), with
subscripts where two classes would read the same.

Diagnostics word a conflict in the roles of the matrix it is about (`role_name`, with
`matrix_roles` telling which variable is the output); the graph view, and through it the
HTML report, the JSON graph and the editor's hover, names every axis with `TypeTable`,
which builds its role names with the same `role_name`. Both spell a role alike; they can
still show different names for one class, on purpose: a class can carry several roles
(in `V(W x)` W's output is V's input), and the graph names it by its first one, while a
violation about V says `dom(V)` / `cod(V)` (after a conflict the two are one class, which
the graph may call `cod(W)`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Literal

from typecheck_nn.core.model import GraphType
from typecheck_nn.engine.ir import Param
from typecheck_nn.engine.solve import Solution, UnionFind
from typecheck_nn.engine.typegraph import TypedGraph

SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
STRUCTURE_CHARS = 400  # a full structure on hover, cut before it swamps the tooltip
SEP = {"sum": " ⊕ ", "prod": " ⊗ "}
_AXIS_LABEL = re.compile(r"^(?P<name>[^@]+)@(?P<where>[^\[]+)\[(?P<axis>\d+)\]$")


def matrix_roles(tg: TypedGraph) -> dict[tuple[int, int], str]:
    """(param, type variable) -> "cod" or "dom", as the first use of the parameter as a
    matrix declared it (the variable is the learned operand's output or contracted axis)."""
    roles: dict[tuple[int, int], str] = {}
    for key, (out_var, in_var) in tg.constraints.orientation.items():
        roles.setdefault((key[0], out_var), "cod")
        roles.setdefault((key[0], in_var), "dom")
    return roles


def role_name(role: str, param: Param) -> str:
    """`cod(cell.V)` / `dom(cell.V)`: a matrix's output or input type, named by its module."""
    return f"{role}({param.short_name})"


def _param_names(tg: TypedGraph, uf: UnionFind) -> dict[int, str]:
    """Solved class (root) -> the name its parameter gives it: a matrix role names a class
    better than a parameter's raw axis, and the first use's role wins."""
    names: dict[int, str] = {}
    for (p, var), role in matrix_roles(tg).items():
        names.setdefault(uf.find(var), role_name(role, tg.params[p]))
    for param in tg.params:
        for i, var in enumerate(param.axes):
            names.setdefault(uf.find(var), f"{param.name}[{i}]")
    return names


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

    A class is named, in order of preference, by its parameter (a matrix role `cod(W)`,
    else a raw axis `W.weight[1]`: `_param_names`), by its structure (`a ⊕ b`), or by the
    birth label of its earliest variable. Parts of one sum born from a tuple assignment
    (`i, f, o, g = x.chunk(4)`) take one name each; any other names that collide are told
    apart by subscripts, in order of first appearance.
    """

    def __init__(self, tg: TypedGraph, sol: Solution):
        uf = sol.solver
        assert uf is not None, "a solved model has its union-find"
        self.uf = uf
        self.origins = tg.constraints.origins
        self.param_names = _param_names(tg, uf)  # root -> its parameter's name, preferred
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
        named = self.param_names.get(root)
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
                if at and len(unpacked) == len(parts) and p not in self.param_names:
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
