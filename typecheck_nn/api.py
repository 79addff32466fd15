"""The public façade: `check(module, *args)` and `assert_strongly_typed` for users' tests,
`check_paths` for files and folders, `apply_policies` for a finished report.

Nothing is decided here: a module goes through the engine's one chain
(engine.pipeline), files through the runner (run.runner), findings through the policies
(policy). A model that fails never hides the others: its failure becomes that model's `error`.
"""

from __future__ import annotations

import inspect
import os
import time
from pathlib import Path

from torch import nn

from typecheck_nn.core.model import Report
from typecheck_nn.engine.pipeline import analyse, error_result, record_path, user_files_for
from typecheck_nn.engine.trace import TracedProgram, TraceError, trace


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
        program = record_path(module, example_args, example_kwargs, files, exc)
        if program is None:
            report = Report(models=[error_result(name, path, f"trace failed: {exc}", exc.location)])
            return apply_policies(report, targets=[path]) if apply_config and os.path.isfile(path) else report
    result = analyse(program, name, path)
    result.seconds["trace"] = time.perf_counter() - t0 - sum(result.seconds.values())
    report = Report(models=[result])
    return apply_policies(report, targets=[path]) if apply_config and os.path.isfile(path) else report


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
    from typecheck_nn.run.runner import check_files
    from typecheck_nn.run.worker import RunOptions

    del progress  # the command line draws its own progress; the API stays quiet
    options = RunOptions(timeout=timeout, debug=debug, with_graph=with_graph)
    return check_files(list(targets), options, jobs=jobs)


def apply_policies(report: Report, *, targets, select=None, ignore=None, baseline=None, write_baseline=None) -> Report:
    """Config, suppressions and baselines, applied after checking (typecheck_nn.policy.policies)."""
    from typecheck_nn.policy.policies import apply

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
        from typecheck_nn.report.full import render

        raise AssertionError("\n" + render(report, root=Path.cwd()))
    return report
