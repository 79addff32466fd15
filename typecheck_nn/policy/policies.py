"""What the user asked to see: config, rule selection, suppressions and baselines.

Applied to the checker's report after checking, in this order:

1. configuration per model file (closest `[tool.typecheck-nn]`): `exclude` drops the
   model, and skip notices and load errors of excluded files; `select`/`ignore` (the
   command line's, when given, replace the config's) and `per-file-ignores` drop
   diagnostics; `severity` overrides re-rank them (a diagnostic whose severity becomes
   info moves to the notes, and one raised from info moves to the violations);
2. inline suppressions, then TNN900 for suppressions that silenced nothing;
3. the model's verdict is recomputed from what remains; violations dropped by steps 1
   and 2 are counted in `ModelResult.ignored`, so a verdict reached by ignoring rules
   says so ("strongly typed, 1 violation ignored (TNN002)");
4. the baseline: written (`--write-baseline`), or used to drop known violations.

Verdict: a checked model is strongly typed when no error- or warning-severity type
violation remains. TNN900 (unused-suppression) is about comments, not the architecture,
so it never makes a model weakly typed; violations hidden by a baseline still do (they
are known, not fixed). The exit code is Report.exit_code: only error severity fails.

Problems with the config, command-line selectors or baseline become report-level
FileErrors (exit 2); checking results are still shown, unfiltered by the broken part.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

from typecheck_nn.core.model import Diagnostic, FileError, Location, ModelResult, Report, Severity, Skipped
from typecheck_nn.core.rules import UNUSED_SUPPRESSION, rule_by_code
from typecheck_nn.policy import baseline as baseline_mod
from typecheck_nn.policy.config import (
    Config,
    ConfigError,
    config_for,
    is_excluded,
    parse_selectors,
    per_file_ignores,
    rule_enabled,
    selector_matches,
)
from typecheck_nn.policy.suppress import Suppression, read_suppressions

COMMAND_LINE = "<command line>"


@dataclass(frozen=True)
class Selection:
    """The rule selection in force for one file."""

    config: Config
    select: tuple[str, ...] | None
    ignore: tuple[str, ...]

    def enabled(self, code: str, path: str) -> bool:
        """Whether `code` is reported for a diagnostic located in `path`."""
        if not rule_enabled(code, self.select, self.ignore):
            return False
        return not any(selector_matches(s, code) for s in per_file_ignores(path, self.config))

    def severity(self, d: Diagnostic) -> Diagnostic:
        override = self.config.severity.get(d.code)
        if override is None or override == d.severity:
            return d
        return replace(d, severity=cast(Severity, override))  # validated against SEVERITIES by config


def _file_key(path: str) -> str:
    return str(Path(path).resolve())


def _diag_path(d: Diagnostic, m: ModelResult) -> str:
    return d.location.path if d.location is not None else m.path


def _is_type_violation(d: Diagnostic) -> bool:
    return d.code != UNUSED_SUPPRESSION.code and d.severity in ("error", "warning")


def _count_ignored(m: ModelResult, dropped: Iterable[Diagnostic]) -> dict[str, int]:
    counts = dict(m.ignored)
    for d in dropped:
        if _is_type_violation(d):
            counts[d.code] = counts.get(d.code, 0) + 1
    return counts


def _configure(m: ModelResult, sel: Selection) -> ModelResult:
    everything = [*m.violations, *m.notes]
    enabled = [sel.enabled(d.code, _diag_path(d, m)) for d in everything]
    kept = [sel.severity(d) for d, on in zip(everything, enabled) if on]
    ignored = _count_ignored(m, (d for d, on in zip(m.violations, enabled) if not on))
    return _with(replace(m, violations=[], notes=[], ignored=ignored), kept)


def _suppress(models: list[ModelResult], suppressions: dict[str, list[Suppression]], used: set) -> list[ModelResult]:
    """Drop suppressed diagnostics, recording (suppression, code) pairs that did something."""

    def keep(d: Diagnostic) -> bool:
        if d.location is None:
            return True
        hits = [s for s in suppressions.get(_file_key(d.location.path), ()) if s.covers(d)]
        for s in hits:
            used.add((s, d.code if s.codes is not None else None))
        return not hits

    out = []
    for m in models:
        verdicts = [keep(d) for d in m.violations]
        out.append(
            replace(
                m,
                violations=[d for d, k in zip(m.violations, verdicts) if k],
                notes=[d for d in m.notes if keep(d)],
                ignored=_count_ignored(m, (d for d, k in zip(m.violations, verdicts) if not k)),
            )
        )
    return out


def _unused_message(s: Suppression, unused: list[str]) -> str:
    if s.codes is None:
        return "unused suppression: `# typecheck-nn: ignore` silences nothing on this line"
    parts = []
    for code in unused:
        parts.append(f"`{code}`" if rule_by_code(code) else f"`{code}` (unknown rule)")
    return f"unused suppression: {', '.join(parts)} silence{'s' if len(parts) == 1 else ''} nothing on this line"


def _unused(s: Suppression, used: set, sel: Selection) -> list[str] | None:
    """The codes of `s` that silenced nothing (all of them for a bare directive), or None.

    Codes of rules turned off by the selection are not reported: they may well be needed
    under another selection (e.g. a narrower --select on the command line).
    """
    if s.codes is None:
        return None if (s, None) in used else []
    unused = [c for c in s.codes if (s, c) not in used and (rule_by_code(c) is None or sel.enabled(c, s.path))]
    return unused or None


def _unused_diagnostic(s: Suppression, unused: list[str], model: str) -> Diagnostic:
    location = Location(s.path, s.line, s.column, s.line, s.end_column)
    return UNUSED_SUPPRESSION.diagnostic(_unused_message(s, unused), location, model=model)


def _with(m: ModelResult, extra: list[Diagnostic]) -> ModelResult:
    """`m` with `extra` diagnostics filed by severity: info ones are notes."""
    return replace(
        m,
        violations=m.violations + [d for d in extra if d.severity != "info"],
        notes=m.notes + [d for d in extra if d.severity == "info"],
    )


def _report_unused(
    models: list[ModelResult],
    suppressions: dict[str, list[Suppression]],
    used: set,
    skipped: list[Skipped],
    selection: Callable[[str], Selection],
) -> list[ModelResult]:
    """Add TNN900 for suppressions that silenced nothing, to the first model of their file.

    Only model files whose every model was checked are judged: a model that failed or
    was skipped might have needed the suppression.
    """
    incomplete = {_file_key(m.path) for m in models if m.error is not None}
    incomplete |= {_file_key(s.path) for s in skipped}
    first: dict[str, int] = {}
    for i, m in enumerate(models):
        first.setdefault(_file_key(m.path), i)
    models = list(models)
    for key, i in first.items():
        sel = selection(models[i].path)
        if key in incomplete or not sel.enabled(UNUSED_SUPPRESSION.code, models[i].path):
            continue
        extra = []
        for s in suppressions.get(key, ()):
            unused = _unused(s, used, sel)
            if unused is not None:
                extra.append(sel.severity(_unused_diagnostic(s, unused, models[i].name)))
        models[i] = _with(models[i], extra)
    return models


def _verdict(m: ModelResult) -> ModelResult:
    if m.strongly_typed is None:
        return m
    return replace(m, strongly_typed=not any(_is_type_violation(d) for d in m.violations))


def _split(text: str | None, option: str, errors: list[FileError]) -> tuple[str, ...] | None:
    if text is None:
        return None
    try:
        return parse_selectors(text, option)
    except ConfigError as exc:
        errors.append(FileError(path=COMMAND_LINE, message=exc.message))
        return None  # fall back to the config's selection; the run still exits 2


def apply(
    report: Report,
    *,
    targets: Iterable[str] = (),
    select: str | None = None,
    ignore: str | None = None,
    baseline: Path | None = None,
    write_baseline: Path | None = None,
) -> Report:
    """The report as the user configured it (see the module docstring for the order).

    `targets` are the command-line targets: their configs are loaded too, so a broken
    config is reported even when no model could be loaded from under it.
    """
    errors: list[FileError] = []
    configs = _Configs(_split(select, "--select", errors), _split(ignore, "--ignore", errors))
    for target in targets:
        target_path = target.split("::", 1)[0]
        if Path(target_path).exists():
            configs.at(target_path)

    models = [m for m in report.models if not configs.excludes(m.path)]
    skipped = [s for s in report.skipped if not configs.excludes(s.path)]
    load_errors = [e for e in report.errors if not configs.excludes(e.path)]
    models = [_configure(m, configs.selection(m.path)) for m in models]

    suppressions = _suppressions_for(models)
    used: set = set()
    models = _suppress(models, suppressions, used)

    models = _report_unused(models, suppressions, used, skipped, configs.selection)
    models = [_verdict(m) for m in models]
    out = replace(report, models=models, skipped=skipped, errors=[*load_errors, *errors, *configs.errors.values()])
    return _apply_baseline(out, baseline, write_baseline)


class _Configs:
    """The configs of one run, looked up once per directory.

    A broken config is recorded once (as a report-level error) and treated as the default
    config, so checking results are still shown.
    """

    def __init__(self, cli_select: tuple[str, ...] | None, cli_ignore: tuple[str, ...] | None) -> None:
        self.cli_select, self.cli_ignore = cli_select, cli_ignore
        self.configs: dict[Path, Config] = {}
        self.errors: dict[str, FileError] = {}

    def at(self, path: str) -> Config:
        """The config for a file or directory."""
        resolved = Path(path).resolve()
        directory = resolved if resolved.is_dir() else resolved.parent
        if directory not in self.configs:
            try:
                self.configs[directory] = config_for(directory)
            except ConfigError as exc:
                where = str(exc.path) if exc.path is not None else path
                self.errors.setdefault(str(exc), FileError(path=where, message=exc.message))
                self.configs[directory] = Config()
        return self.configs[directory]

    def excludes(self, path: str) -> bool:
        return is_excluded(path, self.at(path))

    def selection(self, path: str) -> Selection:
        """The rule selection for a file: the command line's selectors replace the config's."""
        cfg = self.at(path)
        return Selection(
            cfg,
            self.cli_select if self.cli_select is not None else cfg.select,
            self.cli_ignore if self.cli_ignore is not None else cfg.ignore,
        )


def _suppressions_for(models: list[ModelResult]) -> dict[str, list[Suppression]]:
    """Inline suppressions of every file a diagnostic points into, plus the model files themselves."""
    files = {_file_key(m.path): m.path for m in models}
    for m in models:
        files |= {_file_key(d.location.path): d.location.path for d in [*m.violations, *m.notes] if d.location}
    return {k: read_suppressions(p) for k, p in files.items()}


def _apply_baseline(out: Report, baseline: Path | None, write_baseline: Path | None) -> Report:
    """Write the baseline (and drop what it now records), or drop what a given one records;
    a baseline that cannot be read or written becomes a report-level error."""
    try:
        if write_baseline is not None:
            baseline_mod.write_baseline(out, write_baseline)
            out = baseline_mod.filter_known(
                out, baseline_mod.baseline_counts(out, write_baseline.parent), write_baseline.parent
            )
        elif baseline is not None:
            out = baseline_mod.filter_known(out, baseline_mod.read_baseline(baseline), baseline.parent)
    except baseline_mod.BaselineError as exc:
        out = replace(out, errors=[*out.errors, FileError(path=str(write_baseline or baseline), message=exc.message)])
    return out
