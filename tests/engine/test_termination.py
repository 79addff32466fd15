"""The checker always terminates: generated models of cats, slices, pads, convs, views and
loops are checked within a time bound (property test), and the solver's bound holds."""

from __future__ import annotations

import signal
from contextlib import contextmanager

import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

import typecheck_nn
from typecheck_nn.engine.ir import Constraints
from typecheck_nn.engine.solve import solve

BOUND_S = 60  # generous on a loaded 2-core machine; a hang is unbounded


@contextmanager
def time_bound(seconds: int):
    def fail(signum, frame):
        raise TimeoutError(f"check took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


OPS = ("circular", "pad", "conv_valid", "conv_same", "slice", "view", "add_prev", "cat_self", "loop")


class Generated(nn.Module):
    """A chain of shape-changing ops on a (batch, channels, length) tensor."""

    def __init__(self, program: list[str], channels: int = 4):
        super().__init__()
        self.program = program
        self.conv = nn.Conv1d(channels, channels, 3)
        self.conv_same = nn.Conv1d(channels, channels, 3, padding=1)
        self.kernel = nn.Parameter(torch.randn(1, 1, 3))

    def forward(self, x):
        seen = [x]
        for op in self.program:
            b, c, n = x.shape
            if op == "circular":
                x = torch.cat([x[:, :, -1:], x, x[:, :, :1]], 2)
                x = F.conv1d(x.reshape(b * c, 1, -1), self.kernel).reshape(b, c, -1)
            elif op == "pad":
                x = F.pad(x[:, :, 1:], (0, 1))
            elif op == "conv_valid" and n >= 3:
                x = self.conv(x)
            elif op == "conv_same":
                x = self.conv_same(x)
            elif op == "slice" and n >= 2:
                x = x[:, :, : n - 1]
            elif op == "view":
                x = x.reshape(b, c * n).view(b, c, n)
            elif op == "cat_self":
                x = torch.cat([x, x], 2)[:, :, :n]
            elif op == "loop":
                for _ in range(3):
                    x = x + torch.tanh(self.conv_same(x))
            elif op == "add_prev":
                same = [v for v in seen if v.shape == x.shape]
                x = x + same[0]
            seen.append(x)
        return x


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(OPS), min_size=1, max_size=7))
def test_generated_models_always_finish(program):
    model = Generated(program)
    with time_bound(BOUND_S):
        report = typecheck_nn.check(model, torch.randn(2, 4, 6))
    (result,) = report.models
    assert result.error is None or "trace failed" in result.error, result.error


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(OPS), min_size=1, max_size=12))
def test_generated_models_always_finish_many(program):
    with time_bound(BOUND_S):
        typecheck_nn.check(Generated(program), torch.randn(2, 4, 6))


def test_solver_work_is_bounded():
    """A long chain of structure unifications stops at the work bound and says so."""
    c = Constraints()
    from typecheck_nn.engine.ir import Eq, Structure

    vars_ = [c.fresh(4, f"v{i}") for i in range(2000)]
    for i in range(0, 1998, 2):
        c.program.append(Eq(vars_[i], vars_[i + 2], 0))
    c.program.append(Structure(vars_[1], "sum", (vars_[3], vars_[5]), 0))
    sol = solve(c, max_work=100)
    assert sol.limited


def test_occurs_check_keeps_a_sum_from_containing_itself():
    c = Constraints()
    from typecheck_nn.engine.ir import Eq, Structure

    a, b, whole = c.fresh(None, "a"), c.fresh(None, "b"), c.fresh(None, "whole")
    c.program.append(Structure(whole, "sum", (a, b), 0))
    c.program.append(Eq(whole, a, 1))  # whole = whole ⊕ b: refused
    with time_bound(10):
        sol = solve(c)
    assert sol.clashes and sol.clashes[0].kind.value == "cycle"


def test_unification_never_identifies_different_lengths():
    c = Constraints()
    from typecheck_nn.engine.ir import Eq

    a, b = c.fresh(5, "a"), c.fresh(6, "b")
    c.program.append(Eq(a, b, 0))
    sol = solve(c)
    assert sol.solver.find(a) != sol.solver.find(b)
    assert sol.clashes and sol.clashes[0].kind.value == "size"
