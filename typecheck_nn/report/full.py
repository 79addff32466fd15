"""`--format full` (the default): rustc/ruff-style findings with source snippets.

Each violation shows where it is (`--> path:line:col`), the offending source with the
span underlined, the operations whose constraints conflict, the two types, and how to
fix it, so a reader can act without opening the JSON. Each model then gets its verdict
and its learnware/firmware split, and the run ends with one tally line.
"""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path

from rich.console import Console
from rich.text import Text

from typecheck_nn.core.model import Diagnostic, Location, ModelResult, RecurrenceSummary, Report
from typecheck_nn.report.common import (
    built_with_text,
    clean_report,
    escape_control,
    file_error_text,
    ignored_text,
    location_text,
    model_label,
    plural,
    skipped_label,
    total_line,
)

_STYLE = {"error": "bold red", "warning": "bold yellow", "info": "dim"}
_GUTTER = "bold blue"
_MAX_SNIPPET_LINES = 4
_TAB = 4
_OUTPUT_LINES = 5  # captured output shown under a model that failed

SourceLines = Callable[[str], "list[str] | None"]


def _source_reader() -> SourceLines:
    """A per-render cache of source files, so a file is read once however many findings it has.

    Unreadable or undecodable files give None: the finding is still shown, just without
    its snippet.
    """
    cache: dict[str, list[str] | None] = {}

    def lines(path: str) -> list[str] | None:
        if path not in cache:
            try:
                text = Path(path).read_text(encoding="utf-8", errors="replace")
                cache[path] = [escape_control(line) for line in text.splitlines()]
            except (OSError, ValueError):
                cache[path] = None
        return cache[path]

    return lines


def _display_column(line: str, column: int) -> int:
    """0-based screen offset of 1-based character `column`, with tabs expanded as printed."""
    return len(line[: max(column - 1, 0)].expandtabs(_TAB))


def _snippet(loc: Location, source: SourceLines, *, marker: str, style: str) -> list[Text]:
    """The lines of `loc` with a gutter, and `marker`s under the span on its first line."""
    lines = source(loc.path)
    if lines is None or not 1 <= loc.line <= len(lines):
        return []
    last = min(loc.end_line or loc.line, len(lines))
    numbers: list[int | None] = list(range(loc.line, max(last, loc.line) + 1))
    if len(numbers) > _MAX_SNIPPET_LINES:
        numbers = numbers[: _MAX_SNIPPET_LINES - 1] + [None, numbers[-1]]
    width = len(str(max(n for n in numbers if n is not None)))
    pad = " " * width
    out = [Text.assemble((f"{pad} |", _GUTTER))]
    for i, n in enumerate(numbers):
        if n is None:
            out.append(Text.assemble(("...", _GUTTER)))
            continue
        text = lines[n - 1].expandtabs(_TAB)
        out.append(Text.assemble((f"{n:>{width}} | ", _GUTTER), text))
        if i == 0:
            raw = lines[n - 1]
            start = _display_column(raw, loc.column)
            if loc.end_column is not None and (loc.end_line or loc.line) == loc.line:
                end = _display_column(raw, loc.end_column)
            elif loc.end_line is not None and loc.end_line > loc.line:
                end = len(text.rstrip())  # span continues: underline to the end of this line
            else:
                end = start + 1
            underline = marker * max(end - start, 1)
            out.append(Text.assemble((f"{pad} | ", _GUTTER), " " * start, (underline, style)))
    return out


def _diagnostic(d: Diagnostic, m: ModelResult, source: SourceLines, root: Path | None) -> list[Text]:
    style = _STYLE.get(d.severity, "bold")
    header = Text.assemble(
        (f"{d.severity}[{d.code}]", style), (": ", "bold"), (d.message, "bold"), "  ", (f"[{d.name}]", "dim")
    )
    if d.severity == "info":  # notes stay to two quiet lines
        return [
            Text.assemble((f"{d.severity}[{d.code}]: {d.message}  [{d.name}]", "dim")),
            Text.assemble(("  --> ", "dim"), (location_text(d.location, m.path, root), "dim")),
        ]
    out = [header, Text.assemble(("  --> ", _GUTTER), location_text(d.location, m.path, root))]
    if d.location is not None:
        out += _snippet(d.location, source, marker="^", style=style)
    for r in d.related:
        if r.location is None:
            out.append(Text.assemble(("   = ", _GUTTER), ("related", "bold"), f": {r.message}"))
            continue
        out.append(Text.assemble(("  ::: ", _GUTTER), f"{location_text(r.location, m.path, root)}: {r.message}"))
        if d.location is not None and r.location.path == d.location.path:
            out += _snippet(r.location, source, marker="-", style=_GUTTER)
    if d.types:
        out.append(Text.assemble(("   = ", _GUTTER), ("note", "bold"), f": types: {d.types[0]} vs {d.types[1]}"))
    if d.help:
        out.append(Text.assemble(("   = ", _GUTTER), ("help", "bold"), f": {d.help}"))
    if d.url:  # the packaged page, readable from any install
        out.append(Text.assemble(("   = ", _GUTTER), ("see", "bold"), f": typecheck-nn rule {d.code}"))
    return out


