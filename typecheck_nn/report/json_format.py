"""`--format json`: the machine-readable report (schema in docs/json-schema.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typecheck_nn.core.model import Diagnostic, ModelResult, Report

SCHEMA_VERSION = 1


def _diagnostic(d: Diagnostic) -> dict:
    loc = d.location
    return {
        "rule": d.code,
        "name": d.name,
        "severity": d.severity,
        "message": d.message,
        "path": loc.path if loc else None,
        "line": loc.line if loc else None,
        "column": loc.column if loc else None,
        "end_line": loc.end_line if loc else None,
        "end_column": loc.end_column if loc else None,
        "types": list(d.types) if d.types else None,
        "help": d.help,
        "scope": d.scope,
        "url": d.url,
        "related": [
            {
                "path": r.location.path if r.location else None,
                "line": r.location.line if r.location else None,
                "column": r.location.column if r.location else None,
                "message": r.message,
            }
            for r in d.related
        ],
    }


def _model(m: ModelResult) -> dict:
    rec = m.recurrence
    out: dict[str, Any] = {
        "name": m.name,
        "path": m.path,
        "strongly_typed": m.strongly_typed,
        "complete": m.complete,
        "unchecked": [
            {
                "op": u.op,
                "path": u.location.path if u.location else None,
                "line": u.location.line if u.location else None,
                "reason": u.reason,
            }
            for u in m.unchecked
        ],
        "violations": [_diagnostic(v) for v in m.violations],
        "notes": [_diagnostic(n) for n in m.notes],
        "recurrence": {
            "has_recurrence": rec.has_recurrence,
            "state_values": rec.state_values,
            "learnware_ops": rec.learnware_ops,
            "firmware_ops": rec.firmware_ops,
            "firmware_op_kinds": rec.firmware_op_kinds,
            "firmware_elementwise": rec.firmware_elementwise,
            "scan_parallelizable": rec.scan_parallelizable,
        },
        "trace_method": m.trace_method,
        "fallback": m.fallback or None,
        "built_with": m.built_with,
        "ignored": dict(sorted(m.ignored.items())),
        "seconds": m.seconds,
    }
    if m.error is not None:
        out["error"] = m.error
        if m.error_location is not None:
            out["error_line"] = m.error_location.line
        if m.output:
            out["output"] = m.output
    return out


def report_dict(report: Report) -> dict:
    return {
        "version": SCHEMA_VERSION,
        "exit_code": report.exit_code,
        "models": [_model(m) for m in report.models],
        "skipped": [{"name": s.name or None, "path": s.path, "reason": s.reason} for s in report.skipped],
        "errors": [{"path": e.path, "line": e.line, "message": e.message} for e in report.errors],
        "summary": {
            "models": len(report.models),
            "strongly_typed": sum(1 for m in report.models if m.strongly_typed),
            "violations": len(report.violations),
        },
    }


def render(report: Report, *, root: Path | None = None, color: bool = False) -> str:
    return json.dumps(report_dict(report), indent=2)
