"""`--format concise`: one `path:line:col: CODE message` line per finding, like ruff's.

Made for grep, editors' problem matchers and quick terminal scans: violations, models
that failed to check and targets that failed to load. Informational notes are left out
(as in ruff's concise output); the closing tally still says how many models were skipped.
A file named on the command line with nothing to check gets one `path: note: ...` line.
User text is escaped (report.common.escape_control), so a record is always one line.
"""

from __future__ import annotations

from pathlib import Path

from typecheck_nn.core.model import Report
from typecheck_nn.report.common import clean_report, file_error_text, location_text, one_line, skipped_label, total_line


def render(report: Report, *, root: Path | None = None, color: bool = False) -> str:
    report = clean_report(report)
    lines: list[str] = []
    for m in report.models:
        for v in m.violations:
            lines.append(f"{location_text(v.location, m.path, root)}: {v.code} {one_line(v.message)}")
        if m.error is not None:
            where = location_text(m.error_location, m.path, root)
            lines.append(f"{where}: error: {m.name}: {one_line(m.error)}")
    for e in report.errors:
        lines.append(f"{file_error_text(e, root)}: error: {one_line(e.message)}")
    for s in report.skipped:
        if not s.name:
            lines.append(f"{skipped_label(s, root)}: note: {one_line(s.reason)}")
    lines.append(total_line(report))
    return "\n".join(lines) + "\n"
