"""typecheck-nn: static checking of strongly-typed neural architectures.

The pipeline, one module per stage:
load (discover) -> trace -> typed graph (typegraph, ops/) -> solve -> diagnostics -> report/.
"""

from .api import check, check_paths
from .report.model import Report

__all__ = ["check", "check_paths", "Report"]
__version__ = "0.1.0"
