"""The rule set: stable codes, kebab-case names, default severities and fix hints.

Codes never change meaning once published (like mypy's error codes and ruff's rule
codes); the long-form documentation for each lives in typecheck_nn/docs/rules/<CODE>.md,
inside the package, so `typecheck-nn rule CODE` and the links in reports work from an
installed wheel. There is no public web site: a rule's `url` is the `file://` URI of
its packaged page, which exists wherever the checker is installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typecheck_nn.core.model import Diagnostic, Location, Severity

DOCS_DIR = Path(__file__).resolve().parent.parent / "docs" / "rules"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    help: str

    @property
    def doc_file(self) -> Path:
        """The rule's packaged documentation page."""
        return DOCS_DIR / f"{self.code}.md"

    @property
    def url(self) -> str:
        """Where the page is, as a URI that resolves on this machine (see the module docstring)."""
        return self.doc_file.as_uri()

    def diagnostic(self, message: str, location: Location | None, *, model: str = "", **fields: Any) -> Diagnostic:
        """A finding of this rule: code, name, severity, help and link come from the rule,
        so no call site copies them (mypy's ErrorMessage beside its code)."""
        return Diagnostic(
            code=self.code,
            name=self.name,
            severity=self.severity,
            message=message,
            location=location,
            model=model,
            help=self.help,
            url=self.url,
            **fields,
        )


MIXED_TYPES = Rule(
    "TNN001",
    "mixed-type-binary-op",
    "error",
    "A coordinatewise binary operation (+, -, max, min, where) combines values of two different types.",
    "make both operands the same type: route one through the same learned map as the other, "
    "or combine them with a learned matrix instead of adding them",
)
RECURRENT_STATE = Rule(
    "TNN002",
    "recurrent-state-retyped",
    "error",
    "A recurrent state passes through a learned matrix and flows back into itself, so it changes type at every step.",
    "compute gates and candidates from the inputs only and update the state elementwise "
    "(h = f * h + (1 - f) * z), as in T-RNN / T-LSTM / T-GRU",
)
SQUARE_RESIDUAL = Rule(
    "TNN003",
    "matrix-output-added-to-input",
    "error",
    "The output of a learned matrix is added back to that matrix's own input (x + f(W x)).",
    "map the skip path into the same type, e.g. x + W2 f(W1 x) with a second matrix W2, or gate the skip elementwise",
)
MATRIX_ON_OWN_OUTPUT = Rule(
    "TNN005",
    "matrix-applied-to-own-output",
    "error",
    "A learned matrix is applied to a value of its own output type (W(f(W x))), with no recurrence and no binary op involved.",
    "use a second matrix for the second application (W2(f(W1 x))), so that each maps its own input type to a new one",
)
AXIS_STRUCTURE = Rule(
    "TNN004",
    "axis-structure-mismatch",
    "info",
    "An axis is split in two ways the checker cannot align (a concatenation and a reshape, or cuts that shift against each other, as in x[1:] + x[:-1]); it treats the two splittings as unrelated.",
    "nothing to fix when the axis is a time or position axis; for feature axes, split and concatenate along the same boundaries everywhere",
)
SEARCH_BUDGET = Rule(
    "TNN101",
    "search-budget-exhausted",
    "info",
    "The gate-orientation search ran out of its step budget; the remaining choices were made greedily, so reported violations may include ones a full search would avoid.",
    "nothing to fix in the model; mark gates explicitly (sigmoid/softmax outputs) so fewer products need a choice",
)
RECORDED_PATH = Rule(
    "TNN102",
    "recorded-path-only",
    "info",
    "torch.export could not capture the model (usually a branch on tensor values); the path the example inputs take was recorded and checked instead.",
    "check with example inputs that exercise every branch, or make the branch static (torch.where, torch.cond)",
)
UNKNOWN_OP = Rule(
    "TNN100",
    "unknown-op",
    "info",
    "The checker has no typing rule for an operator; its outputs get fresh types.",
    "nothing to fix in the model; ask for a typing rule for this operator",
)
UNUSED_SUPPRESSION = Rule(
    "TNN900",
    "unused-suppression",
    "warning",
    "A `# typecheck-nn: ignore[...]` comment suppresses nothing.",
    "remove the comment, or correct the rule code in it",
)

ALL_RULES: tuple[Rule, ...] = (
    MIXED_TYPES,
    RECURRENT_STATE,
    SQUARE_RESIDUAL,
    MATRIX_ON_OWN_OUTPUT,
    AXIS_STRUCTURE,
    UNKNOWN_OP,
    SEARCH_BUDGET,
    RECORDED_PATH,
    UNUSED_SUPPRESSION,
)


def rule_by_code(code_or_name: str) -> Rule | None:
    key = code_or_name.strip()
    for rule in ALL_RULES:
        if key.upper() == rule.code or key.lower() == rule.name:
            return rule
    return None
