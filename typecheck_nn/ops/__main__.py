"""`python -m typecheck_nn.ops`: print the rule table that docs/semantics.md embeds."""

from . import REGISTRY
from .registry import markdown_table

print(markdown_table(REGISTRY), end="")
