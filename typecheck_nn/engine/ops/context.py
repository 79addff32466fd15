"""What a typing rule may ask of the pass that runs it: the `RuleContext` protocol.

Rules relate axes; they do not own the typed graph. Programming them against this small
protocol instead of the builder keeps them testable on their own (a fake context is
enough), keeps the builder free to change, and keeps ops/ from importing typegraph.py,
which imports ops/ to dispatch: the protocol is what breaks that cycle.
"""

from __future__ import annotations

from typing import Protocol

from typecheck_nn.engine.ir import OpKind, Value


class RuleContext(Protocol):
    """The operations a rule uses: fresh type variables, constraints, and facts about
    where a value comes from (learned, constant). All act on the op being typed."""

    def fresh(self, size: int | None, label: str) -> int:
        """A new type variable for an axis of `size`."""
        ...

    def new_value(self, shape: tuple[int, ...], label: str) -> Value:
        """A value with a fresh type per axis."""
        ...

    def label(self) -> str:
        """A readable birth name for the current op's fresh variables (`h@cell.py:12`)."""
        ...

    def eq(self, a: int, b: int) -> None:
        """Two axes have one type."""
        ...

    def structure(self, holder: int, kind: str, parts: tuple[int, ...]) -> None:
        """Axis `holder` is the direct sum ("sum") or tensor product ("prod") of `parts`."""
        ...

    def choice(self, alternatives: list[list[tuple[int, int]]]) -> None:
        """One of these sets of equalities holds; the solver picks (product orientation)."""
        ...

    def matrix(self, value: Value, out_axes: list[int], contracted_axes: list[int], node) -> None:
        """`value` acts as a matrix: when learned, its output axes differ from its inputs."""
        ...

    def matrix_vars(self, out_var: int, in_var: int, node) -> None:
        """The matrix rule on two type variables of a learned operand (`node`)."""
        ...

    def learned_params(self, node) -> frozenset[int] | None:
        """The parameters a value is computed from, when only from parameters and constants."""
        ...

    def is_constant(self, node) -> bool:
        """Computed only from buffers and constants, and never written in place."""
        ...

    def force(self, value: Value) -> None:
        """A packed value used as one value: its parts' other axes become the whole's."""
        ...

    def current_value(self, node) -> object:
        """The value an fx node holds now (a base written row by row holds its rows)."""
        ...

    def refine(
        self,
        *,
        kind: OpKind | None = None,
        binary: bool | None = None,
        symbol: str | None = None,
        recurrent: bool = False,
    ) -> None:
        """What this *use* of the op is, where the registry's record cannot know it in
        advance: `max(x, y)` is binary while `max(x, dim)` reduces, a depthwise convolution
        is diagonal, `x + 1` is unary, an mkldnn layer's equations come from its mode, a
        cell called once is one step of a recurrence."""
        ...
