"""Step cells give the verdict of the unrolled model.

Every reference model is `forward(xs, state=None) -> (outputs, state)`; called on one
time step with its state passed in, it is its own cell, `forward(x, state) -> (y,
state')`, and the loop is the caller's. Its verdict must be the unrolled model's: the
step cell pass imposes exactly what the loop would (docs/semantics.md, "Step cells").
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from reference_models import MODELS
from typecheck_nn import check


class OneStep(nn.Module):
    """One step of a sequence model, its state an argument and a result."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x, state):
        ys, state = self.model(x.unsqueeze(0), state)
        return ys[0], state


def _verdict(module, *args):
    report = check(module, *args, apply_config=False)
    (model,) = report.models
    assert model.error is None, model.error
    assert model.complete, model.unchecked
    return model


# a model that takes no state in (the encoder-decoders: `carries_state = False`, their
# decoder starts from the encoder each call) has no step cell to check
STATEFUL = [key for key, cls in MODELS.items() if getattr(cls, "carries_state", True)]


@pytest.mark.parametrize("key", STATEFUL, ids=STATEFUL)
def test_step_cell_matches_unrolled(key):
    torch.manual_seed(0)
    model = MODELS[key]()
    xs = model.example_inputs()[0]
    unrolled = _verdict(model, xs)
    with torch.no_grad():
        _, state = model(xs)
    step = _verdict(OneStep(model), xs[0], state)
    assert step.strongly_typed is unrolled.strongly_typed is model.expected_strongly_typed, (
        [v.message for v in step.violations],
        [v.message for v in unrolled.violations],
    )
    assert step.recurrence.has_recurrence
    if not model.expected_strongly_typed:
        assert {v.code for v in step.violations} == {"TNN002"}, [v.message for v in step.violations]


def test_a_model_that_ignores_its_state_argument_has_no_step_cell():
    """The encoder-decoders return a state but never read one: called on one step with a
    state passed in, nothing flows from that state to the next, so there is no recurrence
    to find (and the test above rightly leaves them out)."""
    key = next(k for k, cls in MODELS.items() if not getattr(cls, "carries_state", True))
    model = MODELS[key]()
    xs = model.example_inputs()[0]
    with torch.no_grad():
        _, state = model(xs)
    assert not _verdict(OneStep(model), xs[0], state).recurrence.has_recurrence


def test_state_attributes_are_the_users_not_torchs():
    """Export's warning names the attributes forward assigned; nn.LSTM's private
    `_flat_weights` bookkeeping is no state to trace twice for."""
    from typecheck_nn.engine.trace import _is_state_attribute

    assert _is_state_attribute("The tensor attribute self.prev_state was assigned during export. Such ...")
    assert not _is_state_attribute(
        "The tensor attributes self.lstm._flat_weights[0], self.lstm._flat_weights[1] were assigned during export."
    )
    assert not _is_state_attribute("some other warning")


class _Cache(nn.Module):
    """Stores in forward what its parameters give (a per-device bias cache)."""

    def __init__(self):
        super().__init__()
        self.W, self.bias = nn.Linear(4, 4), nn.Parameter(torch.zeros(4))
        self.cache = {}

    def forward(self, x):
        if "cpu" not in self.cache:
            self.cache["cpu"] = self.bias * 2
        return self.W(x) + self.cache["cpu"]


class _State(nn.Module):
    """Stores in forward what it computed from its input (a recurrent state)."""

    def __init__(self):
        super().__init__()
        self.W, self.prev = nn.Linear(4, 4), None

    def forward(self, x):
        h = torch.tanh(self.W(x) + (0 if self.prev is None else self.prev))
        self.prev = h
        return h


@pytest.mark.parametrize("cls,state", [(_Cache, False), (_State, True)])
def test_only_a_value_computed_from_the_inputs_passes_between_the_two_calls(cls, state):
    """Export warns about any tensor forward stores on the module; the second call
    reading a parameter cache carries nothing from one input to the next, so the model
    is traced once (two calls would fold into a loop that is not there: timm's
    EfficientViT read as a recurrence over its cascaded heads)."""
    from typecheck_nn.engine.trace import TwoSteps, passes_state

    ep = torch.export.export(TwoSteps(cls()), (torch.randn(2, 4),), strict=False)
    assert passes_state(ep) is state
