"""Type names come from one place (engine.typenames): violations and the graph view spell
matrix roles alike, a class takes the role of its parameter's first use as a matrix, and
what no parameter names is named where it was born."""

from __future__ import annotations

import inspect

import torch
from torch import nn

from typecheck_nn import check


class Elman(nn.Module):
    def __init__(self):
        super().__init__()
        self.W, self.V = nn.Linear(4, 8), nn.Linear(8, 8)

    def forward(self, xs):
        h = torch.zeros(2, 8)
        for x in xs:
            h = torch.tanh(self.W(x) + self.V(h))
        return h


class TwoLayers(nn.Module):
    def __init__(self):
        super().__init__()
        self.W, self.V = nn.Linear(4, 8), nn.Linear(8, 3)

    def forward(self, x):
        return self.V(torch.relu(self.W(x)))


def _model(module, *args):
    (model,) = check(module, *args, apply_config=False).models
    assert model.error is None and model.graph is not None
    return model


def _param_axes(model, name: str) -> list[str]:
    (node,) = (n for n in model.graph.nodes if n.id == f"param:{name}")
    return node.axes


def test_a_class_takes_its_first_role():
    """V's input is W's output: one class, named by the first matrix use (W's)."""
    model = _model(TwoLayers(), torch.randn(2, 4))
    assert _param_axes(model, "W.weight") == ["cod(W)", "dom(W)"]
    assert _param_axes(model, "V.weight") == ["cod(V)", "cod(W)"]
    assert {t.name for t in model.graph.types} >= {"cod(W)", "dom(W)", "cod(V)"}


def test_violation_names_the_roles_of_its_matrix():
    """The violation says dom(V) and cod(V), spelled as the graph spells roles; in the
    graph the conflict has made them one class with cod(W), which W's use named first."""
    model = _model(Elman(), torch.randn(3, 2, 4))
    (violation,) = model.violations
    assert violation.types == ("dom(V)", "cod(V)")
    assert _param_axes(model, "V.weight") == ["cod(W)", "cod(W)"]
    # what no parameter names keeps its birth label, the axis after the variable
    lines, start = inspect.getsourcelines(Elman.forward)
    line = start + next(k for k, text in enumerate(lines) if "h = torch.zeros" in text)
    born = {f"h[0]@test_typenames.py:{line}", f"h[1]@test_typenames.py:{line}"}
    assert born <= {t.name for t in model.graph.types}
