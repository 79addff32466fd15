"""`[tool.typecheck-nn]` in pyproject.toml: discovery, validation and rule selection.

Discovery follows ruff: the settings for a file come from the closest pyproject.toml,
walking up from the file's directory, that has a `[tool.typecheck-nn]` table; a
pyproject.toml without the table is passed over. Globs (`exclude`, `per-file-ignores`)
are relative to the directory of that pyproject.toml.

Rule selectors are rule codes (TNN002), code prefixes (TNN0, TNN), rule names
(recurrent-state-retyped) or ALL. When a rule matches both `select` and `ignore`, the
more specific selector wins, and `ignore` wins a tie (ruff's rule); `per-file-ignores`
always win.
"""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from typecheck_nn.core.rules import ALL_RULES, rule_by_code

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG_FILE = "pyproject.toml"
SEVERITIES = ("error", "warning", "info")
KEYS = ("select", "ignore", "per-file-ignores", "severity", "exclude", "strict", "models")
MODEL_KEYS = ("kwargs", "inputs")
INPUT_DTYPES = (
    "float",
    "float32",
    "double",
    "float64",
    "half",
    "float16",
    "bfloat16",
    "long",
    "int64",
    "int",
    "int32",
    "bool",
)


class ConfigError(Exception):
    """A configuration problem, worded for the user: `path` is the file (None for the
    command line) and `message` starts with the key at fault."""

    def __init__(self, message: str, path: Path | None = None):
        super().__init__(f"{path}: {message}" if path is not None else message)
        self.message = message
        self.path = path


@dataclass(frozen=True)
class ModelOverride:
    """Constructor keyword arguments and/or input specs (`long[2, 16]`) for one model."""

    kwargs: dict[str, Any] | None = None
    inputs: tuple[str, ...] | None = None


def parse_input_spec(spec: str) -> tuple[str, tuple[int, ...]]:
    """`long[2, 16]` -> ("long", (2, 16)); ValueError worded for the user."""
    text = spec.strip()
    if "[" not in text or not text.endswith("]"):
        raise ValueError(f'{spec!r}: expected DTYPE[D1, D2, ...], e.g. "float[2, 3, 32, 32]" or "long[2, 16]"')
    name, dims = text[:-1].split("[", 1)
    if name.strip() not in INPUT_DTYPES:
        raise ValueError(f"{spec!r}: unknown dtype {name.strip()!r} (one of {', '.join(INPUT_DTYPES)})")
    try:
        shape = tuple(int(d) for d in dims.split(",") if d.strip())
    except ValueError:
        raise ValueError(f"{spec!r}: sizes must be integers") from None
    if any(d < 0 for d in shape):
        raise ValueError(f"{spec!r}: sizes must not be negative")
    return name.strip(), shape


def _parse_models(value: Any) -> dict[str, ModelOverride]:
    if not isinstance(value, dict):
        raise ConfigError('[tool.typecheck-nn.models]: expected tables like [tool.typecheck-nn.models."model.py::GPT"]')
    out: dict[str, ModelOverride] = {}
    for key, table in value.items():
        where = f'[tool.typecheck-nn.models."{key}"]'
        if "::" not in key:
            raise ConfigError(f'{where}: the key must be PATH::NAME, e.g. "model.py::GPT"')
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: expected a table with kwargs and/or inputs")
        for k in table:
            if k not in MODEL_KEYS:
                raise ConfigError(f"{where}: unknown key {k!r}; expected one of {', '.join(MODEL_KEYS)}")
        kwargs = table.get("kwargs")
        if kwargs is not None and not isinstance(kwargs, dict):
            raise ConfigError(f"{where} kwargs: expected a table of constructor arguments, got {kwargs!r}")
        inputs = table.get("inputs")
        if inputs is not None:
            specs = _string_list(inputs, f"{where} inputs")
            for spec in specs:
                try:
                    parse_input_spec(spec)
                except ValueError as exc:
                    raise ConfigError(f"{where} inputs: {exc}") from None
            inputs = specs
        out[key] = ModelOverride(kwargs, inputs)
    return out


