"""Command-line conventions, in-process (`-j1`): options, colours, output files, escaping,
deterministic output, deduplication, the pre-scan, meta-device tracing and the Python API."""

from __future__ import annotations

import json
import textwrap
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

import typecheck_nn
from typecheck_nn.cli import check_app, color_wanted
from typecheck_nn.run.prescan import verdict

HEADER = "import torch\nfrom torch import nn\n"
TWO_FAULTS = HEADER + textwrap.dedent(
    """
    class TwoFaults(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Linear(4, 8)
            self.v = nn.Linear(8, 8)
            self.s = nn.Linear(8, 8)

        def forward(self, xs):
            h = xs.new_zeros(xs.shape[1], 8)
            for x in xs:
                h = torch.tanh(self.w(x) + self.v(h))
            return h + torch.relu(self.s(h))

        def example_inputs(self):
            return (torch.randn(3, 2, 4),)
    """
)
ZEROS = HEADER + textwrap.dedent(
    """
    class Zeros(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Linear(4, 8)
            self.f = nn.Linear(4, 8)

        def forward(self, xs):
            h = torch.zeros(xs.shape[1], 8)  # no device: must follow the meta context
            for x in xs:
                f = torch.sigmoid(self.f(x))
                h = f * h + (1 - f) * self.w(x)
            return h

        def example_inputs(self):
            return (torch.randn(3, 2, 4),)
    """
)


def invoke(*args, env: dict | None = None):
    return CliRunner().invoke(check_app, [*map(str, args), "-j1"], env=env)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_repeated_and_comma_selectors_accumulate_and_ignoring_says_so(tmp_path):
    path = write(tmp_path / "two.py", TWO_FAULTS)
    result = invoke(path, "--format", "json")
    codes = sorted(v["rule"] for v in json.loads(result.stdout)["models"][0]["violations"])
    assert result.exit_code == 1 and codes == ["TNN002", "TNN003"]
    for args in (["--ignore", "TNN002", "--ignore", "TNN003"], ["--ignore", "TNN002,TNN003"]):
        data = json.loads(invoke(path, "--format", "json", *args).stdout)
        (m,) = data["models"]
        assert m["violations"] == [] and m["ignored"] == {"TNN002": 1, "TNN003": 1}
    full = invoke(path, "--ignore", "TNN002", "--ignore", "TNN003")
    assert full.exit_code == 0
    assert "strongly typed (2 violations ignored (TNN002, TNN003))" in full.stdout
    select = json.loads(invoke(path, "--format", "json", "--select", "TNN002", "--select", "TNN003").stdout)
    assert sorted(v["rule"] for v in select["models"][0]["violations"]) == ["TNN002", "TNN003"]


