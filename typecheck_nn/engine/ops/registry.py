"""The declarative op-rule registry: every typing rule with the ops it covers and its metadata.

Why a registry rather than a dict filled by hand in each module: the metadata a rule
carries (its kind, which inputs it is linear in, the sentence that explains it in a
conflict chain) is read by diagnostics, the learnware/firmware analysis, the scan verdict
and the docs' table. Keeping it next to the rule, declared once, is what keeps those
readers from drifting apart (as torch's `register_meta` does for meta kernels). A name
registered twice is a programming error and fails at import.

Rules are looked up by ATen overload (`lstm.data`) first, then by overload packet
(`lstm`). A rule receives a `RuleArgs`; the dispatcher does the common guard: when a
rule's required tensor arguments are not typed values or the output has no shape, the
op's outputs get fresh types and the op is recorded as a hole in the check.
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from typecheck_nn.engine.ir import OpKind

aten = torch.ops.aten

# What a rule may be registered on: an ATen overload packet (`aten.add`), one overload
# (`aten.lstm.data`), a Python callable that appears as a graph target (`operator.getitem`),
# or, only where no such object exists, a name (`"sym_max"`, a SymPy-level op).
OpTarget = Any


class GiveUp(Exception):
    """Raised by a rule that cannot type this use of its op (an argument it cannot read).

    The dispatcher then gives the outputs fresh types and records the op as unchecked, so
    the verdict says what it could not see instead of silently passing.
    """


class Gate(enum.Enum):
    """What an op does to gate-ness (a value in [0, 1] that acts elementwise on another)."""

    RULE = "rule"  # the rule body decides per use (1 - g, where(c, g1, g2), g1 * g2)
    MAKES = "makes"  # the output is a gate (sigmoid)
    KEEPS = "keeps"  # the output is a gate when the input is one (clone, to, dropout)
    DROPS = "drops"  # the output is never a gate (tanh(g) is no longer in [0, 1])


def op_name(target: OpTarget) -> str:
    """The registry key of a target: `add` for a packet, `add.Tensor` for one overload.

    A string naming an ATen op is refused: registering `torch.ops.aten.X` itself makes a
    misspelled name fail at import (AttributeError), as torch's own registries do."""
    if isinstance(target, torch._ops.OpOverload):
        return f"{target._overloadpacket.__name__}.{target._overloadname}"
    if isinstance(target, torch._ops.OpOverloadPacket):
        return target.__name__
    if isinstance(target, str):
        if hasattr(aten, target.split(".")[0]):
            raise ValueError(f"`{target}` is an ATen op: register `torch.ops.aten.{target}`, not its name")
        return target
    if callable(target):
        return target.__name__
    raise TypeError(f"cannot register a typing rule on {target!r}")


def target_name(target) -> str:
    """The name an fx node's target is looked up by: its overload packet's name."""
    if isinstance(target, str):
        return target
    packet = getattr(target, "_overloadpacket", None)
    if packet is not None:
        return getattr(packet, "__name__", str(target))
    if target is operator.getitem:
        return "getitem"
    return getattr(target, "__name__", str(target))


@dataclass(frozen=True)
class OpRule:
    """One typing rule and the metadata every reader of the graph shares: the dispatcher
    (kind, gate-ness, recurrences), the diagnostics (symbol, additivity, note), the scan
    verdict (linearity) and the docs' table all read this record and nothing else."""

    fn: Callable
    names: tuple[str, ...]
    kind: OpKind
    note: str  # how the op relates types, for conflict chains; `{sym}` is the op's symbol
    symbol: str = ""  # operator text in messages ("+", "@"); defaults to the op's name
    linear: tuple[bool, ...] = ()  # per tensor input: is the op linear in it
    requires: tuple[int, ...] = (0,)  # positional args that must be typed tensors
    gate: Gate = Gate.RULE
    additive: bool = False  # an addition or subtraction: x + f(W x) is TNN003's shape
    functional_name: bool = False  # messages name `maximum` for `maximum_` (no symbol of its own)
    keeps_parts: tuple[int, ...] = ()  # args whose packed parts the rule reads itself (select of a stack)

    @property
    def family(self) -> str:
        return self.fn.__name__.strip("_")

    def symbol_for(self, packet: str) -> str:
        """The text messages use for this op: the rule's symbol, else the op's name (its
        functional name where the rule says an in-place spelling is the same operation;
        a write such as `copy_` keeps its underscore, since writing is its point)."""
        if self.symbol:
            return self.symbol
        if self.functional_name and not packet.startswith("__"):
            return packet.rstrip("_")
        return packet


