"""The engine's one chain for a traced model: typed graph -> solve -> diagnose -> ModelResult.

`analyse` is what every entry point ends in (the API's `check`, the CLI's workers, the
language server): one place decides which findings a model gets, so they cannot drift.
`trace_or_record` is the capture step with its fallback: torch.export first, and the path
the example inputs take when export cannot capture the model.
"""

from __future__ import annotations

import inspect
import os
import time
from collections.abc import Iterable

import torch
from torch import nn

from typecheck_nn.core import rules
from typecheck_nn.core.model import Diagnostic, Location, ModelResult
from typecheck_nn.engine.diagnose import (
    Explainer,
    clash_diagnostic,
    conflict_diagnostic,
    unchecked_ops,
    unique_by_line,
    unique_findings,
    unknown_op_notes,
)
from typecheck_nn.engine.recurrence import firmware_ops, recurrence_summary, state_producers
from typecheck_nn.engine.solve import solve
from typecheck_nn.engine.stepcell import fallback_state_names, find_step_cell
from typecheck_nn.engine.trace import TracedProgram, TraceError
from typecheck_nn.engine.typegraph import build_typed_graph
from typecheck_nn.engine.typenames import matrix_roles
from typecheck_nn.engine.viewgraph import graph_view

TORCH_DIR = os.path.dirname(torch.__file__)


def user_files_for(module: nn.Module, extra: Iterable[str] = ()) -> set[str]:
    """Source files whose lines count as "the user's": the model classes' own files.

    torch's own modules are excluded so that nn.Linear's call is reported at the line
    that calls it, not inside torch.
    """
    files = {os.path.abspath(p) for p in extra}
    for cls in {type(sub) for sub in module.modules()}:
        files |= {src for src in _class_files(cls) if not is_torch_source(src)}
    return files


def is_torch_source(path: str) -> bool:
    """A file of torch itself; compared with the separator, so torchvision is not torch."""
    return os.path.abspath(path).startswith(os.path.join(TORCH_DIR, ""))


def _class_files(cls: type) -> set[str]:
    """Files a module class's code lives in: where inspect finds the class, and where its
    own methods were compiled (a class loaded from a file outside sys.modules, or one whose
    forward comes from a mixin, still has them)."""
    out = set()
    try:
        src = inspect.getsourcefile(cls)
        if src:
            out.add(os.path.abspath(src))
    except (TypeError, OSError):
        pass
    for attr in vars(cls).values():
        code = getattr(attr, "__code__", None)
        if code is not None and not code.co_filename.startswith("<"):
            out.add(os.path.abspath(code.co_filename))
    return out


def analyse(program: TracedProgram, name: str, path: str, *, with_graph: bool = True) -> ModelResult:
    """Typed graph, solution and findings for one traced program."""
    t0 = time.perf_counter()
    tg = build_typed_graph(program)
    cell = find_step_cell(tg, program)  # a step's state keeps its type, as if unrolled
    tg.recurrent_ops |= cell.firmware
    t1 = time.perf_counter()
    sol = solve(tg.constraints)
    t2 = time.perf_counter()
    firmware = firmware_ops(tg)
    loop_carried = state_producers(tg, firmware)
    carried = loop_carried | cell.carried
    violations: list[Diagnostic] = []
    if sol.conflicts:
        explainer = Explainer(sol)
        roles = matrix_roles(tg)
        for c in sol.conflicts:
            violations.append(conflict_diagnostic(tg, c, roles, explainer, firmware, carried, name))
        violations = unique_findings(violations)
    notes = unknown_op_notes(tg, name)
    notes += unique_by_line(clash_diagnostic(tg, clash, name) for clash in sol.clashes)
    notes += [rules.RECORDED_PATH.diagnostic(text, loc, model=name) for text, loc in program.notes]
    if sol.search_exhausted:
        notes.append(rules.SEARCH_BUDGET.diagnostic(rules.SEARCH_BUDGET.summary, None, model=name))
    unchecked = unchecked_ops(tg, sol)
    conflicted_ops = {tg.node_to_op[n] for v in violations for n in v.nodes if n in tg.node_to_op}
    summary = recurrence_summary(tg, firmware, loop_carried)
    summary.state_values = (cell.states + summary.state_values)[:12]
    if summary.has_recurrence and not summary.state_values:
        summary.state_values = fallback_state_names(tg, firmware)
    graph = graph_view(tg, sol, firmware, conflicted_ops) if with_graph else None
    t3 = time.perf_counter()
    strongly = not any(v.severity == "error" for v in violations)
    return ModelResult(
        name=name,
        path=path,
        strongly_typed=strongly,
        violations=violations,
        notes=notes,
        recurrence=summary,
        graph=graph,
        trace_method=program.method,
        seconds={"typegraph": t1 - t0, "solve": t2 - t1, "diagnostics": t3 - t2},
        complete=not unchecked,
        unchecked=unchecked,
    )


def error_result(name: str, path: str, message: str, loc: Location | None) -> ModelResult:
    """A model that could not be checked: no verdict, the reason and where it happened."""
    return ModelResult(name=name, path=path, strongly_typed=None, error=message, error_location=loc)


def record_path(model, args, kwargs, files, exc: TraceError) -> TracedProgram | None:
    """Export could not capture the model (a branch on tensor values, an input it cannot
    fakify): run it once for real and check the path the example inputs take."""
    from typecheck_nn.engine.record import record

    try:
        program = record(model, args, kwargs, files)
    except Exception:  # noqa: BLE001 - the export error is the one worth reporting
        return None
    reason = str(exc) if exc.data_dependent else f"torch.export could not capture the model ({exc})"
    program.notes.append((f"{reason}; checked the path the example inputs take instead", exc.location))
    return program
