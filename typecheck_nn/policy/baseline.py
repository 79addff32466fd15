"""Baselines: adopt the checker on a codebase with known violations, and fail only on new ones.

A violation is identified by (rule, path, scope, message with numbers normalised), never
by its line: editing code above a finding moves it without making it new. Identical keys
are counted (a multiset), so a second copy of a known violation is still reported.
Paths are stored relative to the baseline file's directory, so the file can be committed
and used from any checkout.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

from typecheck_nn.core.model import Diagnostic, ModelResult, Report

VERSION = 1
Key = tuple[str, str, str, str]
_NUMBER = re.compile(r"(?<![A-Za-z_\d])\d+")  # standalone numbers, not the 2 of `W2` or `TNN002`


class BaselineError(Exception):
    """A baseline that cannot be read or written, worded for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def normalise_message(message: str) -> str:
    """Messages name lines (`h@rnn.py:12`), sizes and layer indices (`layer.3`); edits
    change those, not the finding. Digits inside names (`W2`, `conv2d`) are kept."""
    return _NUMBER.sub("#", message)


def _relative(path: str, base_dir: Path) -> str:
    absolute = Path(path).resolve()
    try:
        return absolute.relative_to(base_dir.resolve()).as_posix()
    except ValueError:
        return Path(os.path.relpath(absolute, base_dir.resolve())).as_posix()


def key(d: Diagnostic, model: ModelResult, base_dir: Path) -> Key:
    path = d.location.path if d.location is not None else model.path
    return (d.code, _relative(path, base_dir), d.scope, normalise_message(d.message))


def baseline_counts(report: Report, base_dir: Path) -> Counter[Key]:
    return Counter(key(d, m, base_dir) for m in report.models for d in m.violations)


def write_baseline(report: Report, path: Path) -> None:
    """Record every violation in `report` (notes are not recorded: they never fail a run)."""
    counts = baseline_counts(report, path.parent)
    entries = [
        {"rule": rule, "path": p, "scope": scope, "message": message, "count": n}
        for (rule, p, scope, message), n in sorted(counts.items())
    ]
    text = json.dumps({"version": VERSION, "tool": "typecheck-nn", "violations": entries}, indent=2) + "\n"
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BaselineError(f"{path}: cannot write baseline: {exc.strerror or exc}") from None


def read_baseline(path: Path) -> Counter[Key]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found (create it with --write-baseline {path})") from None
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: not a typecheck-nn baseline (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("violations"), list):
        raise BaselineError(f"{path}: not a typecheck-nn baseline (expected an object with 'version' and 'violations')")
    if data.get("version") != VERSION:
        raise BaselineError(f"{path}: unsupported baseline version {data.get('version')!r} (expected {VERSION})")
    counts: Counter[Key] = Counter()
    for i, entry in enumerate(data["violations"]):
        try:
            fields = (entry["rule"], entry["path"], entry["scope"], entry["message"])
            count = entry.get("count", 1)
        except (TypeError, KeyError) as exc:
            raise BaselineError(f"{path}: violations[{i}] is missing {exc}") from None
        if not all(isinstance(f, str) for f in fields) or not isinstance(count, int) or count < 1:
            raise BaselineError(f"{path}: violations[{i}] has a field of the wrong type")
        rule, p, scope, message = fields
        counts[(rule, p, scope, normalise_message(message))] += count
    return counts


def filter_known(report: Report, known: Counter[Key], base_dir: Path) -> Report:
    """`report` without the violations recorded in `known`; each record absorbs one copy."""
    remaining = Counter(known)
    models = []
    for m in report.models:
        new = []
        for d in m.violations:
            k = key(d, m, base_dir)
            if remaining[k] > 0:
                remaining[k] -= 1
            else:
                new.append(d)
        models.append(replace(m, violations=new))
    return replace(report, models=models)
