"""Keeping one model file's side effects away from the report and from the next file.

Checking a file imports it and runs its model, in a worker process that checks many
files in turn (or in the main process with `-j1`). Three things must not leak:

- output: whatever user code (or torch) writes to stdout/stderr, at the Python or the
  file-descriptor level, is captured per phase (`Capture`), so `--format json` on stdout
  always parses; the text goes with the model's result and is shown with `--debug`;
- modules: files imported for one target are dropped from `sys.modules` afterwards
  (`Isolation`), so two folders that each have a `helpers.py` each get their own, and the
  verdicts do not depend on the order of the targets;
- time: `deadline` bounds a phase with SIGALRM, raising `Timeout` in the main thread. The
  parent process also kills a worker that overruns (a hang in C code ignores signals).
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import io
import os
import signal
import sys
import sysconfig
import tempfile
import threading
from collections.abc import Iterator
from typing import Any


class Timeout(BaseException):  # noqa: N818 - a BaseException, so `except Exception` in user code lets it through
    """The phase ran past --timeout."""


class Interrupted(BaseException):  # noqa: N818
    """A real Ctrl-C in the main process (`-j1`), as opposed to user code raising KeyboardInterrupt."""


ABORT = (Timeout, Interrupted)


@contextlib.contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise Timeout in the main thread after `seconds` (no-op off the main thread or without SIGALRM)."""
    usable = (
        seconds is not None and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def fire(signum, frame):
        raise Timeout()

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, float(seconds))  # type: ignore[arg-type]
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _flush_c_stdio() -> None:
    """printf() from C extensions sits in libc's buffer until flushed."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).fflush(None)


class Capture:
    """Redirects fds 1 and 2, and sys.stdout/sys.stderr, into one temporary file per phase.

    `start()` ... `stop()` returns the text written in between (decoded leniently, since
    user code may write any bytes). Reused across phases: the file is truncated each time.
    """

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()
        self._saved_fds: tuple[int, int] | None = None
        self._saved_streams: tuple = ()
        self._stream: io.TextIOWrapper | None = None

    def start(self) -> None:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        _flush_c_stdio()
        fd = self._file.fileno()
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        self._saved_fds = (os.dup(1), os.dup(2))
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        self._saved_streams = (sys.stdout, sys.stderr)
        self._stream = io.TextIOWrapper(
            io.FileIO(fd, "w", closefd=False),
            encoding="utf-8",
            errors="backslashreplace",
            line_buffering=True,
            write_through=True,
        )
        sys.stdout = sys.stderr = self._stream

    def stop(self) -> str:
        if self._saved_fds is None:
            return ""
        for stream in (sys.stdout, sys.stderr, self._stream):
            with contextlib.suppress(Exception):
                stream.flush()  # type: ignore[union-attr]
        _flush_c_stdio()
        sys.stdout, sys.stderr = self._saved_streams
        out_fd, err_fd = self._saved_fds
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        os.close(out_fd)
        os.close(err_fd)
        self._saved_fds = None
        with contextlib.suppress(Exception):
            self._stream.detach()  # type: ignore[union-attr]
        self._stream = None
        fd = self._file.fileno()
        os.lseek(fd, 0, os.SEEK_SET)
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        return b"".join(chunks).decode("utf-8", errors="backslashreplace")

    @contextlib.contextmanager
    def phase(self, sink: list[str]) -> Iterator[None]:
        """Capture the block's output into `sink[0]`."""
        self.start()
        try:
            yield
        finally:
            sink.append(self.stop())

    def close(self) -> None:
        self._file.close()


def _library_roots() -> tuple[str, ...]:
    """Where installed code lives: modules from here are shared, never dropped."""
    roots = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        with contextlib.suppress(KeyError):
            roots.add(os.path.realpath(sysconfig.get_paths()[key]))
    roots.add(os.path.realpath(sys.base_prefix))
    roots.add(os.path.realpath(sys.prefix))
    return tuple(sorted(roots))


def _installed(path: str, roots: tuple[str, ...]) -> bool:
    """Whether `path` lies under one of the installed-code roots (_library_roots)."""
    return os.path.realpath(path).startswith(roots)


_OWN_PACKAGE = __name__.split(".")[0]


