"""The typed IR: values with one type variable per axis, operations, and constraints.

Type variables are plain ints (indices into Constraints.sizes) so that the solver can
keep them in flat lists; everything that needs a readable name goes through VarOrigin.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from typecheck_nn.core.model import Location


class OpKind(enum.Enum):
    """What an op does to types; decides how diagnostics explain it and what firmware is."""

    UNARY = "unary"  # coordinatewise function of one operand: keeps its type
    BINARY = "binary"  # coordinatewise op of operands that must share a type (+ - max min where)
    PRODUCT = "product"  # elementwise product/division: the result takes the acted-on operand's type
    SHAPE = "shape"  # moves, merges, splits, selects or copies axes
    WRITE = "write"  # writes a value into a region of a destination (index_put, scatter, copy_)
    CONTRACTION = "contraction"  # sums over a shared axis (linear, matmul, conv, einsum, attention)
    REDUCTION = "reduction"  # reduces or normalises over axes, keeping the types of the others
    RECURRENT = "recurrent"  # a whole built-in recurrence (nn.LSTM as one op)
    SOURCE = "source"  # a new tensor (zeros, arange, randn): constrained only by use
    OTHER = "other"  # not typed: an op without a rule

    @property
    def elementwise(self) -> bool:
        """Coordinatewise (or pure bookkeeping): a firmware made only of these is a parallel scan."""
        return self in _ELEMENTWISE


_ELEMENTWISE = frozenset({OpKind.UNARY, OpKind.BINARY, OpKind.PRODUCT, OpKind.SHAPE, OpKind.WRITE, OpKind.SOURCE})


@dataclass(frozen=True)
class Eq:
    """Type variables a and b are the same type, because of operation `reason`."""

    a: int
    b: int
    reason: int


@dataclass(frozen=True)
class Structure:
    """holder = kind(parts): a direct sum (concat/split) or product (reshape)."""

    holder: int
    kind: str  # "sum" | "prod"
    parts: tuple[int, ...]
    reason: int


@dataclass(frozen=True)
class Choice:
    """An elementwise product whose result takes one operand's type: either alternative.

    `site` groups the same source operation across unrolled time steps, so the search
    can try first what the previous step chose.
    """

    op: int
    site: str
    alternatives: tuple[tuple[Eq, ...], ...]


@dataclass
class Stacked:
    """A value packed from parts along `dim` (cat, stack, per-row writes), whose parts keep
    their own types until the packed value is used as one value.

    Packing per-layer states into one tensor must not make the layers one type: taking a
    part back (select, unbind, split, a slice on part boundaries) returns that part; any
    other use identifies the parts' other axes with the whole's (`Builder.force`)."""

    dim: int
    parts: list[Value]
    sizes: list[int]  # each part's extent along dim
    squeezed: bool  # stack: the parts lack the packed axis; cat: they have it


@dataclass
class Value:
    """A tensor value: one type variable per axis, and whether it is a gate.

    Which parameters a value is computed from is not a field here: the builder derives
    it from data flow (`Builder.learned_params`), so no rule has to forward it.
    """

    axes: tuple[int, ...]
    shape: tuple[int, ...]
    is_gate: bool = False
    stacked: Stacked | None = field(default=None, compare=False, repr=False)
    # positions of axes that are copies of a broadcast scalar (a size-1 or missing axis made
    # full by expand/repeat): like a size-1 axis, they impose no type where they are used
    spread: frozenset[int] = field(default=frozenset(), compare=False, repr=False)

    @property
    def ndim(self) -> int:
        return len(self.axes)


@dataclass(frozen=True)
class VarOrigin:
    """Where a type variable was born: used to name types readably in messages."""

    label: str


@dataclass
class OpInfo:
    """One operation of the typed graph (an fx node, or a step of an expanded module)."""

    id: int
    node: str  # fx node name
    target: str  # readable op name, e.g. "aten.linear"
    kind: OpKind  # set from the op's typing rule
    location: Location | None
    module: str  # nn.Module path ("" for root)
    site: str  # folding key for recurrence detection
    inputs: list[str] = field(default_factory=list)  # fx node names feeding it
    binary: bool = False  # a coordinatewise op that unifies its operands (+, -, max, ...)
    additive: bool = False  # an addition or subtraction (its rule's record says so)
    params: list[int] = field(default_factory=list)  # parameters it uses as matrices
    symbol: str = ""  # short operator text for messages: "+", "@", "linear"
    function: str = ""  # qualified name of the user's function it was traced in


@dataclass
class Param:
    name: str  # qualified name, e.g. "cell.V.weight"
    shape: tuple[int, ...]
    axes: tuple[int, ...]

    @property
    def short_name(self) -> str:
        """`cell.V` for `cell.V.weight`: messages name the module, as users wrote it."""
        return self.name[: -len(".weight")] if self.name.endswith(".weight") else self.name


@dataclass
class Constraints:
    """Everything the solver needs, collected by the typed-graph builder."""

    sizes: list[int | None] = field(default_factory=list)
    origins: list[VarOrigin] = field(default_factory=list)
    program: list[Eq | Structure] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    # a learned matrix's output and contracted axes must not share an atom: each such pair
    # of type variables is tagged (param, var) and declared distinct within that parameter
    tags: list[tuple[int, tuple[int, int]]] = field(default_factory=list)
    distinct: list[tuple[int, int, int, int]] = field(default_factory=list)  # (param, out var, in var, op)
    # (param, var_a, var_b) with var_a < var_b -> (output var, contracted var) as first declared, for naming
    orientation: dict[tuple[int, int, int], tuple[int, int]] = field(default_factory=dict)

    def fresh(self, size: int | None, label: str) -> int:
        self.sizes.append(size)
        self.origins.append(VarOrigin(label))
        return len(self.sizes) - 1

    def distinct_pairs(self) -> dict[int, set[frozenset[int]]]:
        out: dict[int, set[frozenset[int]]] = {}
        for p, a, b, _ in self.distinct:
            out.setdefault(p, set()).add(frozenset((a, b)))
        return out