def _recurrence(rec: RecurrenceSummary) -> str | None:
    """The paper's learnware/firmware split in one line, or None for a model without state."""
    if not rec.has_recurrence:
        return None
    state = ", ".join(rec.state_values) or "?"
    kinds = f" ({', '.join(rec.firmware_op_kinds)})" if rec.firmware_op_kinds else ""
    text = (
        f"recurrence: state {state}; {plural(rec.learnware_ops, 'learnware op')}, "
        f"{plural(rec.firmware_ops, 'firmware op')}{kinds}"
    )
    if rec.firmware_elementwise is True and rec.firmware_linear is False:
        text += "; firmware is elementwise but not linear in the state, so the recurrence is not a linear scan"
    elif rec.firmware_elementwise is True:
        text += "; firmware is elementwise, so the recurrence is a parallel scan over time"
    elif rec.firmware_elementwise is False:
        text += "; firmware is not elementwise, so the recurrence is not a parallel scan"
    return text


_UNCHECKED_SHOWN = 8


def _verdict(m: ModelResult) -> Text:
    if m.error is not None:
        return Text.assemble(("error", "bold red"), f": could not be checked: {m.error}")
    if m.strongly_typed:
        ignored = ignored_text(m)
        if not m.complete:  # never a plain "strongly typed" for a part that was not checked
            return Text.assemble(
                ("strongly typed as far as checked", "bold yellow"),
                f" ({plural(len(m.unchecked), 'operation')} not checked)",
                (f" ({ignored})" if ignored else "", "yellow"),
            )
        return Text.assemble(("strongly typed", "bold green"), (f" ({ignored})" if ignored else "", "yellow"))
    if m.strongly_typed is False:
        shown = f"{plural(len(m.violations), 'violation')}" if m.violations else "its violations are in the baseline"
        return Text.assemble(("NOT strongly typed", "bold red"), f" ({shown})")
    return Text("not checked", style="yellow")


def _model(m: ModelResult, source: SourceLines, root: Path | None) -> list[Text]:
    out: list[Text] = []
    for d in [*m.violations, *m.notes]:
        out += _diagnostic(d, m, source, root)
        out.append(Text(""))
    out.append(Text.assemble((model_label(m, root), "bold"), ": ", _verdict(m)))
    if m.error is not None and m.error_location is not None:
        out.append(Text.assemble(("  --> ", _GUTTER), location_text(m.error_location, m.path, root)))
        out += _snippet(m.error_location, source, marker="^", style="bold red")
    if m.error is not None and m.output.strip():
        out += _output_note(m.output)
    if m.built_with:
        out.append(Text(f"  built with: {built_with_text(m)}", style="dim"))
    if m.fallback:
        out.append(Text(f"  note: checked with real tensors: {m.fallback}", style="dim"))
    for u in m.unchecked[:_UNCHECKED_SHOWN]:
        where = f" ({location_text(u.location, m.path, root)})" if u.location else ""
        out.append(Text(f"  not checked: `{u.op}`{where}: {u.reason}", style="yellow"))
    if len(m.unchecked) > _UNCHECKED_SHOWN:
        out.append(
            Text(
                f"  not checked: … and {len(m.unchecked) - _UNCHECKED_SHOWN} more (--format json lists all)",
                style="yellow",
            )
        )
    rec = _recurrence(m.recurrence)
    if rec:
        out.append(Text(f"  {rec}", style="dim"))
    return out


def _output_note(output: str) -> list[Text]:
    """The end of what the code printed before it failed: often the reason."""
    lines = [line for line in output.splitlines() if line.strip()]
    shown = lines[-_OUTPUT_LINES:]
    more = f" (last {len(shown)} of {len(lines)} lines; --debug shows all)" if len(lines) > len(shown) else ""
    out = [Text.assemble(("   = ", _GUTTER), ("output", "bold"), f": the code printed{more}:")]
    out += [Text(f"     {line}", style="dim") for line in shown]
    return out


def render(report: Report, *, root: Path | None = None, color: bool = False) -> str:
    report = clean_report(report)
    sink = StringIO()
    console = Console(
        file=sink,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=100,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
    )
    source = _source_reader()
    blocks: list[list[Text]] = [_model(m, source, root) for m in report.models]
    if report.skipped:
        blocks.append(
            [Text.assemble(("skipped", "yellow"), f": {skipped_label(s, root)}: {s.reason}") for s in report.skipped]
        )
    if report.errors:
        blocks.append(
            [
                Text.assemble(
                    ("error", "bold red"),
                    f": {file_error_text(e, root)}: {e.message}",
                )
                for e in report.errors
            ]
        )
    style = "bold red" if report.exit_code else "bold green"
    blocks.append([Text(total_line(report), style=style)])
    for i, block in enumerate(blocks):
        if i:
            console.print()
        for text in block:
            console.print(text, soft_wrap=True)
    return sink.getvalue()
