"""docs/adding-a-rule.md is a worked example a newcomer follows: its model, its rule and its
test are checked here, so the walkthrough cannot drift from the code."""

import re
from pathlib import Path

import torch.nn.functional as F  # noqa: N812 - used by the doc's test block
from torch import nn  # noqa: F401 - used by the doc's model block

import typecheck_nn

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "adding-a-rule.md"
BLOCK = re.compile(r"<!-- example: (\w+) -->\n```python\n(.*?)```", re.S)


def _blocks() -> dict[str, str]:
    return dict(BLOCK.findall(DOC.read_text()))


def test_the_docs_rule_is_the_registered_rule_word_for_word():
    rule = _blocks()["rule"]
    assert rule in (ROOT / "typecheck_nn" / "engine" / "ops" / "shape.py").read_text()


def test_the_docs_model_and_test_run_as_written():
    blocks = _blocks()
    namespace: dict = {"typecheck_nn": typecheck_nn, "F": F}
    exec(compile(blocks["model"], str(DOC), "exec"), namespace)
    exec(compile(blocks["test"], str(DOC), "exec"), namespace)
    tests = [fn for name, fn in namespace.items() if name.startswith("test_")]
    assert tests, "the doc's test block defines a test"
    for fn in tests:
        fn()
