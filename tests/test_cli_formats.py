"""End to end: the real checker behind the CLI, in every output format, with policies.

Most tests drive the typer app in-process (torch and torch.export warm up once, then a
check takes a fraction of a second); three run the entry point in a subprocess to cover
the process boundary: exit codes, `-o`, and a file edited between two runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from typecheck_nn.cli import check_app

REPO = Path(__file__).resolve().parents[1]  # the checkout under test, also for subprocesses
SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"

MODEL = """\
import torch
from torch import nn


class SquareResidual(nn.Module):
    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, 4)

    def forward(self, x):
        return x + torch.relu(self.W(x)){comment}

    def example_inputs(self):
        return (torch.randn(2, 4),)
"""
LINE = 11  # the `return x + ...` line


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A temp project with one weakly typed model, as the working directory."""
    (tmp_path / "model.py").write_text(MODEL.format(comment=""), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _check(*args: str):
    return CliRunner().invoke(check_app, [*args, "-j1"], catch_exceptions=False)


def test_full(project):
    result = _check("model.py")
    assert result.exit_code == 1
    assert "error[TNN003]" in result.output
    assert f"  --> model.py:{LINE}:" in result.output
    assert "return x + torch.relu(self.W(x))" in result.output and "^^^" in result.output
    assert "model.py::SquareResidual: NOT strongly typed (1 violation)" in result.output


def test_concise(project):
    result = _check("model.py", "--format", "concise")
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith(f"model.py:{LINE}:")
    assert " TNN003 " in result.output.splitlines()[0]


def test_json(project):
    result = _check("model.py", "--format", "json")
    data = json.loads(result.output)
    assert result.exit_code == data["exit_code"] == 1
    assert [v["rule"] for v in data["models"][0]["violations"]] == ["TNN003"]


def test_github(project):
    result = _check("model.py", "--format", "github")
    assert result.exit_code == 1
    assert result.output.startswith(f"::error file=model.py,line={LINE},")
    assert "title=TNN003 matrix-output-added-to-input::" in result.output


def test_sarif(project):
    result = _check("model.py", "--format", "sarif")
    log = json.loads(result.output)
    jsonschema.validate(log, json.loads(SCHEMA.read_text(encoding="utf-8")))
    first = log["runs"][0]["results"][0]
    assert first["ruleId"] == "TNN003"
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "model.py"
    assert first["locations"][0]["physicalLocation"]["region"]["startLine"] == LINE


def test_junit(project):
    result = _check("model.py", "--format", "junit")
    root = ET.fromstring(result.output)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("1", "1", "0")


def test_unknown_format_is_exit_2(project):
    assert _check("model.py", "--format", "yaml").exit_code == 2


def test_suppression_and_unused_suppression(project):
    model = project / "model.py"
    model.write_text(MODEL.format(comment="  # typecheck-nn: ignore[TNN003]"), encoding="utf-8")
    clean = _check("model.py", "--format", "concise")
    assert clean.exit_code == 0, clean.output
    assert "1 strongly typed" in clean.output

    model.write_text(MODEL.format(comment="  # typecheck-nn: ignore[TNN001]"), encoding="utf-8")
    both = _check("model.py", "--format", "concise")
    assert both.exit_code == 1
    codes = [line.split()[1] for line in both.output.splitlines()[:-1]]
    assert sorted(codes) == ["TNN003", "TNN900"]


def test_config_select_and_cli_override(project):
    (project / "pyproject.toml").write_text('[tool.typecheck-nn]\nignore = ["TNN003"]\n', encoding="utf-8")
    assert _check("model.py", "--format", "concise").exit_code == 0
    assert _check("model.py", "--format", "concise", "--ignore", "TNN001").exit_code == 1
    (project / "pyproject.toml").write_text('[tool.typecheck-nn]\nignroe = ["TNN003"]\n', encoding="utf-8")
    bad = _check("model.py", "--format", "concise")
    assert bad.exit_code == 2 and "unknown key 'ignroe'" in bad.output


def _entry_point(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    code = "import sys; from typecheck_nn.cli import main; sys.argv[0] = 'typecheck-nn'; main()"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.process
def test_process_output_file_and_exit_codes(project):
    proc = _entry_point("model.py", "--format", "sarif", "-o", "out.sarif", cwd=project)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    log = json.loads((project / "out.sarif").read_text(encoding="utf-8"))
    assert log["runs"][0]["results"][0]["ruleId"] == "TNN003"


@pytest.mark.process
def test_process_suppression_turns_exit_1_into_0(project):
    (project / "model.py").write_text(MODEL.format(comment="  # typecheck-nn: ignore[TNN003]"), encoding="utf-8")
    proc = _entry_point("model.py", "--format", "concise", cwd=project)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.process
def test_process_baseline_survives_an_edit_above(project):
    # A fresh process for the second run, as in real use: the checker reads source lines
    # through linecache, which a long-lived process would need to refresh after the edit.
    assert _check("model.py", "--write-baseline", "baseline.json").exit_code == 0
    model = project / "model.py"
    model.write_text("# an edit above the model\n" * 5 + MODEL.format(comment=""), encoding="utf-8")
    proc = _entry_point("model.py", "--baseline", "baseline.json", "--format", "concise", cwd=project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    missing = _check("model.py", "--baseline", "nope.json")
    assert missing.exit_code == 2 and "baseline file not found" in missing.output
