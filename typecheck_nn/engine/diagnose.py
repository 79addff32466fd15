"""From a solution to findings: explain each conflict, classify it, split learnware/firmware.

A conflict says: some atom of a parameter's output axes was identified with an atom of
the axes it contracts. The explanation is the chain of operations whose equalities did
that: a shortest path through the recorded equalities (and the direct-sum/product
structure edges), so the report can show the minimal set of lines that conflict.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection
from dataclasses import dataclass

import networkx as nx

from typecheck_nn.core import rules
from typecheck_nn.core.model import Diagnostic, RecurrenceSummary, Related, Unchecked
from typecheck_nn.engine.ir import OpInfo, OpKind
from typecheck_nn.engine.ops import REGISTRY
from typecheck_nn.engine.solve import ClashKind, Conflict, Solution
from typecheck_nn.engine.trace import assigned_name
from typecheck_nn.engine.typegraph import TypedGraph, op_edges


# -- recurrence: fold the unrolled graph back into a loop ------------------------------------
def firmware_ops(tg: TypedGraph) -> set[int]:
    """Ops on a recurrence once each source site's unrolled copies are folded into one node.

    A recurrence is the same parametrised function applied again to its own output.
    Folding by site turns the unrolled steps into a cycle; a cycle counts only when every
    site on it runs more than once (the same code each step, not a stack of distinct
    layers), and the steps are the same function: a site on the cycle uses a parameter
    (reused, since the site repeats), or what feeds the cycle after its first step does
    not come from a different function at every step (see `_step_dependent`). So `for blk in blocks: x = x + blk(x)` is no
    recurrence, while an RNN cell, a QRNN, and cross-layer weight sharing (ALBERT) are.
    The ops on such cycles depend on the state and feed it back: the paper's firmware.
    """
    folded = nx.DiGraph()
    unrolled = nx.DiGraph()
    site = {op.id: op.site for op in tg.ops}
    count: dict[str, int] = {}
    occurrence: dict[int, int] = {}
    for op in tg.ops:
        occurrence[op.id] = count.get(op.site, 0)
        count[op.site] = occurrence[op.id] + 1
        folded.add_node(op.site)
        unrolled.add_node(op.id)
    for u, v in op_edges(tg.graph):
        folded.add_edge(site[u], site[v])
        unrolled.add_edge(u, v)
    # (a buffer used as a matrix, an echo-state reservoir, parametrises the step too)
    param_ops = [op.id for op in tg.ops if op.params or any(tg.learned.get(i) for i in op.inputs)]
    uses_param = {site[i] for i in param_ops}
    once = {op.id for op in tg.ops if count[op.site] < 2}
    # a loop that no learned value reaches (combining masks, counting positions) is no
    # parametrised function: not a recurrence of the model
    # (a new tensor shaped like a value, `x.new_zeros(...)`, carries none of its data)
    sources = {op.id for op in tg.ops if op.kind is OpKind.SOURCE}
    learned_downstream = _reachable(unrolled.succ, param_ops, blocked=sources) | set(param_ops)
    # a site that runs once is a distinct function (one layer of a stack): cycles are
    # looked for among the sites that repeat
    repeated = folded.subgraph([s for s in folded if count[s] >= 2])
    loop_sites: set[str] = set()
    for comp in nx.strongly_connected_components(repeated):
        if len(comp) == 1:
            (s,) = comp
            if not folded.has_edge(s, s):
                continue
        members = [op.id for op in tg.ops if op.site in comp]
        steps = max(count[s] for s in comp) - 1
        if not comp & uses_param and _step_dependent(members, comp, site, occurrence, unrolled, once, steps):
            continue
        if not learned_downstream.intersection(members):
            continue
        # detours: ops run once that lie on a path from the cycle back into it. A stack of
        # layers has one at every step (x + relu(W_k x)); a recurrence has steps with none
        # (two layers of an RNN written with one function have a detour between layers only)
        detours = len(once & _reachable(unrolled.succ, members) & _reachable(unrolled.pred, members))
        if detours < steps:
            loop_sites |= comp
    # shape ops inside the loop (chunk, select) are bookkeeping, not firmware computation
    return {
        op.id for op in tg.ops if op.site in loop_sites and op.kind is not OpKind.SHAPE or op.id in tg.recurrent_ops
    }


def _step_dependent(members, comp, site, occurrence, unrolled, once, steps: int) -> bool:
    """Whether what enters the cycle after its first step comes from a different function
    at every step: distinct ops run once, feeding the steps directly or through one
    repeated op (`out = out + conv_k(x)`, `ctx_all = ctx_all + layer_k(ctx) * gate_k`).
    An initial state enters the first step only, and one op run once that feeds every step
    (a QRNN's gates computed for all steps at once) is the same input each time."""
    sources: set[int] = set()
    for v in members:
        if occurrence[v] == 0:
            continue
        for u in unrolled.pred[v]:
            if site[u] in comp:
                continue
            if u in once:
                sources.add(u)
            else:
                sources |= {p for p in unrolled.pred[u] if p in once}
    return len(sources) >= max(steps, 1)


def _reachable(adjacency, sources: list[int], blocked: Collection[int] = ()) -> set[int]:
    """Every node reachable from any source (one breadth-first search for them all),
    never passing through a blocked node."""
    seen: set[int] = set()
    stack = list(sources)
    while stack:
        for w in adjacency[stack.pop()]:
            if w not in seen and w not in blocked:
                seen.add(w)
                stack.append(w)
    return seen


def recurrence_summary(tg: TypedGraph, firmware: set[int], carried: set[int]) -> RecurrenceSummary:
    compute = [op for op in tg.ops if op.kind not in (OpKind.SHAPE, OpKind.OTHER, OpKind.SOURCE) or op.id in firmware]
    if not firmware:
        return RecurrenceSummary(has_recurrence=False, learnware_ops=len(compute))
    kinds = sorted({tg.ops[i].target for i in firmware})
    elementwise = all(tg.ops[i].kind.elementwise for i in firmware)
    linear = all(_linear(tg.ops[i]) for i in firmware)
    states = []
    for i in sorted(firmware):
        op = tg.ops[i]
        if op.kind is OpKind.RECURRENT and op.location is not None:
            states.append(f"{op.symbol} state @ line {op.location.line}")
    names = []
    for i in sorted(carried):
        loc = tg.ops[i].location
        name = assigned_name(loc) if loc is not None else None
        if name and loc is not None:
            label = f"{name} (line {loc.line})"
            if label not in names:
                names.append(label)
    return RecurrenceSummary(
        has_recurrence=True,
        state_values=(states + names)[:12],
        learnware_ops=sum(1 for op in compute if op.id not in firmware),
        firmware_ops=len(firmware),
        firmware_op_kinds=kinds,
        firmware_elementwise=elementwise,
        firmware_linear=linear,
    )


def _linear(op: OpInfo) -> bool:
    """The op's rule says it is linear in each of its inputs (the registry's metadata)."""
    found = REGISTRY.lookup(op.target)
    return found is not None and bool(found.linear) and all(found.linear)


def state_producers(tg: TypedGraph, firmware: set[int]) -> set[int]:
    """Firmware ops whose value is consumed by the next step: the recurrent state.

    In an unrolled loop each site runs once per step, so an edge into a later occurrence
    of its target's site than its source's occurrence crosses a step boundary.
    """
    occurrence: dict[int, int] = {}
    seen: dict[str, int] = {}
    for op in tg.ops:
        k = seen.get(op.site, 0)
        occurrence[op.id] = k
        seen[op.site] = k + 1
    # ...looking through bookkeeping: `cat([x, h])` before a convolution is a shape op, not
    # firmware, and without this h would not count as carried (a ConvLSTM's state was then
    # named after an intermediate)
    succ: dict[int, list[int]] = {}
    for u, v in op_edges(tg.graph):
        succ.setdefault(u, []).append(v)
    carried: set[int] = set()
    for u in firmware:
        todo, visited = list(succ.get(u, ())), set()
        while todo:
            v = todo.pop()
            if v in visited:
                continue
            visited.add(v)
            if v in firmware:
                if occurrence[v] > occurrence[u]:
                    carried.add(u)
                    break
            elif tg.ops[v].kind is OpKind.SHAPE:
                todo.extend(succ.get(v, ()))
    return carried


# -- naming types ------------------------------------------------------------------------------
def matrix_roles(tg: TypedGraph) -> dict[tuple[int, int], str]:
    """(param, type variable) -> "cod" or "dom", as the first use of the parameter as a
    matrix declared it (the variable is the learned operand's output or contracted axis)."""
    roles: dict[tuple[int, int], str] = {}
    for key, (out_var, in_var) in tg.constraints.orientation.items():
        roles.setdefault((key[0], out_var), "cod")
        roles.setdefault((key[0], in_var), "dom")
    return roles


@dataclass
class TypeNamer:
    """Readable names for solved types: cod(W)/dom(W) for matrix axes, else birth labels."""

    tg: TypedGraph
    sol: Solution

    def __post_init__(self):
        self.orientation = matrix_roles(self.tg)
        self.origins = self.tg.constraints.origins
        self.names: dict[int, str] = {}
        uf = self.sol.solver
        # a matrix role names a class better than a parameter's raw axis
        for (p, var), role in self.orientation.items():
            root = uf.find(var)
            if not self.names.get(root, "").startswith(("cod(", "dom(")):
                self.names[root] = f"{role}({self.tg.params[p].short_name})"
        for param in self.tg.params:
            for i, var in enumerate(param.axes):
                self.names.setdefault(uf.find(var), f"{param.name}[{i}]")

    def name(self, var: int, depth: int = 0) -> str:
        uf = self.sol.solver
        root = uf.find(var)
        s = uf.struct[root] if root < len(uf.struct) else None
        if s is not None and depth < 2:
            sep = " ⊕ " if s[0] == "sum" else " ⊗ "
            return "(" + sep.join(self.name(p, depth + 1) for p in s[1]) + ")"
        if root in self.names:
            return self.names[root]
        if var < len(self.origins):
            return self.origins[var].label
        if root < len(self.origins):
            return self.origins[root].label
        return f"t{root}"

    def value_type(self, value) -> str:
        axes = getattr(value, "axes", None)
        if axes is None:
            return ""
        return "[" + ", ".join(self.name(a) for a in axes) + "]"


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
    namer: TypeNamer,
    explainer: Explainer,
    firmware: set[int],
    carried: set[int],
    model: str,
) -> Diagnostic:
    param = tg.params[conflict.param]
    short = param.short_name
    va, vb = conflict.var_a, conflict.var_b
    if namer.orientation.get((conflict.param, va)) == "dom":
        va, vb = vb, va
    cod = f"cod({short})"
    dom = f"dom({short})"
    chain = explainer.explain(va, vb)
    if conflict.reason >= 0 and conflict.reason not in chain:
        chain.append(conflict.reason)
    ops = [tg.ops[i] for i in chain]
    uses = [op for op in ops if conflict.param in op.params]
    binaries = [op for op in ops if op.binary]
    # TNN003 is the residual: a matrix's output *added* to its input; a `where` or `max`
    # between them mixes types too, but is no residual (TNN001)
    additive = [op for op in binaries if op.additive]
    # ...and only when nothing else relates them: a chain through another matrix (a tied
    # decoder contracting the output back with the input's type) mixes types (TNN001)
    through_other = any(op.kind is OpKind.CONTRACTION and conflict.param not in op.params for op in ops)
    # two uses of the matrix from one source span are two steps of a loop (a Python loop,
    # or one inside a library call such as a recorded nn.GRU)
    all_uses = [op for op in tg.ops if conflict.param in op.params]
    recurrent = any(op.id in firmware or op.id in tg.recurrent_ops for op in ops) or (
        len({u.location or u.site for u in all_uses}) < len(all_uses)
    )
    if recurrent:
        rule = rules.RECURRENT_STATE
        primary = max(uses, key=lambda o: o.id) if uses else (ops[-1] if ops else None)
        fed = _fed(tg, uses)
        named = [tg.state_names[op.id] for op in ops if op.id in tg.state_names]  # a step cell's argument
        state = (
            named[0]
            if named
            else _state_name([op for op in fed if op.id in carried] + ops, firmware, carried)
            or _state_name([tg.ops[i] for i in sorted(carried, reverse=True)], firmware, carried)
        )
        message = (
            f"recurrent state{f' `{state}`' if state else ''} passes through `{short}` and flows back into itself: "
            f"`{short}` maps {dom} to {cod}, so the state cannot keep one type across steps"
        )
    elif additive and len(uses) <= 1 and not through_other:
        rule = rules.SQUARE_RESIDUAL
        primary = additive[-1]
        message = f"`{primary.symbol or primary.target}` adds the output of `{short}` ({cod}) to `{short}`'s own input ({dom})"
    elif binaries:
        rule = rules.MIXED_TYPES
        primary = binaries[-1]
        message = (
            f"`{primary.symbol or primary.target}` combines values of types {cod} and {dom}, "
            f"which `{short}` keeps apart"
        )
    else:
        rule = rules.MATRIX_ON_OWN_OUTPUT
        primary = max(uses, key=lambda o: o.id) if uses else (ops[-1] if ops else None)
        message = f"`{short}` is applied to a value of its own output type: {cod} flows into {dom}"
    related = []
    for op in sorted(ops, key=lambda o: (o.location.line if o.location else 0, o.id)):
        if primary is not None and op.id == primary.id:
            continue
        related.append(Related(op.location, _op_note(op, short, conflict.param, cod, dom)))
    related = _dedupe_related(related)
    return rule.diagnostic(
        message,
        primary.location if primary else None,
        model=model,
        related=related,
        types=(dom, cod),
        scope=_scope(primary, model),
        nodes=[op.node for op in ops],
    )


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
