"""Source excerpts for the HTML report: the lines a violation points at, highlighted.

A violation is only convincing next to the code it blames, so each one shows its primary
span and every related operation in context, like a compiler's caret diagnostics. This
module only turns (lines, marks) into escaped HTML; reading files is the caller's choice.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from typecheck_nn.core.model import Diagnostic, Location
from typecheck_nn.report.common import display_path

CONTEXT_LINES = 2
MAX_LINE_CHARS = 400  # a minified or generated line must not blow up the page


@dataclass(frozen=True)
class Mark:
    """One highlighted line. Columns are 1-based, end exclusive; None means the whole line."""

    line: int
    primary: bool
    label: str = ""
    start_col: int | None = None
    end_col: int | None = None


def resolve_path(path: str, root: Path | None) -> Path:
    """Locations are usually relative to the directory the check ran in."""
    p = Path(path)
    if not p.is_absolute() and root is not None:
        p = root / p
    return p


def read_lines(path: str, root: Path | None, cache: dict[str, list[str] | None]) -> list[str] | None:
    """The file's lines, or None when it cannot be read (the report must still render)."""
    if path not in cache:
        try:
            text = resolve_path(path, root).read_text(encoding="utf-8", errors="replace")
            cache[path] = text.splitlines()
        except (OSError, ValueError):
            cache[path] = None
    return cache[path]


def _span_marks(loc: Location, primary: bool, label: str) -> list[Mark]:
    """A multi-line span highlights from its start column to the end of its last line."""
    end_line = loc.end_line if loc.end_line and loc.end_line >= loc.line else loc.line
    if end_line == loc.line:
        return [Mark(loc.line, primary, label, loc.column, loc.end_column)]
    marks = [Mark(loc.line, primary, label, loc.column, None)]
    marks += [Mark(n, primary) for n in range(loc.line + 1, end_line)]
    marks.append(Mark(end_line, primary, "", 1, loc.end_column))
    return marks


def diagnostic_marks(diag: Diagnostic) -> dict[str, list[Mark]]:
    """Marks grouped by file, primary span first, in the order the checker gave them."""
    by_path: dict[str, list[Mark]] = {}
    if diag.location is not None:
        by_path.setdefault(diag.location.path, []).extend(_span_marks(diag.location, True, ""))
    for rel in diag.related:
        if rel.location is not None:
            by_path.setdefault(rel.location.path, []).extend(_span_marks(rel.location, False, rel.message))
    return by_path


def _windows(lines: list[int], total: int, context: int) -> list[tuple[int, int]]:
    """Merge the context windows around marked lines so no line is shown twice."""
    out: list[tuple[int, int]] = []
    for n in sorted(set(lines)):
        lo, hi = max(1, n - context), min(total, n + context)
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _highlight(text: str, marks: list[Mark]) -> str:
    """Escape a line, wrapping the marked column range of each mark in <mark>."""
    text = text[:MAX_LINE_CHARS]
    spans = []
    for m in marks:
        if m.start_col is None:
            continue
        start = max(0, m.start_col - 1)
        end = len(text) if m.end_col is None else min(len(text), max(start, m.end_col - 1))
        if end > start:
            spans.append((start, end, m.primary))
    if not spans:
        return html.escape(text)
    start, end, primary = min(spans)  # one underlined span per line keeps it legible
    cls = "hl-primary" if primary else "hl-related"
    return (
        html.escape(text[:start])
        + f'<mark class="{cls}">{html.escape(text[start:end])}</mark>'
        + html.escape(text[end:])
    )


def snippet_html(path: str, lines: list[str] | None, marks: list[Mark], context: int = CONTEXT_LINES) -> str:
    """One file's excerpt as a table of numbered lines, with related-op notes under their line."""
    head = f'<div class="src-file">{html.escape(path)}</div>'
    if lines is None:
        where = ", ".join(f"line {m.line}" for m in marks if m.label or m.primary)
        return (
            f'<div class="src">{head}<div class="src-missing">source not available ({html.escape(where)})</div></div>'
        )
    by_line: dict[int, list[Mark]] = {}
    for m in marks:
        if 1 <= m.line <= len(lines):
            by_line.setdefault(m.line, []).append(m)
    rows = []
    windows = _windows(list(by_line), len(lines), context)
    for i, (lo, hi) in enumerate(windows):
        if i:
            rows.append('<tr class="gap"><td class="ln">⋯</td><td></td></tr>')
        for n in range(lo, hi + 1):
            line_marks = by_line.get(n, [])
            cls = ""
            if line_marks:
                cls = ' class="primary"' if any(m.primary for m in line_marks) else ' class="related"'
            code = _highlight(lines[n - 1], line_marks)
            rows.append(f'<tr{cls}><td class="ln">{n}</td><td class="code">{code}</td></tr>')
            for m in line_marks:
                if m.label:
                    rows.append(
                        f'<tr class="note"><td class="ln"></td><td class="code">↳ {html.escape(m.label)}</td></tr>'
                    )
    if not rows:
        return f'<div class="src">{head}<div class="src-missing">marked lines are outside the file</div></div>'
    return f'<div class="src">{head}<table class="src-lines">{"".join(rows)}</table></div>'


def diagnostic_source_html(diag: Diagnostic, root: Path | None, cache: dict[str, list[str] | None]) -> str:
    """All excerpts for one diagnostic, primary file first."""
    parts = []
    for path, marks in diagnostic_marks(diag).items():
        parts.append(snippet_html(display_path(path, root), read_lines(path, root, cache), marks))
    return "".join(parts)
