"""Public entry points: check(module, *args) for users' tests, check_paths for the CLI.

Both run the same pipeline: trace -> typed graph -> solve -> diagnostics, into a Report.
A model that fails never hides the others: its failure becomes that model's `error`.
"""

from __future__ import annotations

import inspect
import os
import time
from pathlib import Path

import torch
from torch import nn

from . import rules
from .diagnostics import (
    Explainer,
    TypeNamer,
    clash_diagnostic,
    conflict_diagnostic,
    firmware_ops,
    recurrence_summary,
    state_producers,
    unique_by_line,
    unknown_op_notes,
)
from .discover import discover_file, expand_paths
from .report.model import Diagnostic, FileError, Location, ModelResult, Report
from .solve import solve
from .trace import TracedProgram, TraceError, trace
from .typegraph import build_typed_graph
from .viewgraph import graph_view

TORCH_DIR = os.path.dirname(torch.__file__)


def user_files_for(module: nn.Module, extra: list[str] = ()) -> set[str]:
    """Source files whose lines count as "the user's": the model classes' own files.

    torch's own modules are excluded so that nn.Linear's call is reported at the line
    that calls it, not inside torch.
    """
    files = {os.path.abspath(p) for p in extra}
    for sub in module.modules():
        try:
            src = inspect.getsourcefile(type(sub))
        except (TypeError, OSError):
            continue
        if src and not os.path.abspath(src).startswith(TORCH_DIR):
            files.add(os.path.abspath(src))
    return files


def analyse(program: TracedProgram, name: str, path: str, *, with_graph: bool = True) -> ModelResult:
    """Typed graph, solution and findings for one traced program."""
    t0 = time.perf_counter()
    tg = build_typed_graph(program)
    t1 = time.perf_counter()
    sol = solve(tg.constraints)
    t2 = time.perf_counter()
    firmware = firmware_ops(tg)
    carried = state_producers(tg, firmware)
    namer = TypeNamer(tg, sol)
    violations: list[Diagnostic] = []
    if sol.conflicts:
        explainer = Explainer(sol)
        for c in sol.conflicts:
            violations.append(conflict_diagnostic(tg, c, namer, explainer, firmware, carried, name))
    notes = unknown_op_notes(tg, name)
    notes += unique_by_line(clash_diagnostic(tg, clash, name) for clash in sol.clashes)
    for text, loc in program.notes:
        rule = rules.RECORDED_PATH
        notes.append(
            Diagnostic(rule.code, rule.name, rule.severity, text, loc, model=name, help=rule.help, url=rule.url)
        )
    if sol.search_exhausted:
        rule = rules.SEARCH_BUDGET
        notes.append(
            Diagnostic(
                rule.code, rule.name, rule.severity, rule.summary, None, model=name, help=rule.help, url=rule.url
            )
        )
    conflicted_ops = {tg.node_to_op[n] for v in violations for n in v.nodes if n in tg.node_to_op}
    summary = recurrence_summary(tg, firmware, carried)
    graph = graph_view(tg, namer, firmware, conflicted_ops) if with_graph else None
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
    )


def _error_result(name: str, path: str, message: str, loc: Location | None) -> ModelResult:
    return ModelResult(name=name, path=path, strongly_typed=None, error=message, error_location=loc)


def check(module: nn.Module, *example_args, name: str | None = None, **example_kwargs) -> Report:
    """Check one module on its example inputs; returns the Report every format renders.

    For use in a user's own tests: `assert typecheck_nn.check(model, x).models[0].strongly_typed`.
    """
    cls = type(module)
    name = name or cls.__name__
    try:
        path = os.path.abspath(inspect.getsourcefile(cls) or "<unknown>")
    except (TypeError, OSError):
        path = "<unknown>"
    files = user_files_for(module)
    t0 = time.perf_counter()
    try:
        program = trace(module, example_args, example_kwargs, user_files=files)
    except TraceError as exc:
        program = _record_path(module, example_args, example_kwargs, files, exc)
        if program is None:
            return Report(models=[_error_result(name, path, f"trace failed: {exc}", exc.location)])
    result = analyse(program, name, path)
    result.seconds["trace"] = time.perf_counter() - t0 - sum(result.seconds.values())
    return Report(models=[result])


