"""Solver time against unroll length: typed-graph build and solve at 8, 64 and 512 steps.

    python benchmarks/solver_scaling.py [--steps 8 64 512]

Exports each model once per length (not timed), then times building the typed graph and
solving it, best of a few runs, and prints time per graph node: flat per-node figures
mean the solver grows linearly. Two models: T-GRU (a gate-orientation choice per step,
strongly typed) and an Elman RNN (a conflict to find and explain).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from typecheck_nn.engine.diagnose import Explainer  # noqa: E402
from typecheck_nn.engine.pipeline import user_files_for  # noqa: E402
from typecheck_nn.engine.recurrence import firmware_ops  # noqa: E402
from typecheck_nn.engine.solve import solve  # noqa: E402
from typecheck_nn.engine.trace import trace  # noqa: E402
from typecheck_nn.engine.typegraph import build_typed_graph  # noqa: E402


class TGRU(nn.Module):
    def __init__(self, d=16, h=32):
        super().__init__()
        self.h = h
        self.z, self.f, self.o = nn.Linear(d, h), nn.Linear(d, h), nn.Linear(d, h)

    def forward(self, xs):
        h = xs.new_zeros(xs.shape[1], self.h)
        for x in xs.unbind(0):
            f = torch.sigmoid(self.f(x))
            h = f * h + self.z(x) * torch.tanh(self.o(x))
        return h


class Elman(nn.Module):
    def __init__(self, d=16, h=32):
        super().__init__()
        self.h = h
        self.w, self.v = nn.Linear(d, h), nn.Linear(h, h)

    def forward(self, xs):
        h = xs.new_zeros(xs.shape[1], self.h)
        for x in xs.unbind(0):
            h = torch.tanh(self.w(x) + self.v(h))
        return h


def measure(cls, steps: int, repeats: int = 3):
    with torch.device("meta"):
        model = cls()
        xs = torch.zeros(steps, 2, 16)
    program = trace(model, (xs,), {}, user_files=user_files_for(model, [__file__]))
    best_build = best_solve = best_total = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        tg = build_typed_graph(program)
        t1 = time.perf_counter()
        sol = solve(tg.constraints)
        if sol.conflicts:
            Explainer(sol).explain(tg.params[sol.conflicts[0].param].axes[0], tg.params[sol.conflicts[0].param].axes[1])
        firmware_ops(tg)
        t2 = time.perf_counter()
        best_build, best_solve, best_total = (
            min(best_build, t1 - t0),
            min(best_solve, t2 - t1),
            min(best_total, t2 - t0),
        )
    nodes = len(program.graph_module.graph.nodes)
    return nodes, len(tg.constraints.choices), len(sol.conflicts), best_build, best_solve, best_total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, nargs="+", default=[8, 64, 512])
    args = ap.parse_args()
    print(
        f"{'model':<6} {'steps':>5} {'nodes':>6} {'choices':>7} {'conflicts':>9} {'build s':>8} {'solve s':>8} {'us/node':>8}"
    )
    for cls in (TGRU, Elman):
        per_node = []
        for steps in args.steps:
            nodes, choices, conflicts, build, solve_s, total = measure(cls, steps)
            per_node.append(total / nodes * 1e6)
            print(
                f"{cls.__name__:<6} {steps:>5} {nodes:>6} {choices:>7} {conflicts:>9} {build:>8.4f} {solve_s:>8.4f} {per_node[-1]:>8.1f}"
            )
        print(
            f"{cls.__name__}: time per node at {args.steps[-1]} steps / at {args.steps[0]} steps = "
            f"{per_node[-1] / per_node[0]:.2f} (<= ~1 means linear or better)"
        )


if __name__ == "__main__":
    main()
