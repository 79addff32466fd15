"""Public entry points: check(module, *args) for users' tests, check_paths for the CLI.

(Being written: the checker core. The signatures below are the contract.)
"""
from __future__ import annotations

from pathlib import Path

from .report.model import Report


def check(module, *example_args, name: str | None = None, **example_kwargs) -> Report:
    raise NotImplementedError


def check_paths(targets: list[str], progress=None, debug: bool = False) -> Report:
    raise NotImplementedError


def apply_policies(report: Report, *, targets, select=None, ignore=None, baseline=None, write_baseline=None) -> Report:
    """Config, suppressions and baselines, applied after checking (typecheck_nn.policy)."""
    try:
        from .policy import apply
    except ImportError:
        return report
    return apply(report, targets=targets, select=select, ignore=ignore, baseline=baseline, write_baseline=write_baseline)