def model_override(path: str | Path, name: str, config: Config) -> ModelOverride | None:
    """The override for class `name` in file `path`: a key whose PATH part matches the
    file (a glob, relative to the pyproject.toml, or the file name) and whose NAME is the class."""
    for key, override in config.models.items():
        pattern, _, cls = key.rpartition("::")
        if cls == name and (matches_glob(path, pattern, config.root) or Path(path).name == pattern):
            return override
    return None


@dataclass(frozen=True)
class Config:
    """Settings for the files under one pyproject.toml. `path` is None for the defaults."""

    path: Path | None = None
    select: tuple[str, ...] | None = None  # None: every rule
    ignore: tuple[str, ...] = ()
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)  # rule code -> severity
    exclude: tuple[str, ...] = ()
    strict: bool = False  # a model checked only in part fails the run (like --strict)
    # `[tool.typecheck-nn.models."path/model.py::GPT"]`: how to build a model the checker
    # cannot build by itself (glob "path::Name" -> override)
    models: dict[str, ModelOverride] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        """The directory that globs are relative to."""
        return self.path.parent if self.path is not None else Path.cwd()


# ---------------------------------------------------------------- rule selection


def _selector_specificity(selector: str, code: str) -> int | None:
    """How specifically `selector` names rule `code` (higher is more specific), or None."""
    if selector.upper() == "ALL":
        return 0
    rule = rule_by_code(code)
    if rule is not None and selector.lower() == rule.name:
        return len(code) + 1  # a name is as specific as the full code
    if code.startswith(selector.upper()):
        return len(selector)
    return None


def _best(selectors: tuple[str, ...], code: str) -> int | None:
    scores = [s for s in (_selector_specificity(sel, code) for sel in selectors) if s is not None]
    return max(scores) if scores else None


def rule_enabled(code: str, select: tuple[str, ...] | None, ignore: tuple[str, ...]) -> bool:
    """Whether `code` is reported under `select`/`ignore` (None select means ALL)."""
    selected = _best(select if select is not None else ("ALL",), code)
    if selected is None:
        return False
    ignored = _best(ignore, code)
    return ignored is None or selected > ignored


def selector_matches(selector: str, code: str) -> bool:
    return _selector_specificity(selector, code) is not None


