"""The warm checker behind `lsp` and `watch`: one pool of workers kept between checks,
results cached by content, and edits always seen (no stale bytecode, no stale helpers)."""

from __future__ import annotations

import importlib.util
import os
import py_compile
import textwrap
from pathlib import Path

import pytest

from typecheck_nn.run.warm import WarmChecker, fingerprint
from typecheck_nn.run.worker import RunOptions

HEADER = "import torch\nfrom torch import nn\nfrom helper import step\n"
MODEL = """

class Cell(nn.Module):
    def __init__(self):
        super().__init__()
        self.W = nn.Linear(8, 8)
        self.V = nn.Linear(8, 8)

    def forward(self, xs):
        h = xs.new_zeros(2, 8)
        for x in xs:
            h = step(h, self.W(x), self.V({arg}))
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 8),)
"""
# the recurrence lives in the helper: `+ b` adds V(arg) to the state, `+ a` adds W(x)
HELPER = "import torch\n\n\ndef step(h, a, b):\n    return torch.sigmoid(a) * h + {term}\n"


def verdicts(checker: WarmChecker, path: Path) -> tuple[list, bool]:
    (result,) = checker.check([str(path)])
    return [(m.name, m.strongly_typed, [v.code for v in m.violations]) for m in result.report.models], result.cached


def stale_bytecode(path: Path, old: str, new: str) -> None:
    """Leave `old`'s bytecode in __pycache__, then write `new` (same size) so that the
    .pyc still looks current: same size, modification time within the same second."""
    assert len(old) == len(new)
    path.write_text(old)
    py_compile.compile(str(path), cfile=importlib.util.cache_from_source(str(path)))
    st = path.stat()
    path.write_text(new)
    second, ns = divmod(st.st_mtime_ns, 10**9)
    os.utime(path, ns=(st.st_atime_ns, second * 10**9 + (ns + 1) % 10**9))


@pytest.fixture(scope="module")
def checker():
    with WarmChecker(RunOptions(timeout=120, with_graph=False)) as c:
        yield c


@pytest.mark.process
def test_cache_and_edits_that_old_bytecode_would_hide(tmp_path: Path, checker: WarmChecker) -> None:
    model, helper = tmp_path / "model.py", tmp_path / "helper.py"
    weak_model, strong_model = HEADER + MODEL.format(arg="h"), HEADER + MODEL.format(arg="x")
    model.write_text(weak_model)
    helper.write_text(HELPER.format(term="b"))
    first, cached = verdicts(checker, model)
    assert first == [("Cell", False, ["TNN002"])] and not cached
    again, cached = verdicts(checker, model)
    assert again == first and cached

    # `V(h)` -> `V(x)`, with the weak version's bytecode left looking current
    stale_bytecode(model, weak_model, strong_model)
    strong, cached = verdicts(checker, model)
    assert strong == [("Cell", True, [])] and not cached

    # the helper alone changes (`+ b` -> `+ a`, V(h) no longer feeds the state): the model
    # beside it is re-checked, and the helper is not run from its old bytecode
    model.write_text(weak_model)
    assert verdicts(checker, model)[0] == first
    stale_bytecode(helper, HELPER.format(term="b"), HELPER.format(term="a"))
    fixed, cached = verdicts(checker, model)
    assert fixed == [("Cell", True, [])] and not cached


@pytest.mark.process
def test_a_crashed_worker_is_replaced_for_the_next_check(tmp_path: Path, checker: WarmChecker) -> None:
    crash = tmp_path / "crash.py"
    crash.write_text(
        textwrap.dedent(
            """
            import os
            import torch
            from torch import nn


            class Boom(nn.Module):
                def forward(self, x):
                    os._exit(3)

                def example_inputs(self):
                    return (torch.randn(2),)
            """
        )
    )
    (result,) = checker.check([str(crash)])
    (m,) = result.report.models
    assert m.strongly_typed is None and "exit code 3" in (m.error or "")
    ok = tmp_path / "ok.py"
    ok.write_text(
        "import torch\nfrom torch import nn\n\n\nclass Ok(nn.Module):\n"
        "    def forward(self, x):\n        return torch.tanh(x)\n\n"
        "    def example_inputs(self):\n        return (torch.randn(2),)\n"
    )
    (result,) = checker.check([str(ok)])
    assert [(m.name, m.strongly_typed) for m in result.report.models] == [("Ok", True)]
    assert len(checker.pool.workers) == 1


def test_fingerprint_covers_content_and_neighbours(tmp_path: Path) -> None:
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("x = 1\n")
    key = fingerprint(str(a))
    assert fingerprint(str(a)) == key
    b.write_text("y = 2\n")
    assert fingerprint(str(a)) != key
    key = fingerprint(str(a))
    a.write_text("x = 2\n")
    assert fingerprint(str(a)) != key
    with pytest.raises(OSError):
        fingerprint(str(tmp_path / "missing.py"))


@pytest.mark.process
def test_abort_stops_a_hanging_check_from_another_thread(tmp_path: Path) -> None:
    """What a language server does on shutdown while a check runs."""
    import threading
    import time

    from typecheck_nn.run.runner import ABORTED

    hang = tmp_path / "hang.py"
    hang.write_text(
        "import time\nimport torch\nfrom torch import nn\n\n\nclass Slow(nn.Module):\n"
        "    def forward(self, x):\n        time.sleep(600)\n        return x\n\n"
        "    def example_inputs(self):\n        return (torch.randn(2),)\n"
    )
    results: list = []
    with WarmChecker(RunOptions(timeout=None, with_graph=False)) as checker:
        thread = threading.Thread(target=lambda: results.extend(checker.check([str(hang)])))
        start = time.monotonic()
        thread.start()
        while checker.pool.workers[0].model != "Slow":  # until the worker sits in forward
            assert time.monotonic() - start < 300, "the worker never reached the model"
            time.sleep(0.1)
        aborted = time.monotonic()
        checker.pool.abort()
        thread.join(30)
        assert not thread.is_alive()
        assert time.monotonic() - aborted < 10
    (result,) = results
    (m,) = result.report.models
    assert m.strongly_typed is None and m.error == ABORTED
