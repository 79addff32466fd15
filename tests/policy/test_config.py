"""[tool.typecheck-nn]: discovery, validation, selection precedence, globs, and the policy using them."""

from __future__ import annotations

from pathlib import Path

import pytest

from typecheck_nn import policy
from typecheck_nn.core.model import Diagnostic, FileError, Location, ModelResult, Report, Skipped
from typecheck_nn.core.rules import ALL_RULES, rule_by_code
from typecheck_nn.policy.config import (
    Config,
    ConfigError,
    config_for,
    find_config_file,
    is_excluded,
    rule_enabled,
)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _diag(code: str, path: Path, line: int = 1) -> Diagnostic:
    rule = rule_by_code(code)
    return Diagnostic(code, rule.name, rule.severity, f"{code} here", Location(str(path), line, 1))


def _report(path: Path, *codes: str) -> Report:
    diags = [_diag(c, path, i + 1) for i, c in enumerate(codes)]
    return Report(
        models=[
            ModelResult(
                "M",
                str(path),
                not any(d.severity != "info" for d in diags),
                violations=[d for d in diags if d.severity != "info"],
                notes=[d for d in diags if d.severity == "info"],
            )
        ]
    )


def _codes(report: Report) -> list[str]:
    return [d.code for m in report.models for d in [*m.violations, *m.notes]]


# ------------------------------------------------------------------ discovery


def test_nearest_pyproject_with_the_table_wins(tmp_path):
    _write(tmp_path / "pyproject.toml", '[tool.typecheck-nn]\nignore = ["TNN001"]\n')
    _write(tmp_path / "pkg" / "pyproject.toml", "[project]\nname = 'no-table-here'\n")  # passed over
    _write(tmp_path / "pkg" / "sub" / "pyproject.toml", '[tool.typecheck-nn]\nignore = ["TNN002"]\n')
    model = _write(tmp_path / "pkg" / "sub" / "deep" / "m.py", "")
    other = _write(tmp_path / "pkg" / "m.py", "")

    assert find_config_file(model) == tmp_path / "pkg" / "sub" / "pyproject.toml"
    assert config_for(model).ignore == ("TNN002",)
    assert find_config_file(other) == tmp_path / "pyproject.toml"
    assert config_for(other).ignore == ("TNN001",)