def check_target(target, debug: bool = False) -> ModelResult:
    """Build on the meta device first (no memory, no compute); real tensors only if needed.

    Real tensors are needed when the model cannot be built or exported on meta, and when
    it branches on tensor values: then the path its example inputs take is recorded.
    """
    files = {target.path}
    t0 = time.perf_counter()
    program = None
    first_error: Exception | None = None
    try:
        model, args, kwargs = target.build("meta")
        files |= user_files_for(model)
        program = trace(model, args, kwargs, user_files=files)
    except Exception as exc:  # noqa: BLE001 - retried with real tensors below
        first_error = exc
    if program is None:
        try:
            model, args, kwargs = target.build(None)
        except Exception as exc:  # noqa: BLE001
            if debug:
                raise
            from .trace import user_frame_location

            loc = user_frame_location(exc, files)
            where = f" (line {loc.line})" if loc else ""
            return _error_result(
                target.name,
                target.path,
                f"could not build the model or its inputs{where}: {type(exc).__name__}: {exc}",
                loc,
            )
        files |= user_files_for(model)
        error = first_error if isinstance(first_error, TraceError) and first_error.data_dependent else None
        if error is None:
            try:
                program = trace(model, args, kwargs, user_files=files)
                program.method = "export-real"
            except TraceError as exc:
                if debug:
                    raise
                error = exc
        if program is None:
            program = _record_path(model, args, kwargs, files, error)
        if program is None:
            where = f" at line {error.location.line}" if error.location else ""
            message = str(error) if error.data_dependent else f"forward failed{where}: {error}"
            return _error_result(target.name, target.path, message, error.location)
    t1 = time.perf_counter()
    result = analyse(program, target.name, target.path)
    result.seconds["trace"] = t1 - t0
    return result


def _record_path(model, args, kwargs, files, exc: TraceError) -> TracedProgram | None:
    """Export could not capture the model (a branch on tensor values, an input it cannot
    fakify): run it once for real and check the path the example inputs take."""
    from .record import record

    try:
        program = record(model, args, kwargs, files)
    except Exception:  # noqa: BLE001 - the export error is the one worth reporting
        return None
    reason = str(exc) if exc.data_dependent else f"torch.export could not capture the model ({exc})"
    program.notes.append((f"{reason}; checked the path the example inputs take instead", exc.location))
    return program


def check_paths(targets: list[str], progress=None, debug: bool = False) -> Report:
    """Check every model found in the given files/directories (FILE::NAME selects one)."""
    pairs, errors = expand_paths(targets)
    report = Report(errors=list(errors))
    explicit = {os.path.abspath(t.partition("::")[0]) for t in targets if os.path.isfile(t.partition("::")[0])}
    work = []
    for path, name in pairs:
        found = discover_file(path, name)
        report.skipped += found.skipped
        report.errors += found.errors
        if not found.targets and not found.errors and found.skipped and path in explicit:
            # it defines models, none of which can be checked: the request failed
            reason = "; ".join(f"{s.name}: {s.reason}" for s in found.skipped)
            report.errors.append(FileError(path, f"no checkable models in this file ({reason})"))
        work += found.targets
    # files without any nn.Module (helpers, scripts) are not an error: pre-commit passes
    # every changed .py file. The renderers say "no models found" when nothing was checked.
    if progress is not None and work:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(
            TextColumn("checking"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=progress,
            transient=True,
        ) as bar:
            task = bar.add_task("", total=len(work))
            for t in work:
                bar.update(task, description=f"{Path(t.path).name}::{t.name}")
                report.models.append(check_target(t, debug))
                bar.advance(task)
    else:
        for t in work:
            report.models.append(check_target(t, debug))
    return report


def apply_policies(report: Report, *, targets, select=None, ignore=None, baseline=None, write_baseline=None) -> Report:
    """Config, suppressions and baselines, applied after checking (typecheck_nn.policy)."""
    try:
        from .policy import apply
    except ImportError:
        return report
    return apply(
        report, targets=targets, select=select, ignore=ignore, baseline=baseline, write_baseline=write_baseline
    )