@dataclass
class Registry:
    """Name -> rule, filled by the `rule` decorator at import; duplicates fail loudly."""

    rules: dict[str, OpRule]
    families: list[OpRule]
    no_rule: dict[str, str]  # op name -> why it needs no typing rule (documented holes)

    def add(self, rule: OpRule) -> None:
        for name in rule.names:
            if name in self.rules:
                raise ValueError(
                    f"typing rule for `{name}` registered twice ({self.rules[name].family}, {rule.family})"
                )
            if name in self.no_rule:
                raise ValueError(f"`{name}` has a typing rule and is also listed as needing none")
            self.rules[name] = rule
        self.families.append(rule)

    def lookup(self, packet: str, overload: str = "") -> OpRule | None:
        if overload:
            found = self.rules.get(f"{packet}.{overload}")
            if found is not None:
                return found
        return self.rules.get(packet)

    def ignore(self, reason: str, *targets: OpTarget) -> None:
        for name in map(op_name, targets):
            if name in self.rules or name in self.no_rule:
                raise ValueError(f"`{name}` listed twice")
            self.no_rule[name] = reason


REGISTRY = Registry({}, [], {})


def rule(
    *targets: OpTarget,
    kind: OpKind,
    note: str,
    symbol: str = "",
    linear: tuple[bool, ...] = (),
    requires: tuple[int, ...] = (0,),
    gate: Gate = Gate.RULE,
    additive: bool = False,
    functional_name: bool = False,
    keeps_parts: tuple[int, ...] = (),
) -> Callable[[Callable], Callable]:
    """Register `fn` as the typing rule of `targets` with its metadata. Decorators stack:
    one body may serve several groups of ops that differ in metadata (`+` and `-`)."""

    def deco(fn: Callable) -> Callable:
        names = tuple(op_name(t) for t in targets)
        REGISTRY.add(
            OpRule(fn, names, kind, note, symbol, linear, requires, gate, additive, functional_name, keeps_parts)
        )
        return fn

    return deco


def inplace(*packets: OpTarget) -> tuple[OpTarget, ...]:
    """Each functional op and its in-place spelling where ATen has one (`relu`, `relu_`)."""
    out: list[OpTarget] = []
    for p in packets:
        out.append(p)
        name = op_name(p)
        if not name.startswith("__") and hasattr(aten, name + "_"):
            out.append(getattr(aten, name + "_"))
    return tuple(out)


def markdown_table(registry: Registry, shown: int = 10) -> str:
    """The rule table of docs/semantics.md, generated from the registry (a test keeps the
    doc and the registry in agreement: `python -m typecheck_nn.engine.ops` prints it)."""
    rows = ["| rule | kind | ops | how it types |", "| --- | --- | --- | --- |"]
    by_fn: dict[tuple[Callable, str], list[OpRule]] = {}
    for rec in registry.families:  # stacked decorators: one row per rule body and note
        by_fn.setdefault((rec.fn, rec.note), []).append(rec)
    for recs in sorted(by_fn.values(), key=lambda rs: (rs[0].kind.value, rs[0].family, rs[0].note)):
        fam = recs[0]
        names = sorted(n for rec in recs for n in rec.names)
        listed = ", ".join(f"`{n}`" for n in names[:shown])
        if len(names) > shown:
            listed += f" and {len(names) - shown} more"
        note = fam.note.format(sym="op").replace("`op` ", "").replace("|", "\\|")
        rows.append(f"| {fam.family} | {fam.kind.value} | {listed} | {note} |")
    return "\n".join(rows) + "\n"