def test_no_config_gives_defaults(tmp_path):
    model = _write(tmp_path / "m.py", "")
    # tmp dirs live outside the repo, but guard against a stray pyproject.toml above them
    if find_config_file(model) is None:
        assert config_for(model) == Config()


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    "body,needle",
    [
        ('selct = ["TNN001"]', "unknown key 'selct'; did you mean 'select'?"),
        ('select = "TNN001"', "select: expected a list of strings"),
        ('ignore = ["TNN999"]', "ignore: unknown rule selector 'TNN999'"),
        ('[tool.typecheck-nn.severity]\nTNN004 = "fatal"', "severity TNN004: expected one of error, warning, info"),
        ('[tool.typecheck-nn.severity]\nXYZ = "error"', "severity: unknown rule 'XYZ'"),
        ('[tool.typecheck-nn.per-file-ignores]\n"tests/*" = ["NOPE"]', "per-file-ignores 'tests/*': unknown rule"),
        ("exclude = [1]", "exclude: expected a list of strings"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path, body, needle):
    pyproject = _write(tmp_path / "pyproject.toml", f"[tool.typecheck-nn]\n{body}\n")
    with pytest.raises(ConfigError) as info:
        config_for(tmp_path / "m.py")
    assert info.value.path == pyproject
    assert needle in info.value.message
    assert str(info.value).startswith(str(pyproject))


def test_invalid_toml_is_a_config_error(tmp_path):
    _write(tmp_path / "pyproject.toml", "[tool.typecheck-nn\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        config_for(tmp_path / "m.py")


def test_bad_config_becomes_exit_2_with_results_still_shown(tmp_path):
    pyproject = _write(tmp_path / "pyproject.toml", '[tool.typecheck-nn]\nselect = ["TNN9999"]\n')
    model = _write(tmp_path / "m.py", "x = 1\n")
    out = policy.apply(_report(model, "TNN002"), targets=[str(model)])
    assert out.exit_code == 2
    assert [e.path for e in out.errors] == [str(pyproject)]
    assert "select: unknown rule selector 'TNN9999'" in out.errors[0].message
    assert _codes(out) == ["TNN002"]


def test_bad_command_line_selector_is_exit_2(tmp_path):
    model = _write(tmp_path / "m.py", "x = 1\n")
    out = policy.apply(_report(model, "TNN002"), targets=[], select="TNN002,bogus")
    assert out.exit_code == 2
    assert out.errors[0].path == "<command line>" and "--select: unknown rule selector 'bogus'" in out.errors[0].message


# ------------------------------------------------------------------ selection


def test_selectors_codes_prefixes_names_and_specificity():
    assert rule_enabled("TNN002", None, ())
    assert not rule_enabled("TNN002", ("TNN1",), ())
    assert rule_enabled("TNN002", ("recurrent-state-retyped",), ())
    assert not rule_enabled("TNN002", None, ("TNN0",))
    assert rule_enabled("TNN002", ("TNN002",), ("TNN0",))  # more specific select wins
    assert not rule_enabled("TNN002", ("TNN0",), ("TNN002",))
    assert not rule_enabled("TNN002", ("TNN0",), ("TNN0",))  # ignore wins a tie
    assert [r.code for r in ALL_RULES if rule_enabled(r.code, ("ALL",), ("TNN1",))] == [
        "TNN001",
        "TNN002",
        "TNN003",
        "TNN005",
        "TNN004",
        "TNN900",
    ]


def test_command_line_overrides_config(tmp_path):
    _write(tmp_path / "pyproject.toml", '[tool.typecheck-nn]\nselect = ["TNN002"]\nignore = ["TNN003"]\n')
    model = _write(tmp_path / "m.py", "x = 1\n")
    report = _report(model, "TNN001", "TNN002", "TNN003")
    assert _codes(policy.apply(report, targets=[])) == ["TNN002"]
    assert _codes(policy.apply(report, targets=[], select="TNN00")) == ["TNN001", "TNN002"]  # config ignore kept
    assert _codes(policy.apply(report, targets=[], select="TNN00", ignore="TNN001")) == ["TNN002", "TNN003"]


def test_per_file_ignores_relative_to_config_dir(tmp_path):
    _write(
        tmp_path / "pyproject.toml",
        '[tool.typecheck-nn.per-file-ignores]\n"legacy/*.py" = ["TNN002"]\n"test_*.py" = ["recurrent-state-retyped"]\n',
    )
    legacy = _write(tmp_path / "legacy" / "old.py", "")
    test_file = _write(tmp_path / "deep" / "test_rnn.py", "")
    fresh = _write(tmp_path / "new" / "rnn.py", "")
    assert _codes(policy.apply(_report(legacy, "TNN002", "TNN003"), targets=[])) == ["TNN003"]
    assert _codes(policy.apply(_report(test_file, "TNN002"), targets=[])) == []
    assert _codes(policy.apply(_report(fresh, "TNN002"), targets=[])) == ["TNN002"]


def test_per_file_ignores_beat_a_specific_select(tmp_path):
    _write(tmp_path / "pyproject.toml", '[tool.typecheck-nn.per-file-ignores]\n"m.py" = ["TNN"]\n')
    model = _write(tmp_path / "m.py", "")
    assert _codes(policy.apply(_report(model, "TNN002"), targets=[], select="TNN002")) == []


def test_severity_overrides_move_diagnostics_and_change_exit_code(tmp_path):
    _write(
        tmp_path / "pyproject.toml",
        '[tool.typecheck-nn.severity]\nTNN004 = "error"\nTNN100 = "warning"\nTNN002 = "info"\n',
    )
    model = _write(tmp_path / "m.py", "")
    report = _report(model, "TNN004", "TNN100", "TNN002")
    assert [d.severity for d in report.models[0].violations] == ["error"]  # defaults: TNN004, TNN100 are info
    out = policy.apply(report, targets=[])
    m = out.models[0]
    assert {d.code: d.severity for d in m.violations} == {"TNN004": "error", "TNN100": "warning"}
    assert [d.code for d in m.notes] == ["TNN002"]  # demoted to a note
    assert out.exit_code == 1  # now only because of TNN004
    assert m.strongly_typed is False


def test_promoted_warning_alone_fails_the_run(tmp_path):
    model = _write(tmp_path / "m.py", "")
    report = _report(model, "TNN004")
    assert policy.apply(report, targets=[]).exit_code == 0
    _write(tmp_path / "pyproject.toml", '[tool.typecheck-nn.severity]\naxis-structure-mismatch = "error"\n')
    assert policy.apply(report, targets=[]).exit_code == 1


def test_demoting_the_only_violation_makes_the_model_strongly_typed(tmp_path):
    _write(tmp_path / "pyproject.toml", '[tool.typecheck-nn.severity]\nTNN004 = "info"\n')
    model = _write(tmp_path / "m.py", "")
    out = policy.apply(_report(model, "TNN004"), targets=[])
    assert out.models[0].strongly_typed is True and out.exit_code == 0


# ------------------------------------------------------------------ exclude


def test_is_excluded_globs(tmp_path):
    cfg = Config(path=tmp_path / "pyproject.toml", exclude=("build", "*_gen.py", "tests/fixtures"))
    assert is_excluded(tmp_path / "build" / "x" / "m.py", cfg)
    assert is_excluded(tmp_path / "pkg" / "model_gen.py", cfg)
    assert is_excluded(tmp_path / "tests" / "fixtures" / "a" / "m.py", cfg)
    assert is_excluded(tmp_path / "tests" / "fixtures", cfg)
    assert not is_excluded(tmp_path / "tests" / "test_m.py", cfg)
    assert not is_excluded(tmp_path / "pkg" / "model.py", cfg)
    assert not is_excluded(tmp_path.parent / "build" / "m.py", cfg)  # outside the config's dir


def test_policy_drops_models_and_skips_from_excluded_files(tmp_path):
    _write(tmp_path / "pyproject.toml", '[tool.typecheck-nn]\nexclude = ["vendor"]\n')
    kept = _write(tmp_path / "m.py", "")
    dropped = _write(tmp_path / "vendor" / "v.py", "")
    report = _report(kept, "TNN002").merge(_report(dropped, "TNN002"))
    report.skipped.append(Skipped("S", str(dropped), "needs arguments"))
    report.errors.append(FileError(str(dropped.parent / "broken.py"), "SyntaxError: invalid syntax", 3))
    out = policy.apply(report, targets=[str(tmp_path)])
    assert [m.path for m in out.models] == [str(kept)]
    assert out.skipped == [] and out.errors == []
    assert out.exit_code == 1