class SourceOnlyLoader(importlib.machinery.SourceFileLoader):
    """Compiles a module from its source every time, never from `__pycache__`.

    A .pyc is trusted when the source's mtime (whole seconds) and size match. A warm worker
    (`lsp`, `watch`) imports the same file again after each edit, and an edit that keeps
    the size within the second (`+` to `*`) would run the old code. User files are small,
    so compiling them afresh costs little; library code keeps its caches.
    """

    def get_code(self, fullname: str):  # type: ignore[override]
        return self.source_to_code(self.get_data(self.path), self.path)

    def set_data(self, path: str, data: bytes, *, _mode: int = 0o666) -> None:  # type: ignore[override]
        """Writes no bytecode: nothing the next import could mistake for current."""


def read_user_sources_fresh() -> None:
    """In this process, load every module outside the installed libraries with
    SourceOnlyLoader (a path hook ahead of the default one). For long-lived workers only."""
    roots = _library_roots()
    loaders = (
        (importlib.machinery.ExtensionFileLoader, importlib.machinery.EXTENSION_SUFFIXES),
        (SourceOnlyLoader, importlib.machinery.SOURCE_SUFFIXES),
    )
    fresh = importlib.machinery.FileFinder.path_hook(*loaders)

    def hook(path: str):
        if _installed(path or os.getcwd(), roots):
            raise ImportError("installed code: the default finder keeps its bytecode")
        return fresh(path)

    sys.path_hooks.insert(0, hook)
    sys.path_importer_cache.clear()


class Isolation:
    """Snapshot of the interpreter state that importing a user's file changes; `restore()`
    puts it back, dropping the user's modules so the next file imports its own."""

    def __init__(self) -> None:
        self.modules = set(sys.modules)
        self.path = list(sys.path)
        self.argv = list(sys.argv)
        self.cwd = os.getcwd()
        self.roots = _library_roots()
        self.torch_state = _torch_state()

    def _is_user_module(self, name: str) -> bool:
        if name.split(".")[0] == _OWN_PACKAGE:
            return False
        files = _module_files(sys.modules.get(name))
        if not files:
            return False  # built-in or synthetic: nothing user-specific to drop
        return not any(_installed(f, self.roots) for f in files)

    def restore(self) -> None:
        # decide for every new module first, then drop: reading a namespace package's
        # __path__ looks its parent up in sys.modules, which dropping it first would break
        new = [n for n in list(sys.modules) if n not in self.modules]
        drop = [n for n in new if n.startswith("_typecheck_nn_target_") or self._is_user_module(n)]
        for name in drop:
            sys.modules.pop(name, None)
        sys.path[:] = self.path
        sys.argv[:] = self.argv
        with contextlib.suppress(OSError):
            if os.getcwd() != self.cwd:
                os.chdir(self.cwd)
        _restore_torch(self.torch_state)
        import importlib

        importlib.invalidate_caches()

    @contextlib.contextmanager
    def around(self) -> Iterator[None]:
        try:
            yield
        finally:
            self.restore()


def _module_files(module: object) -> list[str]:
    """The files and folders a module comes from, read from its own namespace: a module
    whose `__getattr__` answers any name (a lazy-import shim) must not be asked, and a
    namespace package's `__path__` can fail to recompute (its parent already gone), so
    anything unreadable counts as absent rather than failing the cleanup."""
    namespace = getattr(module, "__dict__", None)
    if not isinstance(namespace, dict):
        return []
    out: list[str] = []
    file = namespace.get("__file__")
    if isinstance(file, str) and file:
        out.append(file)
    path: Any = namespace.get("__path__")
    entries: list = []
    try:
        entries = list(path) if isinstance(path, (list, tuple)) or hasattr(path, "_path") else []
    except Exception:  # noqa: BLE001 - a namespace path that cannot recompute
        entries = list(getattr(path, "_path", None) or [])
    out += [p for p in entries if isinstance(p, str) and p]
    return out


def _torch_state() -> tuple | None:
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    return (torch.get_default_dtype(),)


def _restore_torch(state: tuple | None) -> None:
    torch = sys.modules.get("torch")
    if torch is None or state is None:
        return
    with contextlib.suppress(Exception):
        torch.set_default_dtype(state[0])
