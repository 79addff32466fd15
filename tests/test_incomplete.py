"""Fail closed: a model the checker could see only in part is never plainly "strongly typed"."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.process  # each test runs the CLI in a subprocess

MODEL = textwrap.dedent(
    """
    import torch
    from torch import nn

    lib = torch.library.Library("tnn_incomplete", "DEF")
    lib.define("blackbox(Tensor x) -> Tensor")
    lib.impl("blackbox", lambda x: x * 2, "CompositeExplicitAutograd")
    torch.library.register_fake("tnn_incomplete::blackbox", lambda x: torch.empty_like(x), lib=lib)


    class Hidden(nn.Module):
        def __init__(self):
            super().__init__()
            self.W = nn.Linear(8, 8)

        def forward(self, x):
            return x + torch.ops.tnn_incomplete.blackbox(self.W(x))

        def example_inputs(self):
            return (torch.randn(2, 8),)
    """
)


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    path = tmp_path / "hidden.py"
    path.write_text(MODEL)
    return subprocess.run(
        [sys.executable, "-m", "typecheck_nn.cli", str(path), "-j1", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )


def test_incomplete_verdict_is_said_and_listed(tmp_path):
    full = _run(tmp_path)
    assert full.returncode == 0, full.stderr
    assert "strongly typed as far as checked" in full.stdout
    assert "not checked: `blackbox`" in full.stdout and "hidden.py:17" in full.stdout
    data = json.loads(_run(tmp_path, "--format", "json").stdout)
    (model,) = data["models"]
    assert model["complete"] is False
    assert [(u["op"], u["line"]) for u in model["unchecked"]] == [("blackbox", 17)]


def test_strict_fails_an_incomplete_verdict(tmp_path):
    assert _run(tmp_path, "--strict").returncode == 2
    (tmp_path / "pyproject.toml").write_text("[tool.typecheck-nn]\nstrict = true\n")
    assert _run(tmp_path).returncode == 2
