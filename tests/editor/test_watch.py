"""`typecheck-nn watch`: a real subprocess, a real file edit, and the output read line by line."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from typecheck_nn.core.model import Diagnostic, Location, ModelResult, Report
from typecheck_nn.editor.watch import changes, findings

WEAK = """import torch
from torch import nn


class Cell(nn.Module):
    def __init__(self):
        super().__init__()
        self.W = nn.Linear(8, 8)
        self.V = nn.Linear(8, 8)

    def forward(self, xs):
        h = xs.new_zeros(2, 8)
        for x in xs:
            h = torch.tanh(self.W(x) + self.V(h))
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 8),)
"""
STRONG = WEAK.replace(
    "h = torch.tanh(self.W(x) + self.V(h))", "f = torch.sigmoid(self.V(x))\n            h = f * h + (1 - f) * self.W(x)"
)


class Lines:
    """The subprocess's stdout, one line at a time, with a deadline per wait."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.q: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert proc.stdout is not None
        out = proc.stdout
        threading.Thread(target=lambda: [self.q.put(line) for line in out], daemon=True).start()

    def until(self, text: str, timeout: float = 120.0) -> list[str]:
        got: list[str] = []
        end = time.monotonic() + timeout
        while True:
            try:
                line = self.q.get(timeout=max(0.1, end - time.monotonic()))
            except queue.Empty:
                raise AssertionError(
                    f"no line with {text!r} in {timeout} s; output so far:\n{''.join(self.seen)}"
                ) from None
            got.append(line)
            self.seen.append(line)
            if text in line:
                return got


@pytest.mark.process
def test_watch_reports_a_violation_as_fixed(tmp_path: Path) -> None:
    model = tmp_path / "cell.py"
    model.write_text(WEAK)
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "typecheck_nn.cli", "watch", "cell.py"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        out = Lines(proc)
        first = out.until("Watching")
        assert any(line.startswith("cell.py:14:") and "TNN002" in line for line in first), first
        assert any("Found 1 violation in 1 model" in line for line in first), first
        time.sleep(0.5)  # let the watch start before the edit

        model.write_text(STRONG)
        change = out.until("Found ")
        assert change[0].split("] ", 1)[1].startswith("cell.py changed: 0 new, 1 fixed"), change
        fixed = [line for line in change if line.lstrip().startswith("fixed")]
        assert len(fixed) == 1 and "cell.py:14:" in fixed[0] and "TNN002" in fixed[0], change
        assert "Found 0 violations in 1 model (1 strongly typed" in change[-1]

        model.write_text(WEAK)  # and back: the violation is new again
        change = out.until("Found ")
        assert "1 new, 0 fixed" in change[0], change
        assert [line for line in change if line.lstrip().startswith("new")], change
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert code == 0


def test_changes_ignore_moved_lines_and_name_new_and_fixed() -> None:
    def report(line: int, codes: list[str]) -> Report:
        vs = [Diagnostic(c, "n", "error", f"msg {c}", Location("/m.py", line, 3)) for c in codes]
        return Report(models=[ModelResult("M", "/m.py", not vs, violations=vs)])

    root = Path("/")
    before = findings(report(10, ["TNN001", "TNN002"]), root)
    moved = findings(report(12, ["TNN001", "TNN002"]), root)
    assert changes(before, moved) == ([], [])
    new, fixed = changes(before, findings(report(12, ["TNN002", "TNN003"]), root))
    assert [f.code for f in new] == ["TNN003"] and [f.code for f in fixed] == ["TNN001"]
    assert fixed[0].text == "m.py:10:3: TNN001 msg TNN001"


def test_editor_doc_names_every_flag_of_watch_and_lsp() -> None:
    import typer

    from typecheck_nn.cli import lsp_app, watch_app

    doc = (Path(__file__).resolve().parents[2] / "docs" / "editor.md").read_text()
    for app in (watch_app, lsp_app):
        for param in typer.main.get_command(app).params:
            flags = [o for o in getattr(param, "opts", []) if o.startswith("--") and o != "--help"]
            for flag in flags:
                assert flag in doc, f"docs/editor.md does not mention {flag}"
