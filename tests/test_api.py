"""The Python API, exact source spans, and the learnware/firmware analysis."""

from __future__ import annotations

import torch
from torch import nn

import typecheck_nn


class Elman(nn.Module):
    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, 8)
        self.V = nn.Linear(8, 8, bias=False)

    def forward(self, xs):
        h = xs.new_zeros(xs.shape[1], 8)
        for x in xs:
            h = torch.tanh(self.W(x) + self.V(h))
        return h


class TRNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, 8, bias=False)
        self.F = nn.Linear(4, 8)

    def forward(self, xs):
        h = xs.new_zeros(xs.shape[1], 8)
        for x in xs:
            f = torch.sigmoid(self.F(x))
            h = f * h + (1 - f) * self.W(x)
        return h


def _line_of(text: str) -> int:
    import inspect

    src, start = inspect.getsourcelines(Elman.forward)
    return start + next(i for i, line in enumerate(src) if text in line)


def test_check_returns_a_report_with_exact_span():
    report = typecheck_nn.check(Elman(), torch.randn(3, 2, 4))
    (model,) = report.models
    assert model.name == "Elman" and model.strongly_typed is False
    (v,) = model.violations
    assert v.code == "TNN002" and v.name == "recurrent-state-retyped"
    assert v.location.path == __file__
    line = _line_of("torch.tanh(self.W(x) + self.V(h))")
    assert v.location.line == line
    text = open(__file__).read().splitlines()[line - 1]
    # the caret spans exactly `self.V(h)`
    assert text[v.location.column - 1 : v.location.end_column - 1] == "self.V(h)"
    assert v.types == ("dom(V)", "cod(V)")
    assert report.exit_code == 1


def test_firmware_of_a_classic_rnn_is_not_elementwise():
    rec = typecheck_nn.check(Elman(), torch.randn(3, 2, 4)).models[0].recurrence
    assert rec.has_recurrence and rec.firmware_elementwise is False and rec.scan_parallelizable is False
    assert "linear" in rec.firmware_op_kinds
    assert any(s.startswith("h ") for s in rec.state_values)


def test_typed_rnn_firmware_is_elementwise_and_learnware_is_separate():
    report = typecheck_nn.check(TRNN(), torch.randn(4, 2, 4))
    model = report.models[0]
    assert model.strongly_typed is True and report.exit_code == 0
    rec = model.recurrence
    assert rec.firmware_elementwise is True and rec.scan_parallelizable is True
    assert set(rec.firmware_op_kinds) <= {"mul", "add"}
    assert rec.learnware_ops > 0


def test_graph_view_marks_firmware_and_types():
    model = typecheck_nn.check(TRNN(), torch.randn(4, 2, 4)).models[0]
    roles = {n.role for n in model.graph.nodes}
    assert {"firmware", "learnware", "param"} <= roles
    assert all(n.type.startswith("[") for n in model.graph.nodes if n.kind == "op" and n.type)


def test_a_failing_forward_is_an_error_not_an_exception():
    class Broken(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    report = typecheck_nn.check(Broken(), torch.randn(2))
    assert report.models[0].strongly_typed is None
    assert "boom" in report.models[0].error
    assert report.exit_code == 2


def test_related_operations_name_the_conflicting_lines():
    v = typecheck_nn.check(Elman(), torch.randn(3, 2, 4)).models[0].violations[0]
    line = _line_of("torch.tanh(self.W(x) + self.V(h))")
    assert v.related, "the add that joins W's and V's outputs takes part"
    assert all(r.location.line == line for r in v.related)
    assert any("`+`" in r.message for r in v.related)


def test_unknown_op_is_an_info_note_with_its_line_and_fresh_types():
    class Bessel(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Linear(4, 4)

        def forward(self, x):
            return self.w(torch.special.bessel_j0(x))

    report = typecheck_nn.check(Bessel(), torch.randn(2, 4))
    model = report.models[0]
    (note,) = [n for n in model.notes if n.code == "TNN100"]
    assert "bessel_j0" in note.message and note.severity == "info"
    assert "torch.special.bessel_j0(x)" in open(__file__).read().splitlines()[note.location.line - 1]
    assert model.strongly_typed is True and report.exit_code == 0


def test_shifted_time_axis_is_an_info_note_not_a_violation():
    class Shift(nn.Module):
        def forward(self, x):  # (time, batch, d)
            return x[1:] + x[:-1]

    model = typecheck_nn.check(Shift(), torch.randn(5, 2, 3)).models[0]
    assert model.strongly_typed is True
    assert [n.code for n in model.notes] == ["TNN004"]


def test_search_budget_exhaustion_is_reported():
    from typecheck_nn.engine.ir import Choice, Constraints, Eq
    from typecheck_nn.engine.solve import solve

    c = Constraints()
    a = [c.fresh(2, f"v{i}") for i in range(40)]
    c.choices = [Choice(i, f"s{i}", ((Eq(a[i], a[i + 1], i),), (Eq(a[i], a[0], i),))) for i in range(39)]
    sol = solve(c, max_search_steps=5)
    assert sol.search_exhausted and len(sol.chosen) == 39


def test_typed_graph_is_a_networkx_graph_of_values_and_operations():
    import networkx as nx

    from typecheck_nn.engine.pipeline import user_files_for
    from typecheck_nn.engine.trace import trace
    from typecheck_nn.engine.typegraph import build_typed_graph, op_edges

    model = TRNN()
    tg = build_typed_graph(trace(model, (torch.randn(3, 2, 4),), {}, user_files=user_files_for(model)))
    kinds = nx.get_node_attributes(tg.graph, "kind")
    values = [n for n, k in kinds.items() if k == "value"]
    ops = [n for n, k in kinds.items() if k == "op"]
    assert len(ops) == len(tg.ops) and values
    # every op output is a value node with one type variable per axis
    sig = next(op for op in tg.ops if op.target == "sigmoid")
    (out,) = tg.graph.successors(sig.id)
    assert len(tg.graph.nodes[out]["axes"]) == 2
    assert nx.is_directed_acyclic_graph(tg.graph)
    assert all(isinstance(u, int) and isinstance(v, int) for u, v in op_edges(tg.graph))
