"""Union-find over axis type variables, with direct sums, products and undo.

Why this shape:
- Equalities are the bulk of the constraints, so they go through union-find
  (union by rank, no path compression, so every change can be undone cheaply).
- The only source of a type error is a learned matrix: its output axes must not share
  an atom with the axes it contracts. Each such axis carries a tag (param, axis); a
  class that ends up holding two tags of one parameter that were declared distinct is a
  conflict. Detecting it on merge keeps the check incremental, which is what lets the
  gate-orientation search backtrack cheaply on long unrolls.
- Direct sums (concat/chunk) and products (reshape) are structures attached to a class;
  unifying two structured classes unifies their parts, aligning boundaries by size.
- The choice search (elementwise products whose orientation is not fixed by a gate) is
  a depth-first search with undo: complete, so a violation is reported only when no
  orientation is consistent; it tries first what the same source site chose before,
  which makes unrolled loops linear in practice.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from typecheck_nn.engine.ir import Choice, Constraints, Eq, Structure

Tag = tuple[int, int]  # (param index, axis index)


@dataclass(frozen=True)
class Conflict:
    """The output and contracted axes `var_a`, `var_b` of a learned matrix (named after
    `param`) share an atom; `reason` is the op id of the equality that closed the loop."""

    param: int
    var_a: int
    var_b: int
    reason: int


class ClashKind(enum.Enum):
    STRUCTURE = "structure"  # two splittings of an axis that do not align
    SIZE = "size"  # two axes of different lengths were to be identified
    CYCLE = "cycle"  # a direct sum or product would contain itself


@dataclass(frozen=True)
class StructureClash:
    """Two types the rules asked to identify that cannot be one type; kept apart, which
    can hide a violation but never invent one (reported as a note)."""

    var_a: int
    var_b: int
    reason: int
    kind: ClashKind = ClashKind.STRUCTURE


@dataclass
class Solution:
    conflicts: list[Conflict]
    clashes: list[StructureClash]
    chosen: dict[int, int]  # choice index -> alternative taken
    applied: list[Eq]  # every equality in force, with implied ones (for explanations)
    struct_edges: list[tuple[int, int, int]]  # (holder var, part var, op id)
    solver: UnionFind = field(repr=False)  # the final state, for explanations and naming
    search_steps: int = 0
    search_exhausted: bool = False
    limited: str = ""  # why solving stopped early (the work bound), else ""


class SolverLimit(Exception):
    """The solver's work bound was reached; the verdict is then incomplete."""