def test_no_color_and_force_color(monkeypatch, tmp_path):
    class Tty:
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert color_wanted(Tty()) is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert color_wanted(Tty()) is False
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert color_wanted(Tty()) is False  # NO_COLOR wins
    path = write(tmp_path / "two.py", TWO_FAULTS)
    forced = invoke(path, env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert "\x1b[" in forced.stdout
    plain = invoke(path, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in plain.stdout


def test_outputs_into_missing_folders_are_created_or_fail_in_one_line(tmp_path):
    path = write(tmp_path / "zeros.py", ZEROS)
    out = tmp_path / "new" / "deeper" / "report.json"
    html = tmp_path / "other" / "report.html"
    result = invoke(path, "--format", "json", "-o", out, "--html", html)
    assert result.exit_code == 0 and json.loads(out.read_text())["exit_code"] == 0
    assert html.read_text().lstrip().lower().startswith("<!doctype html")
    blocker = write(tmp_path / "file", "")
    result = invoke(path, "-o", blocker / "sub" / "r.txt")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "cannot create" in result.stderr and "Traceback" not in result.stderr


def test_control_characters_and_undecodable_names_are_escaped_in_every_format(tmp_path):
    name = "we\x1b[31mird\nna\udcffme.py"  # ESC, a newline and a byte that is not UTF-8
    path = tmp_path / name
    path.write_bytes(TWO_FAULTS.encode())
    for fmt in ("full", "concise", "json", "sarif", "github", "junit"):
        result = invoke(str(path), "--format", fmt)
        assert result.exit_code == 1, (fmt, result.output)
        out = result.stdout
        assert "\x1b" not in out and "\udcff" not in out, fmt
        if fmt == "concise":
            lines = out.splitlines()
            assert len(lines) == 3 and all(line.count(": TNN00") == 1 for line in lines[:2])
            assert "\\x1b[31mird\\x0ana\\xffme.py" in lines[0]
        if fmt == "junit":
            ET.fromstring(out.split("?>", 1)[1])  # well-formed XML
        if fmt in ("json", "sarif"):
            json.loads(out)


def test_machine_formats_are_byte_identical_without_timings(tmp_path):
    path = write(tmp_path / "two.py", TWO_FAULTS)
    for fmt in ("json", "sarif", "junit"):
        assert invoke(path, "--format", fmt).stdout == invoke(path, "--format", fmt).stdout, fmt
    data = json.loads(invoke(path, "--format", "json").stdout)
    assert data["models"][0]["seconds"] == {}
    started = time.perf_counter()
    timed = json.loads(invoke(path, "--format", "json", "--timings").stdout)
    wall = time.perf_counter() - started
    seconds = timed["models"][0]["seconds"]
    assert set(seconds) == {"trace", "typegraph", "solve", "diagnostics"}, seconds
    assert all(s > 0 for s in seconds.values()), seconds
    assert sum(seconds.values()) <= wall, (seconds, wall)  # stages of one check, all measured inside the call


def test_same_file_twice_is_checked_once(tmp_path, monkeypatch):
    write(tmp_path / "two.py", TWO_FAULTS)
    monkeypatch.chdir(tmp_path)
    data = json.loads(invoke("two.py", "./two.py", str(tmp_path / "two.py"), ".", "--format", "json").stdout)
    assert [m["name"] for m in data["models"]] == ["TwoFaults"]


def test_base_class_with_example_inputs_but_no_forward_is_skipped_with_reason(tmp_path):
    body = ZEROS + textwrap.dedent(
        """
        class Base(nn.Module):
            def example_inputs(self):
                return (torch.randn(3, 2, 4),)
        """
    )
    data = json.loads(invoke(write(tmp_path / "base.py", body), "--format", "json").stdout)
    assert [m["name"] for m in data["models"]] == ["Zeros"]
    assert [(s["name"], s["reason"]) for s in data["skipped"]] == [
        ("Base", "defines no forward() (a base class for other models?)")
    ]


def test_user_output_is_captured_in_process(tmp_path):
    body = ZEROS.replace("for x in xs:", "print('noise from forward')\n        for x in xs:")
    result = invoke(write(tmp_path / "loud.py", "print('noise at import')\n" + body), "--format", "json")
    assert json.loads(result.stdout)["exit_code"] == 0
    assert "noise" not in result.output


def test_tensors_made_in_forward_follow_the_meta_device(tmp_path):
    data = json.loads(invoke(write(tmp_path / "zeros.py", ZEROS), "--format", "json").stdout)
    (m,) = data["models"]
    assert m["strongly_typed"] is True and m["trace_method"] == "export" and m["fallback"] is None


def test_real_tensors_are_a_last_resort_with_a_note(tmp_path):
    body = ZEROS.replace("for x in xs:", "if xs.sum() > 0:\n            h = h + 1\n        for x in xs:")
    path = write(tmp_path / "branchy.py", body)
    data = json.loads(invoke(path, "--format", "json").stdout)
    (m,) = data["models"]
    assert m["trace_method"] != "export" and "branches on tensor values" in m["fallback"]
    assert "note: checked with real tensors: the model branches on tensor values" in invoke(path).stdout


@pytest.mark.parametrize(
    ("source", "files", "importable"),
    [
        ("from torch import nn\nclass A(nn.Module):\n    pass\n", {}, True),
        ("import torch\nclass A(torch.nn.Linear):\n    pass\n", {}, True),
        ("from torch.nn import Module as M\nclass A(M):\n    pass\n", {}, True),
        ("import lightning as L\nclass A(L.LightningModule):\n    pass\n", {}, True),
        ("import pytorch_lightning as pl\nclass A(pl.LightningModule):\n    pass\n", {}, True),
        (
            "from .base import Base\nclass A(Base):\n    pass\n",
            {"base.py": "from torch import nn\nclass Base(nn.Module): ..."},
            True,
        ),
        (
            "from base import Base\nclass A(Base):\n    pass\n",
            {"base.py": "from torch import nn\nclass Base(nn.Module): ..."},
            True,
        ),
        ("from base import Base\nclass A(Base):\n    pass\n", {"base.py": "class Base: ..."}, False),
        ("class A:\n    def __init__(self):\n        self.example_input_array = 1\n", {}, True),
        ("class A:\n    def example_inputs(self):\n        return ()\n", {}, True),
        ("import torch\nprint('train')\nclass Config:\n    lr = 1\n", {}, False),
        ("def f(:\n", {}, True),  # libcst cannot parse it: import, which reports the syntax error
    ],
    ids=[
        "nn.Module",
        "torch.nn.Linear",
        "alias",
        "lightning",
        "pytorch_lightning",
        "package-base",
        "sibling-base",
        "plain-base",
        "input-array",
        "example-inputs",
        "script",
        "syntax-error",
    ],
)
def test_prescan(tmp_path, source, files, importable):
    pkg = tmp_path / "pkg"
    write(pkg / "__init__.py", "")
    for name, text in files.items():
        write(pkg / name, text)
    assert verdict(write(pkg / "model.py", source)).importable is importable


def test_api_check_applies_config_and_inline_suppressions(tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", "[tool.typecheck-nn]\nignore = ['TNN003']\n")
    body = TWO_FAULTS.replace("self.v(h))", "self.v(h))  # typecheck-nn: ignore[TNN002]")
    write(tmp_path / "twofaults_mod.py", body)
    monkeypatch.syspath_prepend(str(tmp_path))
    import twofaults_mod

    model = twofaults_mod.TwoFaults()
    (m,) = typecheck_nn.check(model, torch.randn(3, 2, 4)).models
    assert m.violations == [] and m.strongly_typed is True and m.ignored == {"TNN002": 1, "TNN003": 1}
    (raw,) = typecheck_nn.check(model, torch.randn(3, 2, 4), apply_config=False).models
    assert sorted(v.code for v in raw.violations) == ["TNN002", "TNN003"]


def test_assert_strongly_typed_fails_with_the_full_diagnostic(tmp_path, monkeypatch):
    write(tmp_path / "weak_mod.py", TWO_FAULTS)
    monkeypatch.syspath_prepend(str(tmp_path))
    import weak_mod

    with pytest.raises(AssertionError) as info:
        typecheck_nn.assert_strongly_typed(weak_mod.TwoFaults(), torch.randn(3, 2, 4))
    text = str(info.value)
    assert "error[TNN002]" in text and "h = torch.tanh(self.w(x) + self.v(h))" in text and "^^^" in text
    assert "NOT strongly typed" in text and "Diagnostic(" not in text


def test_strict_from_the_command_line_or_the_config(tmp_path):
    from typecheck_nn.policy.config import ConfigError, parse_config

    assert parse_config({"strict": True}, tmp_path / "pyproject.toml").strict is True
    with pytest.raises(ConfigError, match="strict: expected true or false"):
        parse_config({"strict": "yes"}, tmp_path / "pyproject.toml")
    path = write(tmp_path / "zeros.py", ZEROS)
    assert invoke(path, "--strict").exit_code == 0  # fully checked: strict changes nothing
    write(tmp_path / "pyproject.toml", "[tool.typecheck-nn]\nstrict = 1\n")
    result = invoke(path)
    assert result.exit_code == 2 and "strict: expected true or false" in result.stderr
