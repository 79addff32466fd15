"""Verdicts and culprit lines on our own corpus, written in several coding styles.

Each class in tests/corpus/ declares EXPECT ("strong"/"weak") and RULE (the code the
main violation must carry); lines marked `# violation` are where a weak model's
violation may be reported.
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
from pathlib import Path

import pytest
from torch import nn

from typecheck_nn import check_paths

CORPUS = Path(__file__).parents[1] / "corpus"


def _cases():
    for path in sorted(CORPUS.glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"corpus_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, nn.Module) and hasattr(obj, "EXPECT"):
                yield pytest.param(path, name, obj, id=f"{path.stem}::{name}")


@functools.cache
def _report(path: Path):
    return check_paths([str(path)])


def _marked_lines(path: Path) -> set[int]:
    return {i for i, line in enumerate(path.read_text().splitlines(), 1) if "# violation" in line}


@pytest.mark.parametrize("path,name,cls", list(_cases()))
def test_verdict_and_lines(path, name, cls):
    expect, rule = cls.EXPECT, cls.RULE
    report = _report(path)
    model = next(m for m in report.models if m.name == name)
    assert model.error is None, model.error
    assert not [n for n in model.notes if n.code == "TNN100"], [n.message for n in model.notes]
    assert model.complete, model.unchecked
    if hasattr(cls, "RECURRENT"):  # a recurrence is the same parametrised function applied again
        assert model.recurrence.has_recurrence is cls.RECURRENT, model.recurrence
    if hasattr(cls, "STATE_NAMES"):  # the variables the user wrote for the state, never an intermediate
        named = [s.split(" ")[0] for s in model.recurrence.state_values]
        named += [v.message.split("`")[1] for v in model.violations if v.code == "TNN002"]
        assert named and set(named) <= cls.STATE_NAMES, (named, [v.message for v in model.violations])
    if hasattr(cls, "VIOLATIONS"):
        assert len(model.violations) == cls.VIOLATIONS, [v.message for v in model.violations]
    if expect == "strong":
        assert model.strongly_typed is True, [v.message for v in model.violations]
        assert not model.violations
        return
    assert model.strongly_typed is False
    assert model.violations, "a weak model needs at least one violation"
    lines = {v.location.line for v in model.violations if v.location and Path(v.location.path) == path}
    assert lines & _marked_lines(path), f"violations on {sorted(lines)}, expected one of {sorted(_marked_lines(path))}"
    if rule is not None:
        assert {v.code for v in model.violations} == {rule}, [(v.code, v.message) for v in model.violations]
    for v in model.violations:
        assert v.location.column >= 1
        assert v.types and all(v.types)
        assert v.help
        assert all(r.location is None or r.location.line >= 1 for r in v.related)


def test_every_style_is_covered():
    styles = {p.stem for p in CORPUS.glob("*.py")}
    assert {"raw_params", "functional", "einsum_models", "builtin_rnns", "attention"} <= styles
