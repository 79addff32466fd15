"""The recurrence analysis (engine.recurrence) on small typed graphs.

Each model is traced and typed as the pipeline does it (trace -> build_typed_graph), and
each function's answer is asserted: which ops are firmware, which carry the state to the
next step, and the summary the reports print. An Elman RNN and a T-RNN are recurrences
(the second one elementwise and linear in its state: a scan); a feed-forward MLP, a stack
of residual layers and a sum over distinct layers are not, although the last two repeat
the same lines of code.
"""

from __future__ import annotations

import inspect
import os

import networkx as nx
import pytest
import torch
from torch import nn

from typecheck_nn.engine.recurrence import (
    _occurrences,
    _reachable,
    _step_dependent,
    firmware_ops,
    recurrence_summary,
    state_producers,
)
from typecheck_nn.engine.trace import trace
from typecheck_nn.engine.typegraph import TypedGraph, build_typed_graph


class Elman(nn.Module):
    def __init__(self):
        super().__init__()
        self.W, self.U = nn.Linear(4, 8), nn.Linear(8, 8, bias=False)

    def forward(self, xs):
        h = torch.zeros(2, 8)
        for x in xs:
            h = torch.tanh(self.W(x) + self.U(h))
        return h


class TRNN(nn.Module):
    """Strongly typed: the state is only gated and added to, never multiplied by a matrix."""

    def __init__(self):
        super().__init__()
        self.W, self.V = nn.Linear(4, 8), nn.Linear(4, 8)

    def forward(self, xs):
        h = torch.zeros(2, 8)
        for x in xs:
            z = self.W(x)
            f = torch.sigmoid(self.V(x))
            h = f * h + (1 - f) * z
        return h


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(4, 8), nn.Linear(8, 3)

    def forward(self, x):
        return self.b(torch.relu(self.a(x)))


class Stack(nn.Module):
    """One line run three times, but a different layer each time: no recurrence."""

    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList(nn.Linear(8, 8) for _ in range(3))

    def forward(self, x):
        for blk in self.blocks:
            x = x + torch.relu(blk(x))
        return x


class Accumulate(nn.Module):
    """`out = out + layer_k(x)`: a parameter-free cycle fed by a new function each step."""

    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList(nn.Linear(8, 8) for _ in range(3))

    def forward(self, x):
        out = torch.zeros_like(x)
        for blk in self.blocks:
            out = out + blk(x)
        return out


