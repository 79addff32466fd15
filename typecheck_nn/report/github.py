"""`--format github`: GitHub Actions workflow commands, shown as annotations on the PR diff.

One `::error|warning|notice file=...,line=...::message` line per finding. The message
carries the types, related operations and fix hint on extra lines (escaped newlines),
because an annotation is all a reviewer sees of the finding.
"""

from __future__ import annotations

from pathlib import Path

from typecheck_nn.core.model import Diagnostic, Location, ModelResult, Report
from typecheck_nn.report.common import (
    built_with_text,
    clean_report,
    display_path,
    file_error_location,
    location_text,
    model_label,
    skipped_label,
)

_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message, as the Actions runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: data escaping plus the `:` and `,` that delimit properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, *, location: Location | None, path: str, title: str, root: Path | None) -> str:
    props: list[tuple[str, object]] = [("file", display_path(location.path if location else path, root))]
    if location is not None:
        props += [("line", location.line), ("col", location.column)]
        if location.end_line is not None:
            props.append(("endLine", location.end_line))
        if location.end_column is not None:
            props.append(("endColumn", location.end_column))
    props.append(("title", title))
    rendered = ",".join(f"{key}={escape_property(str(value))}" for key, value in props)
    return f"::{kind} {rendered}::{escape_data(message)}"


def _message(d: Diagnostic, m: ModelResult, root: Path | None) -> str:
    model_path = m.path
    parts = [d.message]
    if d.types:
        parts.append(f"types: {d.types[0]} vs {d.types[1]}")
    for r in d.related:
        parts.append(f"related: {location_text(r.location, model_path, root)}: {r.message}")
    if d.help:
        parts.append(f"help: {d.help}")
    if d.url:
        parts.append(f"see: typecheck-nn rule {d.code}")
    if m.built_with:
        parts.append(f"built with: {built_with_text(m)}")
    return "\n".join(parts)


def render(report: Report, *, root: Path | None = None, color: bool = False) -> str:
    report = clean_report(report)
    lines: list[str] = []
    for m in report.models:
        for d in [*m.violations, *m.notes]:
            lines.append(
                command(
                    _COMMAND.get(d.severity, "warning"),
                    _message(d, m, root),
                    location=d.location,
                    path=m.path,
                    title=f"{d.code} {d.name}",
                    root=root,
                )
            )
        if m.error is not None:
            lines.append(
                command(
                    "error",
                    f"{model_label(m, root)} could not be checked: {m.error}"
                    + (f"\nbuilt with: {built_with_text(m)}" if m.built_with else ""),
                    location=m.error_location,
                    path=m.path,
                    title="typecheck-nn: model error",
                    root=root,
                )
            )
    for s in report.skipped:
        lines.append(
            command(
                "notice",
                f"{s.name} was not checked: {s.reason}" if s.name else f"{skipped_label(s, root)}: {s.reason}",
                location=None,
                path=s.path,
                title="typecheck-nn: skipped",
                root=root,
            )
        )
    for e in report.errors:
        lines.append(
            command(
                "error", e.message, location=file_error_location(e), path=e.path, title="typecheck-nn: error", root=root
            )
        )
    return "\n".join(lines) + ("\n" if lines else "")
