"""Rewrite the generated rule table in docs/semantics.md from the op-rule registry."""

from pathlib import Path

from typecheck_nn.engine.ops import REGISTRY
from typecheck_nn.engine.ops.registry import markdown_table

BEGIN, END = "<!-- BEGIN generated op table -->\n", "<!-- END generated op table -->"
doc = Path(__file__).resolve().parent.parent / "docs" / "semantics.md"
text = doc.read_text()
start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
doc.write_text(text[:start] + markdown_table(REGISTRY) + text[end:])
print(f"rewrote the op table in {doc}")
