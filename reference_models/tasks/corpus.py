"""The offline English corpus: CPython's pydoc topic help texts (pydoc_data.topics).

Shipped with every CPython, so training needs no download. Its size and
content differ slightly between Python versions; metrics record the length.
"""

from __future__ import annotations


def load_text() -> str:
    from pydoc_data.topics import topics

    return "\n\n".join(topics[key] for key in sorted(topics))


def split(text: str, valid: float = 0.05, test: float = 0.05) -> tuple[str, str, str]:
    """Contiguous train / valid / test split (90/5/5 by default)."""
    n = len(text)
    a, b = int(n * (1 - valid - test)), int(n * (1 - test))
    return text[:a], text[a:b], text[b:]
