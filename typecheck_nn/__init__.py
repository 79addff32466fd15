"""typecheck-nn: static checking of strongly-typed neural architectures.

The pipeline, one module per stage:
load (discover) -> trace -> typed graph (typegraph, ops/) -> solve -> diagnostics -> report/.

The names below are loaded on first use, so that `typecheck-nn --help` and the other
instant answers of the command line never import torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from typecheck_nn.core.version import __version__ as __version__

__all__ = ["check", "check_paths", "assert_strongly_typed", "Report"]

if TYPE_CHECKING:
    from typecheck_nn.api import assert_strongly_typed, check, check_paths
    from typecheck_nn.core.model import Report


def __getattr__(name: str) -> Any:
    if name in ("check", "check_paths", "assert_strongly_typed"):
        from typecheck_nn import api

        return getattr(api, name)
    if name == "Report":
        from typecheck_nn.core.model import Report

        return Report
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