def check_selector(selector: str) -> str | None:
    """None when `selector` names at least one rule, else a description of the problem."""
    if any(selector_matches(selector, rule.code) for rule in ALL_RULES):
        return None
    names = [r.code for r in ALL_RULES] + [r.name for r in ALL_RULES]
    close = difflib.get_close_matches(selector, names, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return (
        f"unknown rule selector {selector!r} (expected a rule code such as TNN002, a code "
        f"prefix such as TNN0, a rule name, or ALL){hint}"
    )


def parse_selectors(text: str, option: str) -> tuple[str, ...]:
    """Split a comma-separated command-line selector list, rejecting unknown selectors."""
    selectors = tuple(part.strip() for part in text.split(",") if part.strip())
    for selector in selectors:
        problem = check_selector(selector)
        if problem:
            raise ConfigError(f"{option}: {problem}")
    return selectors


# ---------------------------------------------------------------- globs


def matches_glob(path: str | Path, pattern: str, root: Path) -> bool:
    """Whether `path` matches a ruff-style glob relative to `root`.

    A pattern without '/' matches any single path component under `root` (`build`,
    `*_test.py`); a pattern with '/' matches the path relative to `root` or one of its
    parent directories (`tests/fixtures` excludes everything below it).
    """
    try:
        relative = Path(path).resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return False
    parts = relative.parts
    pattern = pattern.strip().removeprefix("./").rstrip("/")
    if not pattern:
        return False
    if "/" not in pattern:
        return any(fnmatchcase(part, pattern) for part in parts)
    return any(fnmatchcase("/".join(parts[:i]), pattern) for i in range(1, len(parts) + 1))


def is_excluded(path: str | Path, config: Config) -> bool:
    """Whether `path` (a file or directory) is excluded from checking by `config`.

    For the discovery step when expanding directories, and for the policy step, which
    drops models from excluded files even when named on the command line (like ruff's
    --force-exclude, so pre-commit's explicit file lists honour `exclude`).
    """
    return any(matches_glob(path, pattern, config.root) for pattern in config.exclude)


def per_file_ignores(path: str | Path, config: Config) -> tuple[str, ...]:
    """The selectors that `per-file-ignores` turns off for `path`."""
    out: list[str] = []
    for pattern, selectors in config.per_file_ignores.items():
        if matches_glob(path, pattern, config.root):
            out.extend(selectors)
    return tuple(out)


# ---------------------------------------------------------------- loading


def _string_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
    return tuple(value)


def _selector_list(value: Any, where: str) -> tuple[str, ...]:
    selectors = _string_list(value, where)
    for selector in selectors:
        problem = check_selector(selector)
        if problem:
            raise ConfigError(f"{where}: {problem}")
    return selectors


def parse_config(table: Any, path: Path) -> Config:
    """Validate the `[tool.typecheck-nn]` table read from `path`; problems name the key."""
    try:
        return replace(_parse_table(table), path=path)
    except ConfigError as exc:
        raise ConfigError(exc.message, path) from None


def _parse_table(table: Any) -> Config:
    prefix = "[tool.typecheck-nn]"
    if not isinstance(table, dict):
        raise ConfigError(f"{prefix}: expected a table")
    for key in table:
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; expected one of {', '.join(KEYS)}"
            raise ConfigError(f"{prefix}: unknown key {key!r}{hint}")
    select = _selector_list(table["select"], f"{prefix} select") if "select" in table else None
    ignore = _selector_list(table.get("ignore", []), f"{prefix} ignore")
    exclude = _string_list(table.get("exclude", []), f"{prefix} exclude")

    pfi_table = table.get("per-file-ignores", {})
    if not isinstance(pfi_table, dict):
        raise ConfigError(f"{prefix} per-file-ignores: expected a table of glob = [rule codes]")
    pfi = {glob: _selector_list(v, f"{prefix} per-file-ignores {glob!r}") for glob, v in pfi_table.items()}

    severity_table = table.get("severity", {})
    if not isinstance(severity_table, dict):
        raise ConfigError(f"{prefix} severity: expected a table of rule code = severity")
    severity: dict[str, str] = {}
    for key, value in severity_table.items():
        rule = rule_by_code(key)
        if rule is None:
            raise ConfigError(f"{prefix} severity: unknown rule {key!r} (expected a rule code or name)")
        if value not in SEVERITIES:
            raise ConfigError(f"{prefix} severity {key}: expected one of {', '.join(SEVERITIES)}, got {value!r}")
        severity[rule.code] = value
    strict = table.get("strict", False)
    if not isinstance(strict, bool):
        raise ConfigError(f"{prefix} strict: expected true or false, got {strict!r}")
    models = _parse_models(table.get("models", {}))
    return Config(
        path=None,
        models=models,
        select=select,
        ignore=ignore,
        per_file_ignores=pfi,
        severity=severity,
        exclude=exclude,
        strict=strict,
    )


def _read_table(pyproject: Path) -> Any | None:
    """The `[tool.typecheck-nn]` table of a pyproject.toml, or None when it has none."""
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", pyproject) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"invalid TOML: {exc}", pyproject) from None
    tool = data.get("tool")
    if not isinstance(tool, dict):
        return None
    return tool.get("typecheck-nn")


def _find(start: str | Path) -> tuple[Path, Any] | None:
    here = Path(start).resolve()
    if not here.is_dir():
        here = here.parent
    for directory in (here, *here.parents):
        candidate = directory / CONFIG_FILE
        if candidate.is_file():
            table = _read_table(candidate)
            if table is not None:
                return candidate, table
    return None


def find_config_file(start: str | Path) -> Path | None:
    """The closest pyproject.toml with a `[tool.typecheck-nn]` table, from `start` upwards."""
    found = _find(start)
    return found[0] if found else None


def config_for(path: str | Path) -> Config:
    """The settings that apply to the file (or directory) `path`; defaults when none."""
    found = _find(path)
    return parse_config(found[1], found[0]) if found else Config()
