"""Reading the user's source lines: what a line assigns.

One reader for the engine (which names fresh types and recurrent states after the
variable a line assigns) and the editor (whose hover labels the values a line produces),
so the two never disagree about what `h = ...` names.
"""

from __future__ import annotations

import re

# `h = ...`, `i, f = ...`, `self.h += ...`, `state[0] = ...`; not `==`
_ASSIGN = re.compile(r"^\s*([A-Za-z_][\w.\[\]]*(?:\s*,\s*[A-Za-z_][\w.\[\]]*)*)\s*(?:[+\-*/@]?=)(?!=)")
# `h: Tensor = ...`: an annotation only follows a plain name (`x[a:b] = ...` is a slice)
_ANNOTATED = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*:[^=]+=(?!=)")


def assigned_targets(line: str) -> list[str]:
    """The targets a source line assigns, left to right (empty when it assigns none)."""
    m = _ASSIGN.match(line) or _ANNOTATED.match(line)
    return [t.strip() for t in m.group(1).split(",")] if m else []
