"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Paths are repository-relative URIs against `%SRCROOT%` (the `root`, normally the
working directory), which is what code scanning needs to place alerts on files.

Fingerprints: each result carries `partialFingerprints["typecheckNn/v1"]`, a SHA-256 of
(rule, path, scope, message with digits normalised, occurrence index) - the same key the
baseline matches on. It has no line number in it, so an alert keeps its identity when
code above it moves. `primaryLocationLineHash` is left to github/codeql-action/upload-sarif,
which computes it from the file contents.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

from typecheck_nn.core.model import Diagnostic, Location, ModelResult, Report
from typecheck_nn.core.rules import ALL_RULES, Rule
from typecheck_nn.policy.baseline import normalise_message
from typecheck_nn.report.common import display_path, file_error_location, model_label, relative_to_root

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "typecheckNn/v1"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _rule_descriptor(rule: Rule) -> dict:
    from typecheck_nn.report.rule_docs import rule_markdown

    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": f"{rule.summary} Fix: {rule.help}."},
        # no helpUri: the tool has no public site, and a file:// URI means nothing to a code
        # scanning viewer; the full page travels in help.markdown instead
        "help": {
            "text": f"{rule.summary}\n\nFix: {rule.help}.\n\nMore: typecheck-nn rule {rule.code}",
            "markdown": rule_markdown(rule),
        },
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"tags": ["typecheck-nn", "correctness"]},
    }


def _artifact(path: str, root: Path | None) -> dict:
    relative = relative_to_root(path, root)
    if relative is not None:
        return {"uri": relative, "uriBaseId": "%SRCROOT%"}
    return {"uri": Path(path).resolve().as_uri()}


def _physical(loc: Location | None, fallback_path: str, root: Path | None) -> dict:
    """A physical location; a finding without a span is pinned to line 1 of the model's file,
    since code scanning drops results that have no location."""
    if loc is None:
        return {"artifactLocation": _artifact(fallback_path, root), "region": {"startLine": 1}}
    region: dict = {"startLine": max(loc.line, 1), "startColumn": max(loc.column, 1)}
    if loc.end_line is not None:
        region["endLine"] = max(loc.end_line, region["startLine"])
    if loc.end_column is not None:
        region["endColumn"] = max(loc.end_column, 1)
    return {"artifactLocation": _artifact(loc.path, root), "region": region}


def _fingerprint(key: tuple[str, ...], occurrence: int) -> str:
    return hashlib.sha256("\0".join((*key, str(occurrence))).encode("utf-8")).hexdigest()


def _result(d: Diagnostic, m: ModelResult, index: dict[str, int], seen: Counter, root: Path | None) -> dict:
    key = (d.code, display_path(d.location.path if d.location else m.path, root), d.scope, normalise_message(d.message))
    seen[key] += 1
    text = d.message
    if d.types:
        text += f" (types: {d.types[0]} vs {d.types[1]})"
    result: dict = {
        "ruleId": d.code,
        "level": _LEVEL.get(d.severity, "warning"),
        "message": {"text": text},
        "locations": [{"physicalLocation": _physical(d.location, m.path, root)}],
        "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(key, seen[key])},
        "properties": {"model": m.name, "scope": d.scope, "ruleName": d.name},
    }
    if m.built_with:
        result["properties"]["builtWith"] = m.built_with
    if d.code in index:
        result["ruleIndex"] = index[d.code]
    related = [r for r in d.related if r.location is not None]
    if related:
        result["relatedLocations"] = [
            {"id": i, "physicalLocation": _physical(r.location, m.path, root), "message": {"text": r.message}}
            for i, r in enumerate(related, start=1)
        ]
    return result


def _notification(level: str, text: str, loc: Location | None, path: str, root: Path | None) -> dict:
    return {"level": level, "message": {"text": text}, "locations": [{"physicalLocation": _physical(loc, path, root)}]}


def _built(report: Report, root: Path | None) -> dict:
    """The models the checker built itself, each with what it was built with: a clean
    model has no result to carry it, and a verdict must say what it was reached on."""
    built = [{"model": model_label(m, root), "builtWith": m.built_with} for m in report.models if m.built_with]
    return {"properties": {"builtModels": built}} if built else {}


def sarif_log(report: Report, root: Path | None) -> dict:
    from typecheck_nn.core.version import __version__

    index = {rule.code: i for i, rule in enumerate(ALL_RULES)}
    seen: Counter = Counter()
    results = [_result(d, m, index, seen, root) for m in report.models for d in [*m.violations, *m.notes]]
    notifications = [
        _notification(
            "error", f"{model_label(m, root)} could not be checked: {m.error}", m.error_location, m.path, root
        )
        for m in report.models
        if m.error is not None
    ]
    notifications += [_notification("error", e.message, file_error_location(e), e.path, root) for e in report.errors]
    notifications += [
        _notification("note", f"{s.name} was not checked: {s.reason}" if s.name else s.reason, None, s.path, root)
        for s in report.skipped
    ]
    run: dict = {
        "tool": {
            "driver": {
                "name": "typecheck-nn",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule_descriptor(rule) for rule in ALL_RULES],
            }
        },
        "invocations": [
            {
                "executionSuccessful": not report.errors and not any(m.error for m in report.models),
                "exitCode": report.exit_code,
                "toolExecutionNotifications": notifications,
                **_built(report, root),
            }
        ],
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if root is not None:
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report, *, root: Path | None = None, color: bool = False) -> str:
    return json.dumps(sarif_log(report, root), indent=2)
