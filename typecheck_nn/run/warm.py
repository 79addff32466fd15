"""Checking the same files again and again: the engine behind `lsp` and `watch`.

Each command-line run pays for starting a process, importing torch and warming up
torch.export (seconds) before it checks anything. A `WarmChecker` pays that once: it
keeps a `runner.Pool` of workers alive between checks, with user files compiled from
source at every import (`RunOptions.fresh_imports`), so a re-check after an edit costs the
check alone.

Results are cached by the file's content hash. A model file usually imports helpers from
its own folder, so the key also covers the size and modification time of the other `.py`
files beside it: editing a helper re-checks the models next to it. The cache holds the
checker's raw results; configuration and inline suppressions are applied on every call
(`policy.apply`), so editing `pyproject.toml` takes effect on the next check.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from typecheck_nn.core.model import Report
from typecheck_nn.run.runner import Pool, check_files
from typecheck_nn.run.worker import RunOptions


@dataclass(frozen=True)
class FileCheck:
    """One file's outcome: its models, skip notices and load errors, as configured."""

    path: str  # absolute
    report: Report
    seconds: float  # wall time of the check that produced it (0.0 when it came from the cache)
    cached: bool


def fingerprint(path: str) -> str:
    """The cache key of `path`: its bytes, and the size and mtime of the `.py` files beside it.

    Raises OSError when the file cannot be read."""
    digest = hashlib.sha256(Path(path).read_bytes())
    folder = Path(path).parent
    try:
        siblings = sorted(p for p in folder.glob("*.py") if p.name != Path(path).name)
    except OSError:
        siblings = []
    for sibling in siblings:
        try:
            st = sibling.stat()
        except OSError:
            continue
        digest.update(f"\0{sibling.name}\0{st.st_size}\0{st.st_mtime_ns}".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _part(report: Report, path: str) -> Report:
    """The entries of a combined report that belong to `path`."""

    def mine(p: str) -> bool:
        return os.path.abspath(p) == path

    return Report(
        models=[m for m in report.models if mine(m.path)],
        errors=[e for e in report.errors if mine(e.path)],
        skipped=[s for s in report.skipped if mine(s.path)],
    )


class WarmChecker:
    """A warm worker pool and a result cache. Not thread-safe: call from one thread."""

    def __init__(
        self,
        options: RunOptions | None = None,
        *,
        jobs: int = 1,
        select: str | None = None,
        ignore: str | None = None,
    ):
        self.options = replace(options or RunOptions(), fresh_imports=True)
        self.select = select
        self.ignore = ignore
        self.pool = Pool(self.options, jobs, keep_warm=True)
        self._cache: dict[str, tuple[str, Report]] = {}  # path -> (fingerprint, raw report)

    def check(self, paths: Iterable[str]) -> list[FileCheck]:
        """Check `paths` (files), reusing cached results for those unchanged since."""
        from typecheck_nn.policy.policies import apply

        wanted = list(dict.fromkeys(os.path.abspath(p) for p in paths))
        keys: dict[str, str | None] = {}
        for path in wanted:
            try:
                keys[path] = fingerprint(path)
            except OSError:
                keys[path] = None  # check_files reports it (not found, unreadable)
        todo = [p for p in wanted if keys[p] is None or self._cache.get(p, ("", None))[0] != keys[p]]
        fresh: dict[str, Report] = {}
        seconds = 0.0
        if todo:
            start = time.perf_counter()
            report = check_files(todo, self.options, jobs=self.pool.jobs, pool=self.pool)
            seconds = time.perf_counter() - start
            for path in todo:
                fresh[path] = _part(report, path)
                key = keys[path]
                if key is not None:
                    self._cache[path] = (key, fresh[path])
                else:
                    self._cache.pop(path, None)
        out = []
        for path in wanted:
            raw = fresh[path] if path in fresh else self._cache[path][1]
            configured = apply(raw, targets=[path], select=self.select, ignore=self.ignore)
            out.append(FileCheck(path, configured, seconds if path in fresh else 0.0, path not in fresh))
        return out

    def close(self) -> None:
        self.pool.close()

    def __enter__(self) -> WarmChecker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
