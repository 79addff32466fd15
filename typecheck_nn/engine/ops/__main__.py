"""`python -m typecheck_nn.engine.ops`: print the rule table that docs/semantics.md embeds."""

from typecheck_nn.engine.ops import REGISTRY
from typecheck_nn.engine.ops.registry import markdown_table

print(markdown_table(REGISTRY), end="")
