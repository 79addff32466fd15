"""Importing a model file as people have it: scripts that parse the command line at import,
optional dependencies that are not installed, syntax errors in a module it imports.

- `sys.argv` is `[file]` while the file is imported, so `parser.parse_args()` at top level
  gets argparse's defaults instead of the checker's own arguments;
- when the file still exits (a required argument, an explicit `sys.exit()`), the message
  says so plainly, with argparse's own complaint, instead of a bare `SystemExit: 2`;
- the working directory is importable, as with `python -m`;
- a missing module is named with the command that installs it;
- a syntax error in an imported module is reported at that module's path and line.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator

from typecheck_nn.core.model import FileError

# import names whose pip package has another name
_PIP_NAMES = {
    "cv2": "opencv-python",
    "PIL": "pillow",
    "sklearn": "scikit-learn",
    "skimage": "scikit-image",
    "yaml": "pyyaml",
    "attr": "attrs",
    "bs4": "beautifulsoup4",
    "Crypto": "pycryptodome",
    "dateutil": "python-dateutil",
    "google.protobuf": "protobuf",
    "tensorboardX": "tensorboardX",
    "torch_geometric": "torch-geometric",
}


class _ArgparseRecord:
    def __init__(self) -> None:
        self.message: str | None = None


@contextlib.contextmanager
def script_friendly_import(path: str) -> Iterator[_ArgparseRecord]:
    """`sys.argv = [path]` and argparse's error message recorded, for the import's duration."""
    saved_argv = sys.argv
    record = _ArgparseRecord()
    original_error = argparse.ArgumentParser.error

    def error(self, message):  # type: ignore[no-untyped-def]
        record.message = message
        return original_error(self, message)

    sys.argv = [path]
    argparse.ArgumentParser.error = error  # type: ignore[method-assign]
    # the folder the checker runs from, as `python -m` has it: `from TCN.tcn import ...`
    # in TCN/adding_problem/model.py works when run from the repository's root
    cwd = os.getcwd()
    added = cwd not in sys.path
    if added:
        sys.path.append(cwd)
    try:
        yield record
    finally:
        if added:
            with contextlib.suppress(ValueError):
                sys.path.remove(cwd)
        sys.argv = saved_argv
        argparse.ArgumentParser.error = original_error  # type: ignore[method-assign]


def import_error(path: str, exc: BaseException, record: _ArgparseRecord) -> FileError:
    """The FileError for an import that raised `exc`, worded for the user."""
    from typecheck_nn.engine.trace import user_frame_location

    if isinstance(exc, SyntaxError):
        where = exc.filename
        if where and os.path.abspath(where) != os.path.abspath(path) and os.path.exists(where):
            return FileError(where, f"syntax error: {exc.msg} (in a module that {path} imports)", exc.lineno)
        return FileError(path, f"syntax error: {exc.msg}", exc.lineno)
    loc = user_frame_location(exc, {path})
    line = loc.line if loc else None
    if isinstance(exc, SystemExit):
        where = f" at line {line}" if line else ""
        if record.message is not None:
            message = (
                f"the file exited while being imported{where}: it parses the command line at import time, "
                f"and argparse rejected it with its defaults ({record.message}); give those arguments defaults, "
                'or move the parsing under `if __name__ == "__main__":`'
            )
        else:
            message = (
                f"the file exited while being imported{where} (SystemExit: {exc.code}); "
                'move the script\'s work under `if __name__ == "__main__":`'
            )
        return FileError(path, f"import failed: {message}", line)
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        top = exc.name.split(".")[0]
        package = _PIP_NAMES.get(exc.name) or _PIP_NAMES.get(top) or top.replace("_", "-")
        return FileError(
            path,
            f"import failed: the file needs `{exc.name}`, which is not installed (pip install {package})",
            line,
        )
    return FileError(path, f"import failed: {type(exc).__name__}: {exc}", line)
