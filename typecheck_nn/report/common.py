"""Helpers shared by the text renderers, so every format words paths and totals alike."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path, PurePath

from typecheck_nn.core.model import (
    Diagnostic,
    FileError,
    Location,
    ModelResult,
    RecurrenceSummary,
    Related,
    Report,
    Skipped,
)


def _escape_char(ch: str) -> str:
    o = ord(ch)
    if 0xDC80 <= o <= 0xDCFF:  # an undecodable byte of a file name (surrogateescape)
        return f"\\x{o - 0xDC00:02x}"
    if o > 0xFF:
        return f"\\u{o:04x}"
    return f"\\x{o:02x}"


def _needs_escape(ch: str, keep_newlines: bool) -> bool:
    o = ord(ch)
    if ch == "\t" or (keep_newlines and ch == "\n"):
        return False
    return o < 0x20 or 0x7F <= o < 0xA0 or 0xD800 <= o < 0xE000 or o in (0xFFFE, 0xFFFF)


def escape_control(text: str, keep_newlines: bool = False) -> str:
    """User text made safe for every output: control characters (terminal escapes, raw
    newlines in one-line formats, characters XML forbids) and lone surrogates (file names
    that are not UTF-8) become visible backslash escapes. Tabs are kept; newlines too with
    `keep_newlines`."""
    if text.isprintable():
        return text
    if keep_newlines:
        text = text.replace("\r\n", "\n")
    return "".join(_escape_char(ch) if _needs_escape(ch, keep_newlines) else ch for ch in text)


def _clean_diagnostic(d: Diagnostic) -> Diagnostic:
    e = escape_control
    return replace(
        d,
        message=e(d.message, True),
        model=e(d.model),
        help=e(d.help, True),
        scope=e(d.scope),
        types=(e(d.types[0]), e(d.types[1])) if d.types else None,
        related=[Related(r.location, e(r.message, True)) for r in d.related],
    )


def clean_report(report: Report) -> Report:
    """A copy of `report` whose user-derived text is escaped (escape_control); paths are
    left as they are, since renderers read source through them, and are escaped when shown
    (display_path)."""
    e = escape_control
    models = [
        replace(
            m,
            name=e(m.name),
            error=e(m.error, True) if m.error is not None else None,
            output=e(m.output, True),
            fallback=e(m.fallback, True),
            violations=[_clean_diagnostic(d) for d in m.violations],
            notes=[_clean_diagnostic(d) for d in m.notes],
            recurrence=replace(m.recurrence, state_values=[e(v) for v in m.recurrence.state_values])
            if isinstance(m.recurrence, RecurrenceSummary)
            else m.recurrence,
        )
        for m in report.models
    ]
    skipped = [Skipped(e(s.name), s.path, e(s.reason, True)) for s in report.skipped]
    errors = [replace(x, message=e(x.message, True), output=e(x.output, True)) for x in report.errors]
    return replace(report, models=models, skipped=skipped, errors=errors)


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
    return escape_control(path if relative is None else relative)


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
    return f"{display_path(m.path, root)}::{escape_control(m.name)}"


def skipped_label(s: Skipped, root: Path | None) -> str:
    """`path::Name` of a skipped class, or just `path` for a file with nothing to check."""
    return f"{display_path(s.path, root)}::{escape_control(s.name)}" if s.name else display_path(s.path, root)


def built_with_text(m: ModelResult) -> str:
    """`GPT(config=GPTConfig(n_layer=2)), inputs long[2, 8] (strategy)`: what the verdict
    was reached with, since the checker built the model itself; "" when not recorded."""
    b = m.built_with
    if not b:
        return ""
    parts = [f"{k}={v}" for k, v in (b.get("kwargs") or {}).items()]
    if b.get("config"):
        parts.append(f"config {b['config']}")
    text = ", ".join(parts) or "no arguments"
    inputs = b.get("inputs")
    if inputs is not None:
        text += f"; inputs {', '.join(inputs) or '(none)'}"
    if b.get("strategy"):
        text += f" [{b['strategy']}]"
    return escape_control(text)


def ignored_text(m: ModelResult) -> str:
    """`1 TNN002 violation ignored`: what rule selection and suppressions hid from the verdict."""
    if not m.ignored:
        return ""
    n = sum(m.ignored.values())
    codes = ", ".join(sorted(m.ignored))
    return f"{plural(n, 'violation')} ignored ({codes})"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def total_line(report: Report) -> str:
    """The closing tally, e.g. `Found 3 violations in 2 models (1 strongly typed, 1 skipped, 0 errors)`.

    Errors count both models that failed to check and targets that failed to load, since
    either makes the run incomplete (exit code 2).
    """
    n_violations = len(report.violations)
    n_models = len(report.models)
    strong = sum(1 for m in report.models if m.strongly_typed and m.complete)
    partial = sum(1 for m in report.models if m.strongly_typed and not m.complete)
    errors = sum(1 for m in report.models if m.error is not None) + len(report.errors)
    in_part = f", {partial} strongly typed as far as checked" if partial else ""
    return (
        f"Found {plural(n_violations, 'violation')} in {plural(n_models, 'model')} "
        f"({strong} strongly typed{in_part}, {len(report.skipped)} skipped, {plural(errors, 'error')})"
    )


def one_line(text: str) -> str:
    """Line-oriented formats must stay one record per line, whatever a message contains."""
    return " ".join(text.splitlines())
