"""Recurrence analysis: fold the unrolled typed graph back into a loop.

Why a module of its own: which ops are firmware (depend on the recurrent state and feed
it back) and which values carry the state are facts about the graph's shape, not about a
conflict. The pipeline asks them once per model, the diagnostics only read the answers
(to call a conflict a recurrence and to name its state), and the summary reports them. So
these are plain functions over the typed graph (its op list and the networkx graph of
`typegraph.op_edges`), with no solution or type names involved.

A traced loop is unrolled: each source site (one call at one line) appears once per step.
Folding the steps by site turns the unrolled graph back into the cycle the code wrote.
"""

from __future__ import annotations

from collections.abc import Collection

import networkx as nx

from typecheck_nn.core.model import RecurrenceSummary
from typecheck_nn.engine.ir import OpInfo, OpKind
from typecheck_nn.engine.ops import REGISTRY
from typecheck_nn.engine.trace import assigned_name
from typecheck_nn.engine.typegraph import TypedGraph, op_edges


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
    occurrence, count = _occurrences(tg)
    for op in tg.ops:
        folded.add_node(op.site)
        unrolled.add_node(op.id)
    for u, v in op_edges(tg.graph):
        folded.add_edge(site[u], site[v])
        unrolled.add_edge(u, v)
    # (a buffer used as a matrix, an echo-state reservoir, parametrises the step too)
    param_ops = [op.id for op in tg.ops if op.params or any(tg.learned.get(i) for i in op.inputs)]
    uses_param = {site[i] for i in param_ops}
    once = {op.id for op in tg.ops if count[op.site] < 2}
    # entries of one multi-output op (`for x in xs` is one unbind, then a getitem per step)
    entries = {op.id for op in tg.ops if op.target == "getitem"}
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
        if not comp & uses_param and _step_dependent(members, comp, site, occurrence, unrolled, once, steps, entries):
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


def _occurrences(tg: TypedGraph) -> tuple[dict[int, int], dict[str, int]]:
    """(op id -> which run of its site it is, counting from 0; site -> how many runs).

    Why: in an unrolled loop a site runs once per step, so an op's occurrence is its step
    and a site's count tells a repeated function (a loop body) from one run once (a layer
    of a stack). Numbered in op order, which is the order the trace ran them.
    """
    count: dict[str, int] = {}
    occurrence: dict[int, int] = {}
    for op in tg.ops:
        occurrence[op.id] = count.get(op.site, 0)
        count[op.site] = occurrence[op.id] + 1
    return occurrence, count


def _step_dependent(members, comp, site, occurrence, unrolled, once, steps: int, entries=frozenset()) -> bool:
    """Whether what enters the cycle after its first step comes from a different function
    at every step: distinct ops run once, feeding the steps directly or through one
    repeated op (`out = out + conv_k(x)`, `ctx_all = ctx_all + layer_k(ctx) * gate_k`).
    An initial state enters the first step only, and one op run once that feeds every step
    (a QRNN's gates computed for all steps at once) is the same input each time.

    Why: a parameter-free cycle (an accumulator) is a recurrence only when each step applies
    the same function; a new function per step is a stack of layers summed up. An entry of
    one op's outputs (`for x in xs`: unbind once, a getitem per step) is that op: each
    step reads the same sequence, as `xs[t]` does."""

    def origin(u: int) -> int:
        while u in entries:
            producers = [p for p in unrolled.pred[u] if p in once]
            if len(producers) != 1:
                break
            u = producers[0]
        return u

    sources: set[int] = set()
    for v in members:
        if occurrence[v] == 0:
            continue
        for u in unrolled.pred[v]:
            if site[u] in comp:
                continue
            if u in once:
                sources.add(origin(u))
            else:
                sources |= {origin(p) for p in unrolled.pred[u] if p in once}
    return len(sources) >= max(steps, 1)


def _reachable(adjacency, sources: list[int], blocked: Collection[int] = ()) -> set[int]:
    """Every node reachable from any source (one breadth-first search for them all),
    never passing through a blocked node.

    Why not networkx's descendants: one search for many sources, over either direction
    (`succ` or `pred` of the unrolled graph), with blocked nodes; the sources themselves
    are in the result only when a path leads back to them."""
    seen: set[int] = set()
    stack = list(sources)
    while stack:
        for w in adjacency[stack.pop()]:
            if w not in seen and w not in blocked:
                seen.add(w)
                stack.append(w)
    return seen


def recurrence_summary(tg: TypedGraph, firmware: set[int], carried: set[int]) -> RecurrenceSummary:
    """The report's learnware/firmware split and the recurrence's character, from the
    firmware ops and the ops whose values carry the state (`state_producers`).

    Why: the reports say whether a model recurs, how much of it is firmware, whether that
    firmware is elementwise and linear in the state (then the recurrence is a parallel
    scan), and name the state by its recurrent ops and the variables that carry it (at
    most 12). Ops that compute nothing typed (shape bookkeeping, new tensors, ops without
    a rule) count as neither learnware nor firmware unless they are firmware.
    """
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
    """The op's rule says it is linear in each of its inputs (the registry's metadata).

    Why: a recurrence whose firmware is elementwise and linear in the state can be computed
    as a parallel scan; an op without a rule is taken as not linear."""
    found = REGISTRY.lookup(op.target)
    return found is not None and bool(found.linear) and all(found.linear)


def state_producers(tg: TypedGraph, firmware: set[int]) -> set[int]:
    """Firmware ops whose value is consumed by the next step: the recurrent state.

    In an unrolled loop each site runs once per step, so an edge into a later occurrence
    of its target's site than its source's occurrence crosses a step boundary.

    Why: the state is what a diagnostic and the summary name (`h`, not an intermediate of
    the step), so it is found from the graph: the values that cross from one step to the next.
    """
    occurrence, _ = _occurrences(tg)
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