class UnionFind:
    """Undoable union-find with structures and distinctness tags."""

    def __init__(self, sizes: list[int | None], distinct: dict[int, set[frozenset[int]]], max_work: int = 5_000_000):
        n = len(sizes)
        self.parent = list(range(n))
        self.rank = [0] * n
        self.size = list(sizes)
        self.struct: list[tuple[str, tuple[int, ...]] | None] = [None] * n
        self.tags: list[frozenset[Tag]] = [frozenset()] * n
        self.distinct = distinct
        self.trail: list[tuple] = []
        self.conflicts: list[Conflict] = []
        self.conflict_keys: set[tuple[int, int, int]] = set()
        self.clashes: list[StructureClash] = []
        self.applied: list[Eq] = []
        self.struct_edges: list[tuple[int, int, int]] = []
        self.work = 0  # unification steps taken: bounded, so that no model can hang the solver
        self.max_work = max_work

    # -- growth -----------------------------------------------------------------
    def new_var(self, size: int | None) -> int:
        self.parent.append(len(self.parent))
        self.rank.append(0)
        self.size.append(size)
        self.struct.append(None)
        self.tags.append(frozenset())
        self.trail.append(("newvar",))
        return len(self.parent) - 1

    # -- undo ---------------------------------------------------------------------
    def mark(self) -> int:
        return len(self.trail)

    def undo(self, mark: int) -> None:
        trail = self.trail
        while len(trail) > mark:
            entry = trail.pop()
            kind = entry[0]
            if kind == "parent":
                _, child, rank_root, old_rank = entry
                self.parent[child] = child
                self.rank[rank_root] = old_rank
            elif kind == "struct":
                self.struct[entry[1]] = entry[2]
            elif kind == "tags":
                self.tags[entry[1]] = entry[2]
            elif kind == "conflict":
                c = self.conflicts.pop()
                self.conflict_keys.discard((c.param, min(c.var_a, c.var_b), max(c.var_a, c.var_b)))
            elif kind == "clash":
                self.clashes.pop()
            elif kind == "applied":
                self.applied.pop()
            elif kind == "sedge":
                self.struct_edges.pop()
            elif kind == "size":
                self.size[entry[1]] = entry[2]
            elif kind == "newvar":
                self.parent.pop()
                self.rank.pop()
                self.size.pop()
                self.struct.pop()
                self.tags.pop()

    # -- queries ------------------------------------------------------------------
    def find(self, v: int) -> int:
        parent = self.parent
        while parent[v] != v:
            v = parent[v]
        return v

    def atoms(self, v: int) -> set[int]:
        out: set[int] = set()
        stack = [v]
        while stack:
            r = self.find(stack.pop())
            s = self.struct[r]
            if s is None:
                out.add(r)
            else:
                stack.extend(s[1])
        return out

    # -- mutation -----------------------------------------------------------------
    def _set_struct(self, r: int, s) -> None:
        self.trail.append(("struct", r, self.struct[r]))
        self.struct[r] = s

    def _set_tags(self, r: int, tags: frozenset[Tag]) -> None:
        self.trail.append(("tags", r, self.tags[r]))
        self.tags[r] = tags

    def _check_tags(self, tags: frozenset[Tag], reason: int) -> None:
        if len(tags) < 2:
            return
        by_param: dict[int, list[int]] = {}
        for p, axis in tags:
            by_param.setdefault(p, []).append(axis)
        for p, axes in by_param.items():
            if len(axes) < 2:
                continue
            pairs = self.distinct.get(p, ())
            for i in range(len(axes)):
                for j in range(i + 1, len(axes)):
                    a, b = sorted((axes[i], axes[j]))
                    if frozenset((a, b)) in pairs and (p, a, b) not in self.conflict_keys:
                        self.conflict_keys.add((p, a, b))
                        self.conflicts.append(Conflict(p, a, b, reason))
                        self.trail.append(("conflict",))

    def add_tags(self, v: int, tags: frozenset[Tag], reason: int) -> None:
        stack = [v]
        while stack:
            r = self.find(stack.pop())
            s = self.struct[r]
            if s is not None:
                stack.extend(s[1])
                continue
            merged = self.tags[r] | tags
            if merged != self.tags[r]:
                self._set_tags(r, merged)
                self._check_tags(merged, reason)

    def attach(self, holder: int, kind: str, parts: tuple[int, ...], reason: int) -> None:
        """Declare holder = kind(parts): refine holder's class or unify with its structure."""
        for p in parts:
            self.struct_edges.append((holder, p, reason))
            self.trail.append(("sedge",))
        fresh = self.new_var(self.size[holder])
        self._set_struct(fresh, (kind, parts))
        self.unify(holder, fresh, reason, record=False)

    def unify(self, a: int, b: int, reason: int, record: bool = True) -> None:
        if record:
            self.applied.append(Eq(a, b, reason))
            self.trail.append(("applied",))
        work = [(a, b)]
        while work:
            x, y = work.pop()
            rx, ry = self.find(x), self.find(y)
            if rx == ry:
                continue
            self.work += 1
            if self.work > self.max_work:
                raise SolverLimit(f"more than {self.max_work:,} unification steps")
            size_x, size_y = self.size[rx], self.size[ry]
            if size_x is not None and size_y is not None and size_x >= 0 and size_y >= 0 and size_x != size_y:
                self._clash(x, y, reason, ClashKind.SIZE)  # different lengths are never one type
                continue
            sx, sy = self.struct[rx], self.struct[ry]
            if (sx is not None and self._contains(sx, ry)) or (sy is not None and self._contains(sy, rx)):
                self._clash(x, y, reason, ClashKind.CYCLE)  # occurs check: a sum would contain itself
                continue
            if x != a or y != b:  # implied by structure: keep it for explanations
                self.applied.append(Eq(x, y, reason))
                self.trail.append(("applied",))
            if self.rank[rx] < self.rank[ry]:
                rx, ry = ry, rx
                sx, sy = sy, sx
            tx, ty = self.tags[rx], self.tags[ry]
            self.trail.append(("parent", ry, rx, self.rank[rx]))
            self.parent[ry] = rx
            if self.rank[rx] == self.rank[ry]:
                self.rank[rx] += 1
            old_size = self.size[rx]
            if old_size is None or old_size < 0:
                self.trail.append(("size", rx, old_size))
                self.size[rx] = self.size[ry]
            if sx is None and sy is not None:
                self._set_struct(rx, sy)
            if sx is not None and sy is not None:
                pairs = self._align(sx, sy, reason)
                if pairs is None:
                    self._clash(x, y, reason, ClashKind.STRUCTURE)
                else:
                    work.extend(pairs)
            tags = tx | ty
            if self.struct[rx] is not None:
                merged = self.struct[rx]
                if tags and merged is not None:
                    if tx:
                        self._set_tags(rx, frozenset())
                    for part in merged[1]:
                        self.add_tags(part, tags, reason)
            elif tags != tx:
                self._set_tags(rx, tags)
                self._check_tags(tags, reason)

    def _clash(self, x: int, y: int, reason: int, kind: ClashKind) -> None:
        self.clashes.append(StructureClash(x, y, reason, kind))
        self.trail.append(("clash",))

    def _contains(self, struct, target: int) -> bool:
        """Whether `target`'s class occurs anywhere inside a structure (the occurs check)."""
        seen: set[int] = set()
        stack = list(struct[1])
        while stack:
            r = self.find(stack.pop())
            if r == target:
                return True
            if r in seen:
                continue
            seen.add(r)
            s = self.struct[r]
            if s is not None:
                stack.extend(s[1])
        return False

    def _align(self, sx, sy, reason: int) -> list[tuple[int, int]] | None:
        kx, px = sx
        ky, py = sy
        if kx != ky:
            return None
        if len(px) == len(py) and all(self.size[self.find(a)] == self.size[self.find(b)] for a, b in zip(px, py)):
            return list(zip(px, py))
        return self._align_by_size(kx, list(px), list(py), reason)

    def _flatten(self, kind: str, parts: list[int]) -> list[int]:
        out: list[int] = []
        stack = list(reversed(parts))
        seen: set[int] = set()
        while stack:
            v = stack.pop()
            r = self.find(v)
            s = self.struct[r]
            if s is not None and s[0] == kind and r not in seen:
                seen.add(r)
                stack.extend(reversed(s[1]))
            else:
                out.append(v)
        return out

    def _align_by_size(self, kind: str, px: list[int], py: list[int], reason: int):
        """Common refinement of two sums (or products) cut at different places.

        Both sides are flattened to their finest parts; a part that spans a boundary of
        the other side is refined into fresh parts when it is still unrefined (a part
        already structured the other way cannot be cut, and the caller reports a clash).
        """
        fx, fy = self._flatten(kind, px), self._flatten(kind, py)
        bx, by = self._bounds(kind, fx), self._bounds(kind, fy)
        if bx is None or by is None or bx[-1] != by[-1]:
            return None
        cuts = sorted(set(bx) | set(by))
        rx, ry = self._refine(kind, fx, cuts, reason), self._refine(kind, fy, cuts, reason)
        if rx is None or ry is None or len(rx) != len(ry):
            return None
        return list(zip(rx, ry))

    def _bounds(self, kind: str, flat: list[int]) -> list[int] | None:
        pos = 0 if kind == "sum" else 1
        out = []
        for v in flat:
            size = self.size[self.find(v)]
            if size is None or size <= 0:
                return None
            pos = pos + size if kind == "sum" else pos * size
            out.append(pos)
        return out

    def _refine(self, kind: str, flat: list[int], cuts: list[int], reason: int) -> list[int] | None:
        pos = 0 if kind == "sum" else 1
        out: list[int] = []
        for v in flat:
            size = self.size[self.find(v)]
            if size is None:
                return None
            end = pos + size if kind == "sum" else pos * size
            inner = [c for c in cuts if pos < c < end]
            if not inner:
                out.append(v)
                pos = end
                continue
            r = self.find(v)
            if self.struct[r] is not None:
                return None
            marks = [pos] + inner + [end]
            if kind == "sum":
                sizes = [b - a for a, b in zip(marks, marks[1:])]
            else:
                if any(b % a for a, b in zip(marks, marks[1:])):
                    return None
                sizes = [b // a for a, b in zip(marks, marks[1:])]
            parts = tuple(self.new_var(n) for n in sizes)
            self._set_struct(r, (kind, parts))
            for part in parts:
                self.struct_edges.append((v, part, reason))
                self.trail.append(("sedge",))
            tags = self.tags[r]
            if tags:
                self._set_tags(r, frozenset())
                for part in parts:
                    self.add_tags(part, tags, reason)
            out.extend(parts)
            pos = end
        return out


def solve(constraints: Constraints, max_search_steps: int = 200_000, max_work: int = 5_000_000) -> Solution:
    """Hard constraints first (their conflicts are definite), then the choice search.

    Every part is bounded: the search by its step budget, unification by `max_work`
    steps. Past the bound the solution is what was reached, marked `limited`, and the
    verdict built on it is incomplete rather than clean."""
    uf = UnionFind(list(constraints.sizes), constraints.distinct_pairs(), max_work)
    limited = ""
    try:
        _load(uf, constraints)
        hard_only = None
        if constraints.choices:
            hard_only = UnionFind(list(constraints.sizes), constraints.distinct_pairs(), max_work)
            _load(hard_only, constraints)
        chosen, steps, exhausted = _search(uf, hard_only, constraints.choices, max_search_steps)
    except SolverLimit as exc:
        limited, chosen, steps, exhausted = str(exc), {}, 0, False
    return Solution(
        conflicts=[c for c in uf.conflicts if _genuine(uf, constraints, c)],
        clashes=list(uf.clashes),
        chosen=chosen,
        applied=list(uf.applied),
        struct_edges=list(uf.struct_edges),
        search_steps=steps,
        search_exhausted=exhausted,
        solver=uf,
        limited=limited,
    )


def hard_classes(constraints: Constraints, max_work: int = 5_000_000) -> UnionFind | None:
    """The axis classes that the choice-free constraints alone imply (None past the
    work bound). Why: a pass that must ask "is this axis already that axis?" before the
    search (the step-cell pass does) reads it here instead of solving twice."""
    uf = UnionFind(list(constraints.sizes), constraints.distinct_pairs(), max_work)
    try:
        _load(uf, constraints)
    except SolverLimit:
        return None
    return uf


def canonical(uf: UnionFind, v: int, depth: int = 0) -> tuple:
    """A solved type as a structure: ("atom", root), or ("sum"|"prod", parts) with nested
    sums (or products) flattened, so that equal structures compare equal."""
    r = uf.find(v)
    s = uf.struct[r]
    if s is None or depth > 64:
        return ("atom", r)
    kind, parts = s
    return (kind, tuple(canonical(uf, p, depth + 1) for p in uf._flatten(kind, list(parts))))


def maps_type_into_itself(uf: UnionFind, out_var: int, in_var: int) -> bool:
    """Whether a matrix with these output and contracted axes maps a type to itself.

    It does when a direct-sum part of its input reappears in its output: as a whole part
    (W: T -> T; the concatenated LSTM's W: x ⊕ h -> h), or as a product factor of an output
    part (SRU's W: d -> d ⊗ 3 gates laid out together: each gate's slice maps d to d).
    An atom that is only a product factor of the *contracted* axis may appear in the
    output: a gate per head computed from (heads ⊗ dh) features maps no type to itself.
    Conflicts are found on atoms while solving (incrementally, for the search) and kept
    only when this holds."""

    def summands(v: int) -> set:
        c = canonical(uf, v)
        return set(c[1]) if c[0] == "sum" else {c}

    inputs = summands(in_var)
    outputs = summands(out_var)
    factors = {f for part in outputs if part[0] == "prod" for f in part[1]}
    return bool(inputs & (outputs | factors))


def _genuine(uf: UnionFind, constraints: Constraints, c: Conflict) -> bool:
    out_var, in_var = constraints.orientation.get(
        (c.param, min(c.var_a, c.var_b), max(c.var_a, c.var_b)), (c.var_a, c.var_b)
    )
    return maps_type_into_itself(uf, out_var, in_var)


def _load(uf: UnionFind, constraints: Constraints) -> None:
    """Every constraint that involves no choice."""
    for tag_var, tag in constraints.tags:
        uf.add_tags(tag_var, frozenset([tag]), -1)
    for item in constraints.program:
        if isinstance(item, Structure):
            uf.attach(item.holder, item.kind, item.parts, item.reason)
        else:
            uf.unify(item.a, item.b, item.reason)


def _unavoidable(hard_only: UnionFind | None, choice: Choice) -> bool:
    """Every alternative conflicts even with no other choice made: no backtracking can help
    (constraints only ever add), so the search records the conflict and moves on."""
    if hard_only is None:
        return False
    for alt in choice.alternatives:
        mark, before = hard_only.mark(), len(hard_only.conflicts)
        _apply_alternative(hard_only, alt)
        clean = len(hard_only.conflicts) == before
        hard_only.undo(mark)
        if clean:
            return False
    return True


def _apply_alternative(uf: UnionFind, alt: tuple[Eq, ...]) -> None:
    for eq in alt:
        uf.unify(eq.a, eq.b, eq.reason)


def _search(uf: UnionFind, hard_only: UnionFind | None, choices: list[Choice], budget: int):
    """Depth-first search over orientations; returns the first consistent assignment.

    Value ordering follows the same site's previous choice, so an unrolled loop is
    solved in one pass. A choice that conflicts whichever way it goes, with no other
    choice made, is unavoidable: it is committed greedily instead of backtracked over.
    When the budget runs out, a greedy pass takes at each choice the alternative adding
    the fewest conflicts, and the caller says the verdict may be pessimistic.
    """
    if not choices:
        return {}, 0, False
    return _Search(uf, hard_only, choices, budget).run()


class _Search:
    """The state of one depth-first search, so that each of its moves (try a choice,
    commit an unavoidable one, backtrack) reads as one method over shared state."""

    def __init__(self, uf: UnionFind, hard_only: UnionFind | None, choices: list[Choice], budget: int):
        self.uf, self.hard_only, self.choices, self.budget = uf, hard_only, choices, budget
        self.base = len(uf.conflicts)  # conflicts accepted so far (unavoidable ones)
        self.start_mark = uf.mark()
        self.preferred: dict[str, int] = {}
        self.chosen: dict[int, int] = {}
        # (choice, mark before it, alternatives left, conflicts accepted before it)
        self.stack: list[tuple[int, int, list[int], int]] = []
        self.steps = 0

    def run(self):
        uf, choices = self.uf, self.choices
        i, n = 0, len(choices)
        while i < n:
            if self.steps >= self.budget:
                uf.undo(self.start_mark)
                return _greedy(uf, choices), self.steps, True
            ch = choices[i]
            first = self.preferred.get(ch.site, 0)
            order = [k for k in (first, 1 - first) if k < len(ch.alternatives)]
            if self.try_alternatives(i, order):
                i += 1
                continue
            if _unavoidable(self.hard_only, ch):
                self.commit_unavoidable(i)
                i += 1
                continue
            resumed = self.backtrack()
            if resumed is None:
                uf.undo(self.start_mark)
                return _greedy(uf, choices), self.steps, False
            i = resumed
        return self.chosen, self.steps, False

    def try_alternatives(self, j: int, order: list[int]) -> bool:
        """Take the first alternative of choice `j` in `order` that adds no conflict."""
        uf = self.uf
        accepted = self.base
        while order:
            k = order.pop(0)
            mark = uf.mark()
            _apply_alternative(uf, self.choices[j].alternatives[k])
            self.steps += 1
            if len(uf.conflicts) == self.base:
                self.stack.append((j, mark, order, accepted))
                self.chosen[j] = k
                self.preferred[self.choices[j].site] = k
                return True
            uf.undo(mark)
        return False

    def commit_unavoidable(self, i: int) -> None:
        """Commit choice `i` greedily and accept its conflicts: no backtracking can avoid them."""
        mark = self.uf.mark()
        self.chosen[i] = _greedy_one(self.uf, self.choices[i])
        self.stack.append((i, mark, [], self.base))
        self.base = len(self.uf.conflicts)

    def backtrack(self) -> int | None:
        """Undo choices until one has an alternative left that works; returns the index of
        the next choice to make, or None when the search space is exhausted."""
        while self.stack:
            j, mark, left, self.base = self.stack.pop()
            self.uf.undo(mark)
            self.chosen.pop(j, None)
            if left and self.try_alternatives(j, left):
                return j + 1
        return None


def _greedy_one(uf: UnionFind, ch: Choice) -> int:
    best, best_cost = 0, None
    for k, alt in enumerate(ch.alternatives):
        mark = uf.mark()
        before = len(uf.conflicts)
        _apply_alternative(uf, alt)
        cost = len(uf.conflicts) - before
        uf.undo(mark)
        if best_cost is None or cost < best_cost:
            best, best_cost = k, cost
    _apply_alternative(uf, ch.alternatives[best])
    return best


def _greedy(uf: UnionFind, choices: list[Choice]) -> dict[int, int]:
    return {i: _greedy_one(uf, ch) for i, ch in enumerate(choices)}
