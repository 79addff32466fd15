"""Every finding names a line in the user's (or the library's) code."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from typecheck_nn import check_paths
from typecheck_nn.engine.pipeline import TORCH_DIR, is_torch_source


def test_torchvision_is_not_torch():
    assert is_torch_source(os.path.join(TORCH_DIR, "nn", "modules", "linear.py"))
    assert not is_torch_source(TORCH_DIR + "vision" + os.sep + "models" + os.sep + "resnet.py")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_helper_module_beside_the_model_keeps_its_lines(tmp_path, monkeypatch):
    _write(
        tmp_path,
        "helpers.py",
        """
        def project(x, w):
            return x @ w.T
        """,
    )
    model = _write(
        tmp_path,
        "model.py",
        """
        import torch
        from torch import nn

        from helpers import project


        class HelperResidual(nn.Module):
            def __init__(self):
                super().__init__()
                self.W = nn.Linear(8, 8)

            def forward(self, x):
                return x + project(x, self.W.weight)

            def example_inputs(self):
                return (torch.randn(2, 8),)
        """,
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    (m,) = check_paths([str(model)]).models
    (v,) = m.violations
    assert (Path(v.location.path).name, v.location.line) == ("model.py", 14)
    assert [(Path(r.location.path).name, r.location.line) for r in v.related] == [("helpers.py", 3)]


def test_attribute_write_in_forward_is_named(tmp_path):
    model = _write(
        tmp_path,
        "renorm.py",
        """
        import torch
        from torch import nn


        class Renorm(nn.Module):
            def __init__(self):
                super().__init__()
                self.W = nn.Linear(8, 8)

            def forward(self, x):
                self.W.weight.data = self.W.weight.data / self.W.weight.data.norm()
                return torch.relu(self.W(x))

            def example_inputs(self):
                return (torch.randn(2, 8),)
        """,
    )
    (m,) = check_paths([str(model)]).models
    notes = [n for n in m.notes if n.code == "TNN102"]
    assert notes and notes[0].location is not None and notes[0].location.line == 12


def test_columns_count_characters_not_bytes(tmp_path):
    """CPython's code positions count UTF-8 bytes; reports count characters (ruff, SARIF,
    editors), so the caret stays under the operation on a line with non-ASCII names."""
    model = _write(
        tmp_path,
        "model.py",
        """
        import torch
        from torch import nn


        class Elman(nn.Module):
            def __init__(self):
                super().__init__()
                self.W = nn.Linear(8, 8)
                self.V = nn.Linear(8, 8)

            def forward(self, xs):
                ĥ = xs.new_zeros(2, 8)
                for x in xs:
                    ĥ = torch.tanh(self.W(x) + self.V(ĥ))
                return ĥ

            def example_inputs(self):
                return (torch.randn(3, 2, 8),)
        """,
    )
    line = model.read_text().splitlines()[14]
    (m,) = check_paths([str(model)]).models
    (v,) = m.violations
    loc = v.location
    assert loc.line == 15
    assert line[loc.column - 1 : loc.end_column - 1] == "self.V(ĥ)"
