"""Discovery, bad input and exit codes, through the CLI in-process (fast) and once for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from typecheck_nn.cli import check_app

HEADER = "import torch\nfrom torch import nn\n"
TRNN = """
class Typed(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Linear(4, 8)
        self.f = nn.Linear(4, 8)

    def forward(self, xs):
        h = xs.new_zeros(xs.shape[1], 8)
        for x in xs:
            f = torch.sigmoid(self.f(x))
            h = f * h + (1 - f) * self.w(x)
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)
"""
ELMAN = """
class Classic(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Linear(4, 8)
        self.v = nn.Linear(8, 8)

    def forward(self, xs):
        h = xs.new_zeros(xs.shape[1], 8)
        for x in xs:
            h = torch.tanh(self.w(x) + self.v(h))
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)
"""


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(HEADER + textwrap.dedent(body))
    return path


def run(*args: str):
    result = CliRunner().invoke(check_app, [*map(str, args), "--format", "json", "-j1"])
    data = json.loads(result.stdout) if result.stdout.strip().startswith("{") else None
    return result.exit_code, data, result


def test_exit_0_when_strongly_typed(tmp_path):
    code, data, _ = run(write(tmp_path, "typed.py", TRNN))
    assert code == 0
    assert data["models"][0]["strongly_typed"] is True


def test_exit_1_on_violations_with_the_line(tmp_path):
    path = write(tmp_path, "classic.py", ELMAN)
    code, data, _ = run(path)
    assert code == 1
    (v,) = data["models"][0]["violations"]
    assert v["rule"] == "TNN002" and v["path"] == str(path)
    assert "self.v(h)" in path.read_text().splitlines()[v["line"] - 1]


def test_missing_file_exit_2(tmp_path):
    code, data, _ = run(tmp_path / "nope.py")
    assert code == 2
    assert data["errors"][0]["message"] == "no such file or directory"


def test_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text("import torch\n\ndef f(:\n    pass\n")
    code, data, _ = run(path)
    assert code == 2
    assert data["errors"][0]["line"] == 3 and "syntax error" in data["errors"][0]["message"]


def test_import_error(tmp_path):
    path = write(tmp_path, "imp.py", "import not_a_real_module_xyz\n\n\nclass M(nn.Module):\n    pass\n")
    code, data, _ = run(path)
    assert code == 2
    message = data["errors"][0]["message"]
    assert "needs `not_a_real_module_xyz`, which is not installed (pip install not-a-real-module-xyz)" in message
    assert data["errors"][0]["line"] == 3


def test_file_without_models_is_not_an_error_and_is_named(tmp_path):
    path = write(tmp_path, "helpers.py", "def helper():\n    return 1\n")
    code, data, _ = run(path)
    assert code == 0 and data["models"] == []
    (note,) = data["skipped"]
    assert note["name"] is None and note["path"] == str(path)
    assert "no nn.Module subclass" in note["reason"] and "not imported" in note["reason"]


def test_missing_example_inputs_are_inferred_from_forward(tmp_path):
    """No example_inputs(): the loop `for x in xs` feeding nn.Linear(4, ...) gives (T, B, 4)."""
    path = write(tmp_path, "noinputs.py", TRNN.replace("example_inputs", "other_method") + ELMAN)
    code, data, _ = run(path)
    assert code == 1  # both are checked; the classic one fails
    models = {m["name"]: m for m in data["models"]}
    assert models["Typed"]["strongly_typed"] is True
    assert models["Typed"]["built_with"]["inputs"] == ["float[8, 2, 4]"]
    assert "inferred from forward" in models["Typed"]["built_with"]["strategy"]
    assert models["Classic"]["built_with"]["inputs"] == ["float[3, 2, 4]"]  # its own example_inputs()
    assert data["skipped"] == []


def test_class_without_forward_is_not_a_model(tmp_path):
    """A changed file whose only class is a base without forward() must not fail pre-commit."""
    body = "class NeedsArgs(nn.Module):\n    def __init__(self, width):\n        super().__init__()\n"
    path = write(tmp_path, "args.py", body)
    code, data, _ = run(path)
    assert code == 0 and data["models"] == [] and data["errors"] == []
    assert [(s["name"], s["reason"]) for s in data["skipped"]] == [
        ("NeedsArgs", "defines no forward() (a base class for other models?)")
    ]
    code, data, _ = run(f"{path}::NeedsArgs")  # asked for by name: that request fails
    assert code == 2 and "defines no forward()" in data["errors"][0]["message"]


def test_forward_raising_exit_2_names_the_line_and_keeps_other_models(tmp_path):
    broken = """
    class Broken(nn.Module):
        def forward(self, x):
            return x.view(3, 3, 3)

        def example_inputs(self):
            return (torch.randn(4),)
    """
    path = write(tmp_path, "broken.py", textwrap.dedent(broken) + TRNN)
    code, data, _ = run(path)
    assert code == 2
    models = {m["name"]: m for m in data["models"]}
    assert models["Typed"]["strongly_typed"] is True
    assert models["Broken"]["strongly_typed"] is None
    assert models["Broken"]["error_line"] == 6
    assert "forward failed at line 6" in models["Broken"]["error"]


def test_data_dependent_branch_checks_the_path_taken_and_says_so(tmp_path):
    body = """
    class Branchy(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(8, 8)

        def forward(self, x):
            if x.sum() > 0:
                return x + torch.relu(self.a(x))
            return x

        def example_inputs(self):
            return (torch.ones(2, 8),)
    """
    code, data, result = run(write(tmp_path, "branchy.py", body))
    model = data["models"][0]
    assert model["trace_method"] == "recorded-path"
    (note,) = [n for n in model["notes"] if n["rule"] == "TNN102"]
    assert note["line"] == 10 and "`if x.sum() > 0:`" in note["message"]
    assert code == 1 and model["violations"][0]["rule"] == "TNN003"
    assert model["violations"][0]["line"] == 11
    assert "def forward(self" not in result.stderr  # no graph dumps from torch's logs


def test_data_dependent_branch_that_also_fails_is_an_error_naming_the_line(tmp_path):
    body = """
    class Branchy(nn.Module):
        def forward(self, x):
            if x.sum() > 0:
                raise RuntimeError("positive input")
            return x

        def example_inputs(self):
            return (torch.ones(2, 8),)
    """
    code, data, _ = run(write(tmp_path, "branchy.py", body))
    model = data["models"][0]
    assert code == 2 and model["strongly_typed"] is None
    assert model["error_line"] == 6
    assert model["error"].startswith("data-dependent control flow at line 6 (`if x.sum() > 0:`)")


def test_select_one_model_and_factories(tmp_path):
    path = write(
        tmp_path,
        "both.py",
        TRNN
        + ELMAN
        + """
def make_classic():
    return Classic(), (torch.randn(2, 2, 4),)

def make_typed():
    return Typed()
""",
    )
    code, data, _ = run(f"{path}::Typed")
    assert code == 0 and [m["name"] for m in data["models"]] == ["Typed"]
    code, data, _ = run(f"{path}::make_classic")
    assert code == 1 and data["models"][0]["name"] == "make_classic"
    code, data, _ = run(f"{path}::make_typed")
    assert code == 0
    code, data, _ = run(f"{path}::Missing")
    assert code == 2 and "no model or factory named 'Missing'" in data["errors"][0]["message"]


def test_lightning_example_input_array(tmp_path):
    body = TRNN.replace("    def example_inputs(self):\n        return (torch.randn(3, 2, 4),)\n", "")
    body = body.replace(
        "super().__init__()", "super().__init__()\n        self.example_input_array = torch.randn(3, 2, 4)"
    )
    code, data, _ = run(write(tmp_path, "lit.py", body))
    assert code == 0 and data["models"][0]["strongly_typed"] is True


def test_directory_walk_skips_hidden_and_venv(tmp_path):
    write(tmp_path, "typed.py", TRNN)
    (tmp_path / ".hidden").mkdir()
    write(tmp_path / ".hidden", "x.py", ELMAN)
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / "pyvenv.cfg").write_text("")
    write(venv, "y.py", ELMAN)
    code, data, _ = run(tmp_path)
    assert code == 0 and [m["name"] for m in data["models"]] == ["Typed"]


@pytest.mark.process
def test_console_script_end_to_end(tmp_path):
    """One real subprocess: the installed entry point, stdout JSON and exit code."""
    exe = Path(sys.executable).parent / "typecheck-nn"
    if not exe.exists():
        pytest.skip("console script not installed (pip install -e .)")
    path = write(tmp_path, "classic.py", ELMAN)
    proc = subprocess.run(
        [str(exe), str(path), "--format", "concise"],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert proc.returncode == 1
    assert f"{path}:" in proc.stdout or "classic.py:" in proc.stdout
    assert "TNN002" in proc.stdout
    assert "Traceback" not in proc.stderr