class BuiltinGRU(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(4, 8)

    def forward(self, xs):
        ys, _ = self.rnn(xs)
        return ys


def _typed(module: nn.Module, *args) -> TypedGraph:
    program = trace(module, args, {}, user_files={os.path.abspath(__file__)})
    return build_typed_graph(program)


def _line(cls: type, text: str) -> int:
    """The line of this file where `cls`'s source has `text` (the state's assignment)."""
    lines, start = inspect.getsourcelines(cls)
    return start + next(k for k, line in enumerate(lines) if text in line)


def _targets(tg: TypedGraph, ids: set[int]) -> list[str]:
    return sorted(tg.ops[i].target for i in ids)


@pytest.fixture(scope="module")
def elman() -> TypedGraph:
    return _typed(Elman(), torch.randn(3, 2, 4))


@pytest.fixture(scope="module")
def trnn() -> TypedGraph:
    return _typed(TRNN(), torch.randn(3, 2, 4))


def test_elman_loop_is_firmware_through_its_recurrent_matrix(elman):
    fw = firmware_ops(elman)
    # every step's U(h), the add and the tanh; W(x) reads no state, and the loop's
    # bookkeeping (unbind, getitem) and the initial zeros are no firmware
    assert _targets(elman, fw) == ["add"] * 3 + ["linear"] * 3 + ["tanh"] * 3
    assert all(elman.ops[i].params for i in fw if elman.ops[i].target == "linear")
    u = next(p for p, param in enumerate(elman.params) if param.name == "U.weight")
    assert {i for i in fw if elman.ops[i].target == "linear"} == {op.id for op in elman.ops if u in op.params}


def test_elman_state_is_each_step_but_the_last(elman):
    fw = firmware_ops(elman)
    carried = state_producers(elman, fw)
    # the tanh of steps 1 and 2 feed the next step; the last one leaves the loop
    tanhs = [op.id for op in elman.ops if op.target == "tanh"]
    assert carried == set(tanhs[:-1])


def test_elman_summary(elman):
    fw = firmware_ops(elman)
    summary = recurrence_summary(elman, fw, state_producers(elman, fw))
    assert summary.has_recurrence
    assert summary.state_values == [f"h (line {_line(Elman, 'h = torch.tanh')})"]
    assert summary.firmware_ops == 9 and summary.learnware_ops == 3  # the three W(x)
    assert summary.firmware_op_kinds == ["add", "linear", "tanh"]
    assert summary.firmware_elementwise is False and summary.firmware_linear is False
    assert not summary.scan_parallelizable


def test_trnn_firmware_is_the_gated_sum_only(trnn):
    fw = firmware_ops(trnn)
    # f * h and the add, each step; the gates and candidates (W x, V x, sigmoid, 1 - f,
    # (1 - f) * z) are computed from the input alone: learnware
    assert _targets(trnn, fw) == ["add"] * 3 + ["mul"] * 3
    assert not any(trnn.ops[i].params for i in fw)
    adds = [op.id for op in trnn.ops if op.target == "add"]
    assert state_producers(trnn, fw) == set(adds[:-1])


def test_trnn_summary_is_a_linear_scan(trnn):
    fw = firmware_ops(trnn)
    summary = recurrence_summary(trnn, fw, state_producers(trnn, fw))
    assert summary.has_recurrence
    assert summary.state_values == [f"h (line {_line(TRNN, 'h = f * h')})"]
    assert summary.firmware_ops == 6 and summary.firmware_op_kinds == ["add", "mul"]
    assert summary.firmware_elementwise is True and summary.firmware_linear is True
    assert summary.scan_parallelizable


@pytest.mark.parametrize(
    ("cls", "arg", "learnware"),
    [(MLP, (2, 4), 3), (Stack, (2, 8), 9), (Accumulate, (2, 8), 6)],
    ids=["mlp", "residual-stack", "sum-of-layers"],
)
def test_no_recurrence(cls, arg, learnware):
    tg = _typed(cls(), torch.randn(*arg))
    fw = firmware_ops(tg)
    assert fw == set()
    assert state_producers(tg, fw) == set()
    summary = recurrence_summary(tg, fw, set())
    assert not summary.has_recurrence
    assert summary.state_values == [] and summary.firmware_ops == 0
    assert summary.learnware_ops == learnware
    assert summary.firmware_elementwise is None and summary.firmware_linear is None


def test_builtin_recurrence_is_firmware_and_names_its_state():
    """nn.GRU is one recurrent op, not an unrolled loop: firmware by the graph's record."""
    tg = _typed(BuiltinGRU(), torch.randn(3, 2, 4))
    fw = firmware_ops(tg)
    assert _targets(tg, fw) == ["gru"] and fw == tg.recurrent_ops
    assert state_producers(tg, fw) == set()  # no unrolled step to carry a value across
    summary = recurrence_summary(tg, fw, set())
    (gru,) = (tg.ops[i] for i in fw)
    assert gru.location is not None
    assert summary.has_recurrence and summary.state_values == [f"gru state @ line {gru.location.line}"]
    assert summary.firmware_elementwise is False and summary.firmware_linear is False


def test_occurrences_number_each_sites_runs(elman):
    occurrence, count = _occurrences(elman)
    tanhs = [op for op in elman.ops if op.target == "tanh"]
    assert [occurrence[op.id] for op in tanhs] == [0, 1, 2]
    assert count[tanhs[0].site] == 3
    (zeros,) = (op for op in elman.ops if op.target == "zeros")
    assert occurrence[zeros.id] == 0 and count[zeros.site] == 1


def test_reachable_is_one_search_for_many_sources_around_blocked_nodes():
    g = nx.DiGraph([(0, 1), (1, 2), (2, 3), (4, 5), (5, 4)])
    assert _reachable(g.succ, [0]) == {1, 2, 3}  # a source is not its own descendant...
    assert _reachable(g.succ, [4]) == {4, 5}  # ...unless a cycle leads back to it
    assert _reachable(g.succ, [0, 4]) == {1, 2, 3, 4, 5}
    assert _reachable(g.succ, [0], blocked={2}) == {1}
    assert _reachable(g.pred, [3]) == {0, 1, 2}
    assert _reachable(g.succ, []) == set()


def test_step_dependent_tells_a_new_function_per_step_from_one_input_for_all():
    # a cycle of one site, `acc`, run three times (ops 10, 11, 12, one per step)
    site = {10: "acc", 11: "acc", 12: "acc", 1: "f1", 2: "f2", 3: "g"}
    occurrence = {10: 0, 11: 1, 12: 2, 1: 0, 2: 0, 3: 0}
    members, comp = [10, 11, 12], {"acc"}
    # each later step fed by an op run once, a different one per step: a stack of layers
    distinct = nx.DiGraph([(10, 11), (11, 12), (1, 11), (2, 12)])
    assert _step_dependent(members, comp, site, occurrence, distinct, {1, 2}, 2)
    # every step fed by the same op run once (a QRNN's gates for all steps): a recurrence
    shared = nx.DiGraph([(10, 11), (11, 12), (3, 11), (3, 12)])
    assert not _step_dependent(members, comp, site, occurrence, shared, {3}, 2)
