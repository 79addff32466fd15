"""Inline `# typecheck-nn: ignore[...]` comments, found with libcst, and TNN900 for unused ones."""

from __future__ import annotations

from pathlib import Path

from typecheck_nn import policy
from typecheck_nn.core.model import Diagnostic, Location, ModelResult, Report
from typecheck_nn.core.rules import rule_by_code
from typecheck_nn.policy.suppress import find_suppressions, parse_directive, read_suppressions

SOURCE = '''\
"""Docstring mentioning # typecheck-nn: ignore[TNN002] is not a comment."""
import torch

s = "# typecheck-nn: ignore"  # a string, then a plain comment
h = torch.tanh(h)  # typecheck-nn: ignore[TNN002]
y = x + w(x)  # typecheck-nn: ignore[TNN003, mixed-type-binary-op]
z = 1  # typecheck-nn: ignore
q = (1 +
     2)  # noqa: E501  # typecheck-nn:ignore[TNN001]
'''


def _model_file(tmp_path: Path, text: str = SOURCE) -> Path:
    path = tmp_path / "model.py"
    path.write_text(text, encoding="utf-8")
    return path


def _diag(code: str, path: Path, line: int, end_line: int | None = None, severity: str | None = None) -> Diagnostic:
    rule = rule_by_code(code)
    return Diagnostic(
        code, rule.name, severity or rule.severity, f"{code} finding", Location(str(path), line, 1, end_line, None)
    )


def _apply(path: Path, *diags: Diagnostic, **kwargs) -> ModelResult:
    violations = [d for d in diags if d.severity != "info"]
    report = Report(models=[ModelResult("M", str(path), not violations, violations=violations)])
    return policy.apply(report, targets=[], **kwargs).models[0]


def test_directive_parsing():
    assert parse_directive("# typecheck-nn: ignore") == (0, 22, None)
    assert parse_directive("#typecheck-nn:ignore[TNN002]")[2] == ("TNN002",)
    assert parse_directive("# typecheck-nn: ignore[ recurrent-state-retyped , TNN9 ]")[2] == ("TNN002", "TNN9")
    assert parse_directive("# typecheck-nn: ignored") is None
    assert parse_directive("# typecheck-nn: ignore-all") is None
    assert parse_directive("# just a comment") is None


def test_only_real_comments_are_found(tmp_path):
    found = find_suppressions(SOURCE, "model.py")
    assert [(s.line, s.codes) for s in found] == [
        (5, ("TNN002",)),
        (6, ("TNN003", "TNN001")),
        (7, None),
        (9, ("TNN001",)),
    ]
    # columns point at the directive itself, 1-based, even after another comment
    line9 = SOURCE.splitlines()[8]
    assert found[3].column == line9.index("# typecheck-nn") + 1
    assert found[3].end_column == len(line9) + 1


def test_unparsable_or_missing_file_has_no_suppressions(tmp_path):
    assert read_suppressions(tmp_path / "nope.py") == []
    bad = tmp_path / "bad.py"
    bad.write_text("def f(:\n  # typecheck-nn: ignore\n")
    assert read_suppressions(bad) == []


def test_matching_codes_suppress_and_others_do_not(tmp_path):
    path = _model_file(tmp_path)
    m = _apply(
        path,
        _diag("TNN002", path, 5),  # suppressed by code
        _diag("TNN001", path, 6),  # suppressed by name
        _diag("TNN003", path, 6),  # suppressed by code
        _diag("TNN004", path, 5, severity="warning"),  # not listed on line 5 (raised by config)
        _diag("TNN004", path, 7, severity="warning"),  # bare ignore
    )
    assert [(d.code, d.location.line) for d in m.violations] == [("TNN004", 5), ("TNN900", 9)]


def test_suppression_on_any_line_of_a_multiline_span(tmp_path):
    path = _model_file(tmp_path)
    m = _apply(path, _diag("TNN001", path, 8, end_line=9))
    assert "TNN001" not in [d.code for d in m.violations] and m.strongly_typed is True
    assert 9 not in [d.location.line for d in m.violations]  # the directive on line 9 was used


def test_suppressing_every_violation_makes_the_model_strongly_typed(tmp_path):
    path = _model_file(tmp_path, "h = f(h)  # typecheck-nn: ignore[TNN002]\n")
    report = Report(models=[ModelResult("M", str(path), False, violations=[_diag("TNN002", path, 1)])])
    assert report.exit_code == 1
    out = policy.apply(report, targets=[])
    assert out.models[0].violations == [] and out.models[0].strongly_typed is True
    assert out.exit_code == 0


def test_unused_suppressions_are_reported_at_the_comment(tmp_path):
    path = _model_file(tmp_path)
    m = _apply(path, _diag("TNN003", path, 6))
    unused = [d for d in m.violations if d.code == "TNN900"]
    assert [(d.location.line, d.message) for d in unused] == [
        (5, "unused suppression: `TNN002` silences nothing on this line"),
        (6, "unused suppression: `TNN001` silences nothing on this line"),
        (7, "unused suppression: `# typecheck-nn: ignore` silences nothing on this line"),
        (9, "unused suppression: `TNN001` silences nothing on this line"),
    ]
    assert all(d.severity == "warning" and d.name == "unused-suppression" for d in unused)
    assert unused[0].location.column == SOURCE.splitlines()[4].index("#") + 1
    # unused suppressions are about comments, not the architecture
    assert m.strongly_typed is True


def test_unknown_code_in_a_suppression_is_reported(tmp_path):
    path = _model_file(tmp_path, "x = 1  # typecheck-nn: ignore[TNN777]\n")
    m = _apply(path)
    assert [d.message for d in m.violations] == [
        "unused suppression: `TNN777` (unknown rule) silences nothing on this line"
    ]


def test_codes_of_unselected_rules_are_not_reported_unused(tmp_path):
    path = _model_file(tmp_path, "h = f(h)  # typecheck-nn: ignore[TNN002]\n")
    assert [d.code for d in _apply(path, select="TNN003,TNN9").violations] == []
    assert [d.code for d in _apply(path).violations] == ["TNN900"]
    assert [d.code for d in _apply(path, ignore="TNN900").violations] == []


def test_no_unused_report_when_a_model_in_the_file_failed(tmp_path):
    path = _model_file(tmp_path, "h = f(h)  # typecheck-nn: ignore[TNN002]\n")
    report = Report(
        models=[
            ModelResult("Good", str(path), True),
            ModelResult("Bad", str(path), None, error="example_inputs() failed"),
        ]
    )
    out = policy.apply(report, targets=[])
    assert out.violations == []
