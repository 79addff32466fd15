"""Inline suppressions: `# typecheck-nn: ignore[TNN002]` or a bare `# typecheck-nn: ignore`.

Comments are found with libcst, so text inside strings and docstrings that merely looks
like a directive is never taken for one. A suppression applies to diagnostics whose
primary location starts on the comment's line or spans it (so the comment may also sit
on any line of a multi-line expression). Related operations do not count: suppress a
finding where it is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from typecheck_nn.core.model import Diagnostic
from typecheck_nn.core.rules import rule_by_code

_DIRECTIVE = re.compile(r"#\s*typecheck-nn\s*:\s*ignore(?![\w-])(?:\[(?P<codes>[^\]]*)\])?")


@dataclass(frozen=True)
class Suppression:
    """One directive. `codes` is None for a bare `ignore` (every rule); entries that are
    rule names are stored as their codes, unknown entries as written."""

    path: str
    line: int
    column: int  # 1-based, where the directive starts
    end_column: int  # 1-based, exclusive
    codes: tuple[str, ...] | None

    def covers(self, d: Diagnostic) -> bool:
        """Whether this directive silences `d`, a diagnostic located in the same file."""
        loc = d.location
        if loc is None:
            return False
        if not loc.line <= self.line <= max(loc.end_line or loc.line, loc.line):
            return False
        return self.codes is None or d.code in self.codes


def parse_directive(comment: str) -> tuple[int, int, tuple[str, ...] | None] | None:
    """(start, end, codes) of the directive in one comment's text, or None."""
    match = _DIRECTIVE.search(comment)
    if match is None:
        return None
    raw = match.group("codes")
    entries = [c.strip() for c in raw.split(",") if c.strip()] if raw is not None else []
    if not entries:
        return match.start(), match.end(), None
    codes = []
    for entry in entries:
        rule = rule_by_code(entry)
        codes.append(rule.code if rule else entry)
    return match.start(), match.end(), tuple(codes)


def find_suppressions(source: str, path: str) -> list[Suppression]:
    """The directives in `source`; raises libcst.ParserSyntaxError on unparsable code.

    libcst is imported here, not at module level: reports with no model file to read
    (a bad path, a config error) should not pay for it.
    """
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    found: list[Suppression] = []

    class Comments(cst.CSTVisitor):
        METADATA_DEPENDENCIES = (PositionProvider,)

        def visit_Comment(self, node: cst.Comment) -> None:
            directive = parse_directive(node.value)
            if directive is None:
                return
            start, end, codes = directive
            pos = self.get_metadata(PositionProvider, node).start
            found.append(Suppression(path, pos.line, pos.column + 1 + start, pos.column + 1 + end, codes))

    MetadataWrapper(cst.parse_module(source)).visit(Comments())
    return found


def read_suppressions(path: str | Path) -> list[Suppression]:
    """The directives in the file at `path`; none when it cannot be read or parsed (the
    checker reports such files itself)."""
    import libcst as cst

    try:
        source = Path(path).read_text(encoding="utf-8")
        return find_suppressions(source, str(path))
    except (OSError, UnicodeDecodeError, cst.ParserSyntaxError):
        return []
