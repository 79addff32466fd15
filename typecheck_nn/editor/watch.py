"""`typecheck-nn watch PATH...`: check, then re-check on every change and print what changed.

The first check prints the whole concise report. After that, each change to a `.py`
file under the watched paths re-checks the targets in a warm worker (`warm.WarmChecker`:
files whose content and neighbours did not change come from its cache), and prints
only the difference: violations that are new, violations that are fixed, and models or
files that stopped or started being checkable, with the closing tally. Like `ruff check
--watch`, it runs until Ctrl-C.

A finding is identified by its file, model, rule and message, not by its line, so an
edit above it that moves it down is no change. Files are watched with `watchfiles`
(inotify, FSEvents, ReadDirectoryChangesW; set WATCHFILES_FORCE_POLLING=1 on file systems
that send no events, such as some network mounts).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from typecheck_nn.core.model import Report
from typecheck_nn.report import concise
from typecheck_nn.report.common import display_path, file_error_text, location_text, one_line, total_line
from typecheck_nn.run.paths import expand_paths
from typecheck_nn.run.warm import WarmChecker
from typecheck_nn.run.worker import RunOptions

Write = Callable[[str], None]


@dataclass(frozen=True, order=True)
class Finding:
    """What `watch` compares between two checks; `text` is how it is printed."""

    path: str
    model: str
    code: str
    message: str
    text: str = ""

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.path, self.model, self.code, self.message)


def findings(report: Report, root: Path) -> dict[tuple[str, str, str, str], Finding]:
    """Violations, models that could not be checked and files that could not be loaded."""
    out: list[Finding] = []
    for m in report.models:
        for v in m.violations:
            where = location_text(v.location, m.path, root)
            out.append(Finding(m.path, m.name, v.code, v.message, f"{where}: {v.code} {one_line(v.message)}"))
        if m.error is not None:
            where = location_text(m.error_location, m.path, root)
            out.append(Finding(m.path, m.name, "error", m.error, f"{where}: error: {m.name}: {one_line(m.error)}"))
    for e in report.errors:
        out.append(Finding(e.path, "", "error", e.message, f"{file_error_text(e, root)}: error: {one_line(e.message)}"))
    return {f.key: f for f in out}


def changes(
    before: dict[tuple[str, str, str, str], Finding], after: dict[tuple[str, str, str, str], Finding]
) -> tuple[list[Finding], list[Finding]]:
    """(new, fixed) findings, each sorted by file and message."""
    new = sorted(f for k, f in after.items() if k not in before)
    fixed = sorted(f for k, f in before.items() if k not in after)
    return new, fixed


class Watcher:
    """The watch loop, apart from the CLI so that it can be driven and stopped by tests."""

    def __init__(
        self,
        targets: list[str],
        options: RunOptions,
        write: Write,
        *,
        select: str | None = None,
        ignore: str | None = None,
        jobs: int = 1,
        root: Path | None = None,
    ):
        self.targets = [t.partition("::")[0] for t in targets]  # a whole file is watched
        self.write = write
        self.root = root or Path.cwd()
        self.checker = WarmChecker(options, jobs=jobs, select=select, ignore=ignore)
        self.current: dict[tuple[str, str, str, str], Finding] = {}

    def files(self) -> tuple[list[str], Report]:
        """The files the targets name now (a folder may have gained one), and load errors."""
        expanded, errors = expand_paths(self.targets)
        return [f.path for f in expanded], Report(errors=errors)

    def check(self) -> Report:
        files, report = self.files()
        for result in self.checker.check(files):
            report.models += result.report.models
            report.errors += result.report.errors
            report.skipped += result.report.skipped
        return report

    def first(self) -> Report:
        report = self.check()
        self.current = findings(report, self.root)
        self.write(concise.render(report, root=self.root))
        self.write(f"Watching {', '.join(self.targets)} for changes (Ctrl-C stops)\n")
        return report

    def again(self, changed: list[str]) -> Report:
        start = time.perf_counter()
        report = self.check()
        seconds = time.perf_counter() - start
        after = findings(report, self.root)
        new, fixed = changes(self.current, after)
        self.current = after
        names = ", ".join(sorted({display_path(p, self.root) for p in changed})) or "files"
        stamp = time.strftime("%H:%M:%S")
        lines = [f"[{stamp}] {names} changed: {len(new)} new, {len(fixed)} fixed ({seconds:.2f} s)"]
        lines += [f"  new    {f.text}" for f in new]
        lines += [f"  fixed  {f.text}" for f in fixed]
        lines.append("  " + total_line(report))
        self.write("\n".join(lines) + "\n")
        return report

    def run(self, stop: threading.Event | None = None) -> None:
        """Check, then re-check on every change until `stop` is set (or Ctrl-C)."""
        from watchfiles import PythonFilter, watch

        self.first()
        # folders, not files: editors save by writing a new file and renaming it over the
        # old one, which ends a watch on the old file
        roots = sorted({t if os.path.isdir(t) else os.path.dirname(os.path.abspath(t)) for t in self.targets})
        roots = [r for r in roots if os.path.isdir(r)] or ["."]
        for batch in watch(*roots, watch_filter=PythonFilter(), stop_event=stop, raise_interrupt=False):
            self.again([path for _, path in batch])

    def close(self) -> None:
        self.checker.close()
