"""Run the checks: a pool of worker processes (or the main process with `-j1`) and a report
whose order and content do not depend on scheduling.

The parent never imports torch or user code. It pre-scans files (prescan.py), hands one
file at a time to each worker over a pipe, and follows each worker's progress through
its messages (worker.py). It enforces `--timeout` per phase (importing a file, checking
one model): a worker that overruns is killed, one that dies (os._exit, a segfault, the
out-of-memory killer) is noticed through its process sentinel. Either way the file or
model it was on gets the error, the rest of that file's models go to a fresh worker, and
every other file is still checked.

Results are collected per task and assembled in task order (command-line order, then
sorted directory order), then in each file's own model order.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from typecheck_nn.core.model import FileError, ModelResult, Report, Skipped
from typecheck_nn.run.paths import FileTarget
from typecheck_nn.run.worker import (
    Discovered,
    Message,
    ModelDone,
    PhaseStarted,
    RunOptions,
    Task,
    TaskDone,
    error_result,
    timeout_message,
)

ABORTED = "not checked: the checker was stopped"
STARTUP_SECONDS = 300.0  # a worker importing torch on a loaded machine
# the worker interrupts itself at --timeout; the parent kills it this much later
_GRACE = 5.0

Progress = Callable[[str], None]  # called with a label when a file is done
OutputSink = Callable[[str, str], None]  # (label, captured text), for --debug


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@dataclass
class _TaskState:
    task: Task
    models: list[str] | None = None  # discovered model names, in the file's order
    results: dict[str, ModelResult] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    done: bool = False


class _Collector:
    """Turns worker messages into per-task state, whichever process they come from."""

    def __init__(self, tasks: list[Task], on_output: OutputSink | None, progress: Progress | None):
        self.states = {t.index: _TaskState(t) for t in tasks}
        self.on_output = on_output
        self.progress = progress

    def handle(self, msg: Message) -> None:
        state = self.states[msg.task]
        if isinstance(msg, Discovered):
            if state.models is None:  # a re-run after a crash reports only what is left
                state.models = list(msg.targets)
                state.skipped = list(msg.skipped)
                state.errors = list(msg.errors)
            if msg.output and self.on_output is not None:
                self.on_output(state.task.path, msg.output)
        elif isinstance(msg, ModelDone):
            state.results[msg.result.name] = msg.result
            if msg.result.output and self.on_output is not None:
                self.on_output(f"{state.task.path}::{msg.result.name}", msg.result.output)
        elif isinstance(msg, TaskDone):
            self.finish(state)

    def finish(self, state: _TaskState) -> None:
        if not state.done:
            state.done = True
            if self.progress is not None:
                self.progress(state.task.path)

    def fail(self, index: int, model: str | None, reason: str) -> Task | None:
        """The worker on task `index` was lost during `model` (None: the import). Returns
        the task for the models still to check, if any."""
        state = self.states[index]
        if model is None or state.models is None:
            state.errors.append(FileError(state.task.path, reason))
            self.finish(state)
            return None
        state.results[model] = error_result(model, state.task.path, reason)
        left = tuple(m for m in state.models if m not in state.results)
        if not left:
            self.finish(state)
            return None
        t = state.task
        return Task(t.index, t.path, t.name, t.explicit, only=left)

    def report(self) -> Report:
        report = Report()
        for index in sorted(self.states):
            state = self.states[index]
            report.errors += state.errors
            report.skipped += state.skipped
            for name in state.models or []:
                report.models.append(
                    state.results.get(name)
                    or error_result(name, state.task.path, "not checked: its worker was lost before reaching it")
                )
        return report


def _death_reason(exitcode: int | None, where: str) -> str:
    from typecheck_nn.run.worker import INTERNAL_EXIT

    if exitcode == INTERNAL_EXIT:
        return f"internal error in typecheck-nn while {where} (not the model's code); rerun with -j1 --debug for the traceback"
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = {
            "SIGKILL": " (out of memory?)",
            "SIGSEGV": " (a crash in native code, or a stack overflow)",
            "SIGABRT": " (a crash in native code)",
        }.get(name, "")
        return f"the checker's worker process was killed by {name}{hint} while {where}"
    return (
        f"the checker's worker process exited (exit code {exitcode}) while {where}: "
        "the code called os._exit() or ended the interpreter"
    )


def _phase_text(model: str | None) -> str:
    return "importing this file" if model is None else "checking this model"


class _Worker:
    def __init__(self, ctx, options: RunOptions, threads: int):
        from typecheck_nn.run.worker import worker_main

        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=worker_main, args=(child, options, threads), daemon=True)
        self.process.start()
        child.close()
        self.task: Task | None = None
        self.model: str | None = None
        self.phase_started: float | None = None  # None until the worker says it began the task
        self.assigned = 0.0

    def assign(self, task: Task) -> None:
        self.task, self.model, self.phase_started = task, None, None
        self.assigned = time.monotonic()
        try:
            self.conn.send(task)
        except OSError:
            pass  # the worker is gone: its sentinel reports it, and the task is failed over

    def deadline(self, timeout: float | None) -> float | None:
        if self.task is None:
            return None
        if self.phase_started is None:
            return self.assigned + STARTUP_SECONDS + (timeout or 0.0)
        return None if timeout is None else self.phase_started + timeout + _GRACE

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(2)
        self.conn.close()


class Pool:
    """Worker processes that outlive one run.

    The command line makes one per run and closes it; `lsp` and `watch` keep one warm for
    their whole session (`keep_warm`), so that each re-check pays for the check alone, not
    for importing torch. Workers start at once, so they import torch while the caller does
    other work; a worker that is lost (killed after a timeout, crashed) is replaced, and
    with `keep_warm` the replacement starts warming before the next run needs it.
    """

    def __init__(self, options: RunOptions, jobs: int, *, keep_warm: bool = False):
        import multiprocessing

        self.options = options
        self.jobs = max(1, jobs)
        self.keep_warm = keep_warm
        self._ctx = multiprocessing.get_context("spawn")
        self._threads = max(1, default_jobs() // self.jobs)
        self._aborted = False
        self.workers: list[_Worker] = []
        self.workers = [self._spawn() for _ in range(self.jobs)]

    def _spawn(self) -> _Worker:
        return _Worker(self._ctx, self.options, self._threads)

    def run(self, tasks: list[Task], collector: _Collector) -> None:
        """Check `tasks`, feeding every worker message to `collector`."""
        from multiprocessing.connection import wait

        options, workers = self.options, self.workers
        pending: deque[Task] = deque(tasks)
        retried: set[int] = set()
        while True:
            if self._aborted:
                self._fail_all(workers, pending, collector)
                break
            self._assign(workers, pending)
            busy = [w for w in workers if w.task is not None]
            if not busy:
                break
            deadlines = [d for d in (w.deadline(options.timeout) for w in busy) if d is not None]
            wait_for = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=wait_for)
            lost = self._lost_workers(busy, ready, collector)
            self._replace_lost(workers, lost, pending, retried, collector)

    def _fail_all(self, workers: list[_Worker], pending: deque[Task], collector: _Collector) -> None:
        """After `abort`: what was in progress and what was left to check get an error."""
        for w in workers:
            if w.task is not None:
                collector.fail(w.task.index, w.model, ABORTED)
                w.task = None
        while pending:
            collector.fail(pending.popleft().index, None, ABORTED)

    def _assign(self, workers: list[_Worker], pending: deque[Task]) -> None:
        """Give every idle worker the next task, replacing one that died between files."""
        for i, w in enumerate(workers):
            if w.task is None and pending:
                if not w.process.is_alive():  # died between files (a user thread, say)
                    w.kill()
                    workers[i] = w = self._spawn()
                w.assign(pending.popleft())

    def _lost_workers(self, busy: list[_Worker], ready: list, collector: _Collector) -> list[tuple[_Worker, str]]:
        """Read what the ready workers sent; returns the workers lost (died, or past their
        deadline) with the reason to report for each."""
        timeout = self.options.timeout
        lost: list[tuple[_Worker, str]] = []
        for w in busy:
            if w.conn in ready or w.process.sentinel in ready:
                try:
                    while w.task is not None and w.conn.poll():
                        msg = w.conn.recv()
                        _follow(w, msg)
                        collector.handle(msg)
                except (EOFError, OSError):
                    pass
                if w.task is not None and not w.process.is_alive():
                    w.process.join(1)
                    lost.append((w, _death_reason(w.process.exitcode, _phase_text(w.model))))
            deadline = w.deadline(timeout)
            if (
                w.task is not None
                and deadline is not None
                and time.monotonic() >= deadline
                and w not in (x for x, _ in lost)
            ):
                lost.append((w, self._overdue_reason(w)))
        return lost

    def _overdue_reason(self, w: _Worker) -> str:
        """Why a worker past its deadline is stopped: it never started, or its phase timed out."""
        what = "import" if w.model is None else "checking"
        if w.phase_started is None:
            return f"the checker's worker process did not start within {STARTUP_SECONDS:g} s"
        return timeout_message(what, self.options.timeout)

    def _replace_lost(
        self,
        workers: list[_Worker],
        lost: list[tuple[_Worker, str]],
        pending: deque[Task],
        retried: set[int],
        collector: _Collector,
    ) -> None:
        """Kill and replace lost workers. A task lost before its worker began it is retried
        once; otherwise it fails with the reason, and what its file had left is queued again."""
        for w, reason in lost:
            task, model, began = w.task, w.model, w.phase_started is not None
            w.kill()
            workers.remove(w)
            assert task is not None
            if not began and task.index not in retried and not self._aborted:
                # lost before it began this file (died idle, or while starting): once more
                retried.add(task.index)
                pending.appendleft(task)
                workers.append(self._spawn())
                continue
            rest = collector.fail(task.index, model, ABORTED if self._aborted else reason)
            if rest is not None:
                pending.appendleft(rest)
            if not self._aborted and (pending or self.keep_warm):
                workers.append(self._spawn())

    def abort(self) -> None:
        """Stop the run in progress from another thread (a language server shutting down):
        every worker is killed, and what was left to check gets an error."""
        self._aborted = True
        for w in list(self.workers):
            with contextlib.suppress(Exception):
                w.process.kill()

    def close(self) -> None:
        for w in self.workers:
            if w.task is None:
                w.stop()
            else:
                w.kill()
        self.workers = []

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _follow(w: _Worker, msg: Message) -> None:
    if isinstance(msg, PhaseStarted):
        w.model = msg.model
        w.phase_started = time.monotonic()
    elif isinstance(msg, TaskDone):
        w.task, w.model, w.phase_started = None, None, None


def _run_inline(tasks: list[Task], collector: _Collector, options: RunOptions) -> None:
    """`-j1`: everything in this process, for debugging (pdb, prints); no crash isolation,
    and timeouts only interrupt Python code."""
    import threading

    from typecheck_nn.run.isolation import Capture, Interrupted
    from typecheck_nn.run.worker import run_task

    def interrupt(signum, frame):
        raise Interrupted()

    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, interrupt) if main else None
    capture = Capture()
    try:
        for task in tasks:
            try:
                run_task(task, options, collector.handle, capture)
            except Exception as exc:  # noqa: BLE001 - the checker's own failure: exit 2, never 1
                if options.debug:
                    traceback.print_exc()
                collector.fail(task.index, None, f"internal error in typecheck-nn (not the model's code): {exc}")
    except Interrupted:
        raise KeyboardInterrupt from None
    finally:
        capture.close()
        if main:
            signal.signal(signal.SIGINT, previous)


def run(
    files: list[FileTarget],
    options: RunOptions,
    *,
    jobs: int = 1,
    progress: Progress | None = None,
    on_output: OutputSink | None = None,
    pool: Pool | None = None,
) -> Report:
    """Check `files` (already expanded and pre-scanned) with `jobs` workers (1 runs inline),
    or with a warm `pool` that the caller keeps between runs."""
    tasks = [Task(i, f.path, f.name, f.explicit) for i, f in enumerate(files)]
    collector = _Collector(tasks, on_output, progress)
    if tasks:
        if pool is not None:
            pool.run(tasks, collector)
        elif jobs <= 1:
            _run_inline(tasks, collector, options)
        else:
            with Pool(options, min(jobs, len(tasks))) as one_run:
                one_run.run(tasks, collector)
    return collector.report()


NOTHING_TO_CHECK = "defines no model to check (no nn.Module subclass with example inputs)"


def check_files(
    targets: list[str],
    options: RunOptions,
    *,
    jobs: int = 1,
    progress: Callable[[int], Progress] | None = None,
    on_output: OutputSink | None = None,
    pool: Pool | None = None,
) -> Report:
    """Expand `targets`, pre-scan them, check what may hold models, and say which files had none.

    Files found in a directory whose source shows no model are passed over silently; a
    file named on the command line gets a `skipped` entry with its name instead, so that
    pre-commit, which passes every changed file, succeeds on scripts and helpers.
    """
    from typecheck_nn.run.paths import expand_paths

    expanded, errors = expand_paths(targets)
    files: list[FileTarget] = []
    unimported: dict[str, str] = {}
    for f in expanded:
        if f.name is None:
            from typecheck_nn.run.prescan import verdict  # libcst: only when there is a file to scan

            v = verdict(f.path)
            if not v.importable:
                if f.explicit:
                    unimported[f.path] = v.reason
                continue
        files.append(f)
    report = run(
        files,
        options,
        jobs=jobs,
        progress=progress(len(files)) if progress else None,
        on_output=on_output,
        pool=pool,
    )
    report.errors = errors + report.errors
    found = {m.path for m in report.models} | {s.path for s in report.skipped} | {e.path for e in report.errors}
    notes = [
        Skipped("", f.path, NOTHING_TO_CHECK) for f in files if f.explicit and f.name is None and f.path not in found
    ]
    notes += [Skipped("", path, reason) for path, reason in unimported.items()]
    order = {f.path: i for i, f in enumerate(expanded)}
    report.skipped = sorted(report.skipped + notes, key=lambda s: order.get(s.path, len(order)))
    return report
