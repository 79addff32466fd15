"""The report: the one data model that every output format renders.

The checker produces it, policies (config, suppressions, baselines) filter it, and
renderers turn it into text, JSON, SARIF, HTML... Nothing downstream reaches back into
tracing or solving, so a renderer can be tested on a hand-built Report.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Location:
    """A span in the user's source, 1-based lines and 1-based columns (like ruff)."""

    path: str
    line: int
    column: int = 1
    end_line: int | None = None
    end_column: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Related:
    """One operation whose constraint takes part in a conflict."""

    location: Location | None
    message: str


@dataclass
class Diagnostic:
    """A finding. Violations have severity error/warning; notes are info.

    `scope` names the enclosing module path and function (e.g. `encoder.layer.0:forward`):
    baselines match on it instead of line numbers, so edits above a finding keep it matched.
    """

    code: str
    name: str
    severity: Severity
    message: str
    location: Location | None
    model: str = ""
    related: list[Related] = field(default_factory=list)
    types: tuple[str, str] | None = None
    help: str = ""
    scope: str = ""
    url: str = ""
    nodes: list[str] = field(default_factory=list)  # GraphNode ids of the conflicting operations


@dataclass
class GraphNode:
    """One operation or value in the typed graph, flattened for renderers (HTML graph)."""

    id: str
    op: str
    kind: Literal["input", "param", "op", "output", "const"]
    module: str  # dotted nn.Module path, "" for the root
    type: str  # readable type of the node's output, e.g. "[batch@rnn.py:3, cod(W)]"
    role: Literal["learnware", "firmware", "param", "other"] = "other"
    location: Location | None = None
    conflict: bool = False
    shape: tuple[int, ...] | None = None  # the output's shape, as traced
    axes: list[str] = field(default_factory=list)  # GraphType names of the output's axes
    attrs: list[GraphAttr] = field(default_factory=list)  # parameters and buffers the op reads
    site: str = ""  # unrolled copies of one source operation share it (the folded recurrence view)


@dataclass
class GraphAttr:
    """A parameter or buffer folded into the op that reads it, as Netron draws them."""

    name: str  # qualified, e.g. "cell.W.weight"
    shape: tuple[int, ...]
    axes: list[str] = field(default_factory=list)  # GraphType names per axis
    buffer: bool = False  # running statistics and counters, not trained


@dataclass
class GraphEdge:
    source: str
    target: str
    type: str
    axes: list[str] = field(default_factory=list)  # GraphType names of the value carried


@dataclass
class GraphType:
    """One distinct axis type, under the short stable name the graph, legend and cards share.

    `structure` spells out direct sums and products down to their atoms (shown on hover);
    `parts` names the immediate parts of a sum or product.
    """

    name: str
    structure: str
    kind: Literal["atom", "sum", "prod"] = "atom"
    parts: list[str] = field(default_factory=list)


@dataclass
class GraphView:
    nodes: list[GraphNode] = field(default_factory=list)
    edges: list[GraphEdge] = field(default_factory=list)
    types: list[GraphType] = field(default_factory=list)


@dataclass
class RecurrenceSummary:
    """The learnware/firmware split of the paper (section 3).

    Firmware is every operation that depends on the recurrent state; learnware is the
    rest. When all firmware is elementwise, the recurrence is a parallel scan over time.
    """

    has_recurrence: bool = False
    state_values: list[str] = field(default_factory=list)
    learnware_ops: int = 0
    firmware_ops: int = 0
    firmware_op_kinds: list[str] = field(default_factory=list)
    firmware_elementwise: bool | None = None
    # every firmware op is linear in its inputs (f * c + u, not sigmoid(c)): the recurrence
    # is then a linear scan, computable in parallel over time
    firmware_linear: bool | None = None

    @property
    def scan_parallelizable(self) -> bool | None:
        if not self.has_recurrence:
            return None
        return bool(self.firmware_elementwise and self.firmware_linear is not False)


@dataclass
class Unchecked:
    """An operation the checker could not type, on a path that could carry a violation."""

    op: str
    location: Location | None
    reason: str


@dataclass
class ModelResult:
    """The outcome for one model. `strongly_typed` is None when it could not be checked."""

    name: str
    path: str
    strongly_typed: bool | None
    violations: list[Diagnostic] = field(default_factory=list)
    notes: list[Diagnostic] = field(default_factory=list)
    error: str | None = None
    error_location: Location | None = None
    recurrence: RecurrenceSummary = field(default_factory=RecurrenceSummary)
    graph: GraphView | None = None
    trace_method: str = ""  # "export", "export-real", "recorded-path"
    seconds: dict[str, float] = field(default_factory=dict)
    # why real tensors were needed ("" when built and traced on the meta device)
    fallback: str = ""
    # what the model's code printed while it was built and traced (captured, never on stdout)
    output: str = ""
    # violations dropped by --ignore/--select, config or inline suppressions: code -> count,
    # so that a verdict reached by ignoring rules says so
    ignored: dict[str, int] = field(default_factory=dict)
    # False when part of the model could not be typed (ops without a rule on a typed path,
    # the solver's work bound): "strongly typed" then only holds as far as checked
    complete: bool = True
    unchecked: list[Unchecked] = field(default_factory=list)
    # how the model was built: {"kwargs": {name: repr}, "config": str | None,
    # "inputs": ["long[2, 8]", ...], "strategy": str}; None when not built
    built_with: dict | None = None

    @property
    def checked(self) -> bool:
        return self.error is None


@dataclass
class Skipped:
    """A module class found in a file that the tool could not check, with the reason."""

    name: str
    path: str
    reason: str


@dataclass
class FileError:
    """A requested file or target that could not be loaded at all."""

    path: str
    message: str
    line: int | None = None
    output: str = ""  # what the file printed while being imported, when that failed


@dataclass
class Report:
    models: list[ModelResult] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    # --strict / `strict = true`: a model checked only in part fails the run (exit 2)
    strict: bool = False

    @property
    def incomplete(self) -> list[ModelResult]:
        """Checked models whose verdict holds only as far as checked."""
        return [m for m in self.models if m.error is None and not m.complete]

    @property
    def violations(self) -> list[Diagnostic]:
        return [v for m in self.models for v in m.violations]

    @property
    def exit_code(self) -> int:
        """2 if anything requested could not be checked (in strict mode: checked only in
        part), else 1 on violations, else 0."""
        if self.errors or any(m.error for m in self.models):
            return 2
        if self.strict and self.incomplete:
            return 2
        if any(v.severity == "error" for v in self.violations):
            return 1
        return 0

    def merge(self, other: Report) -> Report:
        return Report(
            self.models + other.models,
            self.skipped + other.skipped,
            self.errors + other.errors,
            self.strict or other.strict,
        )


def to_dict(obj) -> dict:
    """Plain-JSON form of any report dataclass (tuples become lists)."""
    return asdict(obj)
