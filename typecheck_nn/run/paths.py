"""Command-line targets to files, without importing torch or any user code.

`FILE.py`, `DIR` (walked for `.py`, hidden and virtual-env folders skipped) and
`FILE.py::NAME` become `FileTarget`s in a stable order: targets in command-line order,
the files of a directory sorted. A file given twice is checked once. `exclude` from
`[tool.typecheck-nn]` drops files before anything reads them, since importing a file
runs its code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from typecheck_nn.core.model import FileError

SKIP_DIRS = frozenset(
    {
        ".venv",
        "venv",
        "env",
        ".env",
        "__pycache__",
        "node_modules",
        "site-packages",
        ".tox",
        ".nox",
        "build",
        "dist",
    }
)


@dataclass(frozen=True)
class FileTarget:
    """One file to check. `name` selects a class or factory (`FILE::NAME`); `explicit` is
    True when the file was named on the command line rather than found in a directory, so
    that a file without models can be reported by name (pre-commit passes every file)."""

    path: str
    name: str | None = None
    explicit: bool = True

    @property
    def label(self) -> str:
        return f"{self.path}::{self.name}" if self.name else self.path


def expand_paths(targets: list[str]) -> tuple[list[FileTarget], list[FileError]]:
    """Turn CLI targets into FileTargets; problems (missing paths) become FileErrors."""
    out: dict[tuple[str, str | None], FileTarget] = {}
    errors: list[FileError] = []
    for raw in targets:
        path, _, name = raw.partition("::")
        p = Path(path)
        if p.is_dir():
            files = _walk(p)
            if not files:
                errors.append(FileError(str(p), "no Python files found in this directory"))
            for f in files:
                resolved = str(f.resolve())
                if (resolved, None) not in out and not _excluded(f):
                    out[(resolved, None)] = FileTarget(resolved, None, explicit=False)
        elif p.is_file():
            resolved = str(p.resolve())
            key = (resolved, name or None)
            previous = out.get(key)
            if previous is None or not previous.explicit:
                # named explicitly wins over found in a directory (keeps its first position)
                out[key] = FileTarget(resolved, name or None, explicit=True)
        elif p.exists():
            errors.append(FileError(path, "not a regular file or directory"))
        else:
            errors.append(FileError(path, "no such file or directory"))
    return list(out.values()), errors


def _walk(directory: Path) -> list[Path]:
    files: list[Path] = []
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS and not _is_venv(Path(root) / d)
        )
        files += [Path(root) / n for n in sorted(names) if n.endswith(".py")]
    return files


def _excluded(path: Path) -> bool:
    """`exclude` from [tool.typecheck-nn]: skip before importing (imports have side effects)."""
    from typecheck_nn.policy.config import ConfigError, config_for, is_excluded

    try:
        return is_excluded(path, config_for(path))
    except ConfigError:
        return False  # the policy step reports the bad config


def _is_venv(path: Path) -> bool:
    return (path / "pyvenv.cfg").exists()
