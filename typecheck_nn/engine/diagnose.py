"""From a solution to findings: explain each conflict and classify it; clashes and unchecked ops.

A conflict says: some atom of a parameter's output axes was identified with an atom of
the axes it contracts. The explanation is the chain of operations whose equalities did
that: a shortest path through the recorded equalities (and the direct-sum/product
structure edges), so the report can show the minimal set of lines that conflict.
Which ops are firmware and which values carry a recurrent state is decided before, from
the graph alone (engine.recurrence); a conflict's diagnostic only reads those sets.
"""

from __future__ import annotations

from collections import deque

from typecheck_nn.core import rules
from typecheck_nn.core.model import Diagnostic, Related, Unchecked
from typecheck_nn.engine.ir import OpInfo, OpKind
from typecheck_nn.engine.ops import REGISTRY
from typecheck_nn.engine.solve import ClashKind, Conflict, Solution
from typecheck_nn.engine.trace import assigned_name
from typecheck_nn.engine.typegraph import TypedGraph
from typecheck_nn.engine.typenames import role_name


# -- explaining a conflict --------------------------------------------------------------------
class Explainer:
    """Shortest chains of recorded equalities between two type variables."""

    def __init__(self, sol: Solution):
        self.sol = sol
        self.eq_adj: dict[int, list[tuple[int, int]]] = {}
        self.down_adj: dict[int, list[tuple[int, int]]] = {}
        for eq in sol.applied:
            self.eq_adj.setdefault(eq.a, []).append((eq.b, eq.reason))
            self.eq_adj.setdefault(eq.b, []).append((eq.a, eq.reason))
        for holder, part, reason in sol.struct_edges:
            self.down_adj.setdefault(holder, []).append((part, reason))

    def _bfs(self, start: int, goal, use_down: bool) -> tuple[int, list[int]] | None:
        prev: dict[int, tuple[int, int] | None] = {start: None}
        queue = deque([start])
        while queue:
            v = queue.popleft()
            if goal(v):
                reasons = []
                cur = v
                while (step := prev[cur]) is not None:
                    p, reason = step
                    reasons.append(reason)
                    cur = p
                return v, reasons[::-1]
            nbrs = self.eq_adj.get(v, [])
            if use_down:
                nbrs = nbrs + self.down_adj.get(v, [])
            for w, reason in nbrs:
                if w not in prev:
                    prev[w] = (v, reason)
                    queue.append(w)
        return None

    def explain(self, a: int, b: int) -> list[int]:
        uf = self.sol.solver
        shared = uf.atoms(a) & uf.atoms(b)
        if not shared:
            return []
        atom = min(shared)
        in_atom = lambda v: uf.find(v) == atom  # noqa: E731
        left = self._bfs(a, in_atom, True)
        right = self._bfs(b, in_atom, True)
        if left is None or right is None:
            return []
        middle = self._bfs(left[0], lambda v: v == right[0], False)
        reasons = left[1] + (middle[1] if middle else []) + right[1][::-1]
        seen, ordered = set(), []
        for r in reasons:
            if r >= 0 and r not in seen:
                seen.add(r)
                ordered.append(r)
        return ordered


# -- building diagnostics -----------------------------------------------------------------------
def _op_note(op: OpInfo, param_short: str, conflicted: int, cod: str, dom: str) -> str:
    """How one op of a conflict chain relates types: the matrix use, else its rule's note."""
    sym = op.symbol or op.target
    if conflicted in op.params:
        if op.kind is OpKind.RECURRENT:
            return f"`{sym}` applies its recurrent matrix to the state it produced ({dom} -> {cod})"
        return f"`{param_short}` maps {dom} to {cod} here"
    found = REGISTRY.lookup(op.target)
    if found is None:
        return f"`{sym}` relates these types"
    return found.note.format(sym=sym)


def conflict_diagnostic(
    tg: TypedGraph,
    conflict: Conflict,
    roles: dict[tuple[int, int], str],
    explainer: Explainer,
    firmware: set[int],
    carried: set[int],
    model: str,
) -> Diagnostic:
    """One finding for a conflict: the rule it breaks, where, and the chain of ops that
    identified the parameter's output type with its input type, each with a note. `roles`
    is `typenames.matrix_roles(tg)`: which of the two variables is the matrix's output."""
    param = tg.params[conflict.param]
    short = param.short_name
    cod = role_name("cod", param)
    dom = role_name("dom", param)
    ops = _conflict_chain(tg, conflict, roles, explainer)
    rule, primary, message = _classify(tg, conflict, ops, firmware, carried, short, cod, dom)
    return rule.diagnostic(
        message,
        primary.location if primary else None,
        model=model,
        related=_related_notes(ops, primary, short, conflict.param, cod, dom),
        types=(dom, cod),
        scope=_scope(primary, model),
        nodes=[op.node for op in ops],
    )


