"""Every rule page's examples are tests (as ruff's fixtures are).

An "Example" block must produce exactly its rule on the line marked `# CODE`; a "Use
instead" block must be clean of it (and strongly typed). A block runs with the inputs
named in the `<!-- inputs: ... -->` comment above it; a block that cannot run says why in
a `<!-- not run: ... -->` comment, and every other block must have inputs.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from torch import nn

import typecheck_nn
from typecheck_nn.core.rules import ALL_RULES, DOCS_DIR

HEADER = "import torch\nimport torch.nn.functional as F\nfrom torch import nn\n\n"
BLOCK = re.compile(r"(<!-- (inputs|not run): (.*?) -->\n)?```python\n(.*?)```", re.S)


@dataclass
class Block:
    code: str
    section: str
    source: str
    inputs: str | None
    skipped: str | None


def _blocks():
    for rule in ALL_RULES:
        text = rule.doc_file.read_text()
        for section in ("Example", "Use instead"):
            m = re.search(rf"^## {section}\n(.*?)(?=^## )", text, re.S | re.M)
            if m is None:
                continue
            for b in BLOCK.finditer(m.group(1)):
                kind, arg, source = b.group(2), b.group(3), b.group(4)
                yield Block(
                    rule.code, section, source, arg if kind == "inputs" else None, arg if kind == "not run" else None
                )


CASES = [pytest.param(b, id=f"{b.code}-{b.section.replace(' ', '-')}-{i}") for i, b in enumerate(_blocks())]


def test_every_rule_page_has_an_example():
    with_examples = {b.values[0].code for b in CASES if b.values[0].section == "Example"}
    assert with_examples == {r.code for r in ALL_RULES}
    assert DOCS_DIR.is_dir()


@pytest.mark.parametrize("block", CASES)
def test_rule_page_example(block: Block, tmp_path: Path):
    if block.skipped:
        pytest.skip(block.skipped)
    assert block.inputs, "a block needs `<!-- inputs: ... -->` or `<!-- not run: why -->`"
    path = tmp_path / f"example_{block.code.lower()}_{block.section.replace(' ', '_').lower()}.py"
    path.write_text(HEADER + block.source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (cls,) = [c for c in vars(module).values() if inspect.isclass(c) and issubclass(c, nn.Module)]
    inputs = eval(block.inputs, {"torch": torch})  # noqa: S307 - our own docs
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    (model,) = typecheck_nn.check(cls(), *inputs, apply_config=False).models
    assert model.error is None, model.error
    found = [d for d in model.violations + model.notes if d.code == block.code]
    if block.section == "Use instead":
        assert not found, [d.message for d in found]
        assert model.strongly_typed, [d.message for d in model.violations]
        return
    marked = (
        HEADER.count("\n")
        + 1
        + next(i for i, line in enumerate(block.source.splitlines()) if f"# {block.code}" in line)
    )
    assert found, f"no {block.code}: {[(d.code, d.message) for d in model.violations + model.notes]}"
    assert {d.location.line for d in found if d.location} == {marked}
    others = [d for d in model.violations if d.code != block.code]
    assert not others, [(d.code, d.message) for d in others]
