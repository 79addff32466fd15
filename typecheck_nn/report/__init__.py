"""Renderers: one module per output format, each a pure function Report -> str."""

from __future__ import annotations

from collections.abc import Callable

Renderer = Callable[..., str]


def renderers() -> dict[str, Renderer]:
    """Format name -> render(report, *, root, color) function.

    Imported lazily so that `--format concise` does not pay for building HTML.
    """
    from typecheck_nn.report import concise, full, json_format

    table: dict[str, Renderer] = {
        "full": full.render,
        "concise": concise.render,
        "json": json_format.render,
    }
    for name in ("github", "sarif", "junit"):
        try:
            module = __import__(f"{__name__}.{name}", fromlist=["render"])
        except ImportError:
            continue
        table[name] = module.render
    return table
