"""Public entry points: check(module, *args) for users' tests, check_paths for the CLI.

Both run the same pipeline: trace -> typed graph -> solve -> diagnostics, into a Report.
A model that fails never hides the others: its failure becomes that model's `error`.
"""

from __future__ import annotations

import inspect
import os
import time
import traceback
from collections.abc import Iterable
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
    unchecked_ops,
    unique_by_line,
    unknown_op_notes,
)
from .isolation import ABORT
from .report.model import Diagnostic, Location, ModelResult, Report
from .solve import solve
from .trace import TracedProgram, TraceError, trace
from .typegraph import build_typed_graph
from .viewgraph import graph_view

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
    unchecked = unchecked_ops(tg, sol)
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
        complete=not unchecked,
        unchecked=unchecked,
    )


def _error_result(name: str, path: str, message: str, loc: Location | None) -> ModelResult:
    return ModelResult(name=name, path=path, strongly_typed=None, error=message, error_location=loc)


def check(
    module: nn.Module, *example_args, name: str | None = None, apply_config: bool = True, **example_kwargs
) -> Report:
    """Check one module on its example inputs; returns the Report every format renders.

    For use in a user's own tests. As on the command line, the `[tool.typecheck-nn]`
    configuration that applies to the model's source file (rule selection, severities)
    and its `# typecheck-nn: ignore[...]` comments are applied, so a test and CI agree;
    `apply_config=False` gives the raw findings. See also `assert_strongly_typed`.
    """
    cls = type(module)
    name = name or cls.__name__
    try:
        path = os.path.abspath(inspect.getsourcefile(cls) or "<unknown>")
    except (TypeError, OSError):
        path = "<unknown>"
    files = user_files_for(module)
    t0 = time.perf_counter()
    program: TracedProgram | None
    try:
        program = trace(module, example_args, example_kwargs, user_files=files)
    except TraceError as exc:
        program = _record_path(module, example_args, example_kwargs, files, exc)
        if program is None:
            report = Report(models=[_error_result(name, path, f"trace failed: {exc}", exc.location)])
            return apply_policies(report, targets=[path]) if apply_config and os.path.isfile(path) else report
    result = analyse(program, name, path)
    result.seconds["trace"] = time.perf_counter() - t0 - sum(result.seconds.values())
    report = Report(models=[result])
    return apply_policies(report, targets=[path]) if apply_config and os.path.isfile(path) else report


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300]}" if text else type(exc).__name__


def check_target(target, debug: bool = False, with_graph: bool = True) -> ModelResult:
    """Build and trace on the meta device first (no memory, no compute); real tensors only if needed.

    Building and tracing both run under a meta device context, so tensors a model makes
    in `forward` without naming a device (`torch.zeros(B, H)`) are meta tensors too.
    Real tensors are needed when the model cannot be built or exported on meta, and when
    it branches on tensor values: then the path its example inputs take is recorded.
    The result's `fallback` says why real tensors were used.
    """
    files = {target.path}
    t0 = time.perf_counter()
    program = None
    first_error: Exception | None = None
    stage = "building"
    try:
        model, args, kwargs = target.build("meta")
        files |= user_files_for(model)
        stage = "tracing"
        program = trace(model, args, kwargs, user_files=files, device="meta", quiet=not debug)
    except ABORT:
        raise
    except Exception as exc:  # noqa: BLE001 - retried with real tensors below
        first_error = exc
    fallback = ""
    if program is None:
        fallback = f"{stage} on the meta device failed ({_short(first_error) if first_error else 'unknown'})"
        if isinstance(first_error, TraceError) and first_error.data_dependent:
            fallback = "the model branches on tensor values"
        try:
            model, args, kwargs = target.build(None)
        except ABORT:
            raise
        except Exception as exc:  # noqa: BLE001
            if debug:  # captured with the model's output, shown by --debug
                traceback.print_exception(exc)
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
                program = trace(model, args, kwargs, user_files=files, quiet=not debug)
                program.method = "export-real"
            except TraceError as exc:
                if debug:
                    traceback.print_exception(exc)
                error = exc
        if program is None:
            assert error is not None
            program = _record_path(model, args, kwargs, files, error)
        if program is None:
            assert error is not None
            where = f" at line {error.location.line}" if error.location else ""
            message = str(error) if error.data_dependent else f"forward failed{where}: {error}"
            return _error_result(target.name, target.path, message, error.location)
    t1 = time.perf_counter()
    result = analyse(program, target.name, target.path, with_graph=with_graph)
    result.seconds["trace"] = t1 - t0
    result.fallback = fallback
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


def check_paths(
    targets: list[str],
    progress=None,
    debug: bool = False,
    *,
    jobs: int = 1,
    timeout: float | None = None,
    with_graph: bool = True,
) -> Report:
    """Check every model found in the given files/directories (FILE::NAME selects one).

    The command line's runner (runner.check_files): files are pre-scanned before import,
    each file's modules are dropped after it, user output is captured. `jobs=1` checks in
    this process; more uses worker processes, each bounded by `timeout` per model.
    """
    from .runner import check_files
    from .worker import RunOptions

    del progress  # the command line draws its own progress; the API stays quiet
    options = RunOptions(timeout=timeout, debug=debug, with_graph=with_graph)
    return check_files(list(targets), options, jobs=jobs)


def apply_policies(report: Report, *, targets, select=None, ignore=None, baseline=None, write_baseline=None) -> Report:
    """Config, suppressions and baselines, applied after checking (typecheck_nn.policy)."""
    from .policy import apply

    return apply(
        report, targets=targets, select=select, ignore=ignore, baseline=baseline, write_baseline=write_baseline
    )


def assert_strongly_typed(module: nn.Module, *example_args, **example_kwargs) -> Report:
    """Fail a test with the full diagnostic text unless `module` is strongly typed.

    `typecheck_nn.assert_strongly_typed(model, x)` in a test reads like the CLI's output
    when it fails (source line, carets, types, fix), not like a dataclass repr. Accepts
    `check`'s keywords (`name`, `apply_config`); returns the report when it passes.
    """
    report = check(module, *example_args, **example_kwargs)
    if not report.models or report.models[0].strongly_typed is not True:
        from .report.full import render

        raise AssertionError("\n" + render(report, root=Path.cwd()))
    return report