def _conflict_chain(
    tg: TypedGraph, conflict: Conflict, roles: dict[tuple[int, int], str], explainer: Explainer
) -> list[OpInfo]:
    """The ops whose equalities made the two types one, from the output type's side, and
    the op the solver found the conflict at (when not on the chain already)."""
    va, vb = conflict.var_a, conflict.var_b
    if roles.get((conflict.param, va)) == "dom":
        va, vb = vb, va
    chain = explainer.explain(va, vb)
    if conflict.reason >= 0 and conflict.reason not in chain:
        chain.append(conflict.reason)
    return [tg.ops[i] for i in chain]


def _classify(
    tg: TypedGraph,
    conflict: Conflict,
    ops: list[OpInfo],
    firmware: set[int],
    carried: set[int],
    short: str,
    cod: str,
    dom: str,
) -> tuple[rules.Rule, OpInfo | None, str]:
    """Which rule the conflict breaks, the op it is reported at, and the message."""
    uses = [op for op in ops if conflict.param in op.params]
    binaries = [op for op in ops if op.binary]
    # TNN003 is the residual: a matrix's output *added* to its input; a `where` or `max`
    # between them mixes types too, but is no residual (TNN001)
    additive = [op for op in binaries if op.additive]
    # ...and only when nothing else relates them: a chain through another matrix (a tied
    # decoder contracting the output back with the input's type) mixes types (TNN001)
    through_other = any(op.kind is OpKind.CONTRACTION and conflict.param not in op.params for op in ops)
    if _is_recurrent(tg, conflict.param, ops, firmware):
        state = _recurrent_state(tg, ops, uses, firmware, carried)
        message = (
            f"recurrent state{f' `{state}`' if state else ''} passes through `{short}` and flows back into itself: "
            f"`{short}` maps {dom} to {cod}, so the state cannot keep one type across steps"
        )
        return rules.RECURRENT_STATE, _last_use(uses, ops), message
    if additive and len(uses) <= 1 and not through_other:
        primary = additive[-1]
        message = f"`{primary.symbol or primary.target}` adds the output of `{short}` ({cod}) to `{short}`'s own input ({dom})"
        return rules.SQUARE_RESIDUAL, primary, message
    if binaries:
        primary = binaries[-1]
        message = (
            f"`{primary.symbol or primary.target}` combines values of types {cod} and {dom}, "
            f"which `{short}` keeps apart"
        )
        return rules.MIXED_TYPES, primary, message
    message = f"`{short}` is applied to a value of its own output type: {cod} flows into {dom}"
    return rules.MATRIX_ON_OWN_OUTPUT, _last_use(uses, ops), message


def _is_recurrent(tg: TypedGraph, param: int, ops: list[OpInfo], firmware: set[int]) -> bool:
    """The chain runs through firmware, or the matrix is used twice from one source span:
    two steps of a loop (a Python loop, or one inside a library call such as a recorded nn.GRU)."""
    all_uses = [op for op in tg.ops if param in op.params]
    return any(op.id in firmware or op.id in tg.recurrent_ops for op in ops) or (
        len({u.location or u.site for u in all_uses}) < len(all_uses)
    )


def _recurrent_state(
    tg: TypedGraph, ops: list[OpInfo], uses: list[OpInfo], firmware: set[int], carried: set[int]
) -> str | None:
    """The state's name: a step cell's argument, else what the matrix reads and carries
    into the next step, else any carried value."""
    named = [tg.state_names[op.id] for op in ops if op.id in tg.state_names]  # a step cell's argument
    if named:
        return named[0]
    fed = _fed(tg, uses)
    return _state_name([op for op in fed if op.id in carried] + ops, firmware, carried) or _state_name(
        [tg.ops[i] for i in sorted(carried, reverse=True)], firmware, carried
    )


def _last_use(uses: list[OpInfo], ops: list[OpInfo]) -> OpInfo | None:
    """The matrix's latest use on the chain, else the chain's last op."""
    return max(uses, key=lambda o: o.id) if uses else (ops[-1] if ops else None)


def _related_notes(
    ops: list[OpInfo], primary: OpInfo | None, short: str, param: int, cod: str, dom: str
) -> list[Related]:
    """Each other op of the chain with what it does to the types, in line order."""
    related = []
    for op in sorted(ops, key=lambda o: (o.location.line if o.location else 0, o.id)):
        if primary is not None and op.id == primary.id:
            continue
        related.append(Related(op.location, _op_note(op, short, param, cod, dom)))
    return _dedupe_related(related)


