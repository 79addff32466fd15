"""Checking one file, in a worker process or (with `-j1`) in the main process.

A `Task` is one file (optionally `FILE::NAME`, optionally restricted to some models after
a crash). `run_task` imports the file, then checks each model, and reports what happens
as messages (`PhaseStarted`, `Discovered`, `ModelDone`, `TaskDone`), so that the parent
always knows which model a worker is on when it hangs or dies. Every phase runs under
`isolation.Capture` and `isolation.deadline`, and the interpreter state is restored after
the file (`isolation.Isolation`).

This module imports neither torch nor the pipeline at import time: the parent process
imports it for the message types, and only workers pay for torch.
"""

from __future__ import annotations

import os
import signal
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from typecheck_nn.core.model import FileError, ModelResult, Skipped
from typecheck_nn.run.isolation import Capture, Interrupted, Isolation, Timeout, deadline


@dataclass(frozen=True)
class Task:
    index: int  # position in the run: the report lists tasks in this order
    path: str
    name: str | None = None  # FILE::NAME
    explicit: bool = True
    only: tuple[str, ...] | None = None  # check only these models (the rest were already done)


@dataclass(frozen=True)
class RunOptions:
    timeout: float | None = 300.0
    debug: bool = False
    with_graph: bool = True
    # a long-lived worker (lsp, watch) compiles user files from source at every import
    fresh_imports: bool = False


@dataclass(frozen=True)
class PhaseStarted:
    task: int
    model: str | None  # None: importing the file


@dataclass(frozen=True)
class Discovered:
    task: int
    targets: list[str]
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    output: str = ""


@dataclass(frozen=True)
class ModelDone:
    task: int
    result: ModelResult


@dataclass(frozen=True)
class TaskDone:
    task: int


Message = PhaseStarted | Discovered | ModelDone | TaskDone


def seconds_text(seconds: float | None) -> str:
    return f"{seconds:g} s"


def timeout_message(what: str, seconds: float | None) -> str:
    return f"{what} timed out after {seconds_text(seconds)} (--timeout)"


def error_result(name: str, path: str, message: str, output: str = "") -> ModelResult:
    return ModelResult(name=name, path=path, strongly_typed=None, error=message, output=output)


def run_task(task: Task, options: RunOptions, emit: Callable[[Message], None], capture: Capture) -> None:
    """Import `task`'s file and check its models, emitting a message at every step."""
    from typecheck_nn.run.check import check_target
    from typecheck_nn.run.discover import discover_file

    isolation = Isolation()
    try:
        emit(PhaseStarted(task.index, None))
        out: list[str] = []
        try:
            with capture.phase(out), deadline(options.timeout):
                found = discover_file(task.path, task.name, fresh=options.fresh_imports)
            targets, skipped, errors = found.targets, found.skipped, found.errors
        except Timeout:
            targets, skipped = [], []
            errors = [FileError(task.path, timeout_message("import", options.timeout))]
        output = out[0] if out else ""
        if errors and output:
            errors = [FileError(e.path, e.message, e.line, output) for e in errors]
        if task.only is not None:
            targets = [t for t in targets if t.name in task.only]
        emit(Discovered(task.index, [t.name for t in targets], skipped, errors, output))
        for target in targets:
            emit(PhaseStarted(task.index, target.name))
            out = []
            try:
                with capture.phase(out), deadline(options.timeout):
                    result = check_target(target, debug=options.debug, with_graph=options.with_graph)
            except Timeout:
                result = error_result(target.name, target.path, timeout_message("checking", options.timeout))
            except Interrupted:
                raise
            except Exception as exc:  # noqa: BLE001 - check_target reports user errors itself
                result = error_result(
                    target.name,
                    target.path,
                    f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
                )
                if options.debug:
                    out.append(traceback.format_exc())
            except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt... from user code
                result = error_result(
                    target.name,
                    target.path,
                    f"the model's code raised {type(exc).__name__}{f': {exc}' if str(exc) else ''}",
                )
            result.output = "".join(out)
            emit(ModelDone(task.index, result))
    finally:
        try:
            isolation.restore()
        except Exception as exc:  # noqa: BLE001 - ours, never the model's: say so
            raise InternalError(f"cleaning up after the file ({type(exc).__name__}: {exc})") from exc
    emit(TaskDone(task.index))


class InternalError(Exception):
    """A failure of the checker itself around a task (not of the model's code)."""


INTERNAL_EXIT = 70  # EX_SOFTWARE: a worker that stops on an internal error exits with this


def worker_main(conn, options: RunOptions, threads: int) -> None:
    """A worker process: import torch once, then check the tasks the parent sends.

    Its stdout and stderr point at /dev/null between phases, so nothing it prints can
    reach the parent's report; Ctrl-C is left to the parent, which stops the workers.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    import torch

    from typecheck_nn.run import (
        check,  # noqa: F401 - the pipeline, imported once per worker
        discover,  # noqa: F401 - the pipeline, imported once per worker
    )

    torch.set_num_threads(max(1, threads))
    _warm_up()
    if options.fresh_imports:
        from typecheck_nn.run.isolation import read_user_sources_fresh

        read_user_sources_fresh()
    capture = Capture()
    try:
        while True:
            try:
                task = conn.recv()
            except (EOFError, OSError):
                break
            if task is None:
                break
            try:
                run_task(task, options, conn.send, capture)
            except Exception:  # noqa: BLE001 - the parent reports it as the checker's error
                if options.debug:
                    traceback.print_exc()
                os._exit(INTERNAL_EXIT)
    finally:
        capture.close()
        conn.close()


def _warm_up() -> None:
    """Export a tiny model once, so that torch.export's own first-use imports (a second or
    more) are not charged to the first user model's --timeout."""
    import contextlib

    import torch

    from typecheck_nn.engine.trace import trace

    with contextlib.suppress(Exception), torch.device("meta"):
        trace(torch.nn.Linear(2, 2), (torch.zeros(1, 2),), {}, user_files=set(), device="meta")
