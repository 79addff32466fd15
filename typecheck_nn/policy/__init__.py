"""What the user decided about findings: `[tool.typecheck-nn]` configuration, inline
`# typecheck-nn: ignore[...]` suppressions and baselines, applied to a finished report."""

from typecheck_nn.policy.policies import apply

__all__ = ["apply"]