def _fed(tg: TypedGraph, uses: list[OpInfo]) -> list[OpInfo]:
    """The ops whose values the matrix is fed, looking through bookkeeping (`cat([x, h])`
    before a convolution), nearest first: the state is named by what the matrix reads."""
    out: list[OpInfo] = []
    todo = [tg.node_to_op[i] for u in uses for i in u.inputs if i in tg.node_to_op]
    seen: set[int] = set()
    while todo:
        i = todo.pop(0)
        if i in seen:
            continue
        seen.add(i)
        op = tg.ops[i]
        out.append(op)
        if op.kind is OpKind.SHAPE:
            todo.extend(tg.node_to_op[n] for n in op.inputs if n in tg.node_to_op)
    return out


def _dedupe_related(related: list[Related]) -> list[Related]:
    seen, out = set(), []
    for r in related:
        key = (r.location.path, r.location.line, r.message) if r.location else (None, None, r.message)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def _state_name(ops: list[OpInfo], firmware: set[int], carried: set[int]) -> str | None:
    """Name the state by what the chain carries into the next step (first what the matrix
    itself is fed), else any firmware line."""
    for pool in ([op for op in ops if op.id in carried], [op for op in ops if op.id in firmware]):
        for op in pool:
            if op.kind is OpKind.RECURRENT:
                return f"{op.symbol} hidden state"
            name = assigned_name(op.location) if op.location is not None else None
            if name:
                return name.split(",")[0]
    return None


def _scope(op: OpInfo | None, model: str) -> str:
    """model:module:function, the anchor baselines match on instead of line numbers."""
    if op is None:
        return model
    return f"{model}:{op.module or '<root>'}:{op.function}"


CLASH_MESSAGES = {
    ClashKind.STRUCTURE: "joins two splittings of an axis that do not align; they are treated as unrelated",
    ClashKind.SIZE: "would identify axes of different lengths; they are treated as unrelated",
    ClashKind.CYCLE: "would make an axis a part of itself (a sum or product containing itself); kept apart",
}


def clash_diagnostic(tg: TypedGraph, clash, model: str) -> Diagnostic:
    op = tg.ops[clash.reason] if 0 <= clash.reason < len(tg.ops) else None
    return rules.AXIS_STRUCTURE.diagnostic(
        f"`{op.target if op else '?'}` {CLASH_MESSAGES[clash.kind]}",
        op.location if op else None,
        model=model,
        scope=_scope(op, model),
    )


def unchecked_ops(tg: TypedGraph, sol: Solution) -> list[Unchecked]:
    """What the verdict could not see: ops without a usable rule on a typed path, axes the
    solver had to keep apart although the rules identified them, and a solver stopped at
    its work bound. Any of these makes "strongly typed" hold only as far as checked."""
    out: list[Unchecked] = []
    seen: set[tuple] = set()

    def add(op: str, loc, reason: str) -> None:
        key = (op, loc.path if loc else None, loc.line if loc else None, reason)
        if key not in seen:
            seen.add(key)
            out.append(Unchecked(op, loc, reason))

    for u in tg.unknown:
        if u.hole:
            add(u.target, u.location, u.reason)
    for clash in sol.clashes:
        if clash.kind is not ClashKind.STRUCTURE and 0 <= clash.reason < len(tg.ops):
            op = tg.ops[clash.reason]
            add(op.target, op.location, CLASH_MESSAGES[clash.kind])
    if sol.limited:
        add("solver", None, f"stopped at its work bound ({sol.limited})")
    return out


def unique_by_line(diags) -> list[Diagnostic]:
    """One note per message and line: an unrolled loop repeats the same finding per step."""
    seen, out = set(), []
    for d in diags:
        key = (d.code, d.message, d.location.line if d.location else None)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def unique_findings(diags: list[Diagnostic]) -> list[Diagnostic]:
    """One finding per code, message and place: two conflicts can tell the same story
    (a buffer scaled by a learned scalar is a matrix through both); the conflicting
    operations of the copies are merged into the one kept."""
    kept: dict[tuple, Diagnostic] = {}
    for d in diags:
        loc = d.location
        key = (d.code, d.message, loc.path if loc else None, loc.line if loc else None, loc.column if loc else None)
        first = kept.setdefault(key, d)
        if first is not d:
            first.nodes += [n for n in d.nodes if n not in first.nodes]
    return list(kept.values())


def unknown_op_notes(tg: TypedGraph, model: str) -> list[Diagnostic]:
    return unique_by_line(
        rules.UNKNOWN_OP.diagnostic(
            f"no typing rule for `{u.target}`: its outputs get fresh types"
            if u.reason == "no typing rule"
            else f"`{u.target}` could not be typed here ({u.reason}): its outputs get fresh types",
            u.location,
            model=model,
        )
        for u in tg.unknown
    )
