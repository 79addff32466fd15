"""Helpers shared by the text renderers, so every format words paths and totals alike."""

from __future__ import annotations

from pathlib import Path, PurePath

from .model import FileError, Location, ModelResult, Report


def relative_to_root(path: str, root: Path | None) -> str | None:
    """`path` relative to `root` with POSIX separators, or None when it is not under `root`.

    Relative paths in the report are taken to be relative to the working directory, which
    is where the checker resolved them.
    """
    if root is None or not path:
        return None
    p = Path(path)
    try:
        absolute = p if p.is_absolute() else Path.cwd() / p
        return PurePath(absolute.resolve().relative_to(root.resolve())).as_posix()
    except (ValueError, OSError):
        return None


def display_path(path: str, root: Path | None) -> str:
    """`path` relative to `root` when it lies under it, else as given."""
    relative = relative_to_root(path, root)
    return path if relative is None else relative


def location_text(loc: Location | None, fallback_path: str, root: Path | None) -> str:
    """`path:line:col`, or just `fallback_path` (the model's file) when there is no location."""
    if loc is None:
        return display_path(fallback_path, root)
    return f"{display_path(loc.path, root)}:{loc.line}:{loc.column}"


def file_error_location(e: FileError) -> Location | None:
    """A load error's place as a Location (column 1), or None when it has no line."""
    return Location(e.path, e.line) if e.line is not None else None


def file_error_text(e: FileError, root: Path | None) -> str:
    """`path[:line]` of a load error: these have no column, so none is invented."""
    return display_path(e.path, root) + (f":{e.line}" if e.line is not None else "")


def model_label(m: ModelResult, root: Path | None) -> str:
    """`path::Name`: the same spelling as a FILE::NAME target, so it can be pasted back."""
    return f"{display_path(m.path, root)}::{m.name}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def total_line(report: Report) -> str:
    """The closing tally, e.g. `Found 3 violations in 2 models (1 strongly typed, 1 skipped, 0 errors)`.

    Errors count both models that failed to check and targets that failed to load, since
    either makes the run incomplete (exit code 2).
    """
    n_violations = len(report.violations)
    n_models = len(report.models)
    strong = sum(1 for m in report.models if m.strongly_typed)
    errors = sum(1 for m in report.models if m.error is not None) + len(report.errors)
    return (
        f"Found {plural(n_violations, 'violation')} in {plural(n_models, 'model')} "
        f"({strong} strongly typed, {len(report.skipped)} skipped, {plural(errors, 'error')})"
    )


def one_line(text: str) -> str:
    """Line-oriented formats must stay one record per line, whatever a message contains."""
    return " ".join(text.splitlines())
