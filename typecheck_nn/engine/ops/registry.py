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

from collections.abc import Callable
from dataclasses import dataclass

from typecheck_nn.engine.ir import OpKind


class GiveUp(Exception):
    """Raised by a rule that cannot type this use of its op (an argument it cannot read).

    The dispatcher then gives the outputs fresh types and records the op as unchecked, so
    the verdict says what it could not see instead of silently passing.
    """


@dataclass(frozen=True)
class OpRule:
    """One typing rule and the metadata every reader of the graph shares."""

    fn: Callable
    names: tuple[str, ...]
    kind: OpKind
    note: str  # how the op relates types, for conflict chains; `{sym}` is the op's symbol
    symbol: str = ""  # operator text in messages ("+", "@"); defaults to the op name
    linear: tuple[bool, ...] = ()  # per tensor input: is the op linear in it
    requires: tuple[int, ...] = (0,)  # positional args that must be typed tensors
    gate: bool = False  # the output is a gate (sigmoid family)
    keeps_parts: tuple[int, ...] = ()  # args whose packed parts the rule reads itself (select of a stack)

    @property
    def family(self) -> str:
        return self.fn.__name__.strip("_")


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

    def ignore(self, reason: str, *names: str) -> None:
        for name in names:
            if name in self.rules or name in self.no_rule:
                raise ValueError(f"`{name}` listed twice")
            self.no_rule[name] = reason


REGISTRY = Registry({}, [], {})


def rule(
    *names: str,
    kind: OpKind,
    note: str,
    symbol: str = "",
    linear: tuple[bool, ...] = (),
    requires: tuple[int, ...] = (0,),
    gate: bool = False,
    keeps_parts: tuple[int, ...] = (),
) -> Callable[[Callable], Callable]:
    """Register `fn` as the typing rule of `names` (packet names, or `packet.overload`)."""

    def deco(fn: Callable) -> Callable:
        REGISTRY.add(OpRule(fn, tuple(names), kind, note, symbol, linear, requires, gate, keeps_parts))
        return fn

    return deco


def markdown_table(registry: Registry, shown: int = 10) -> str:
    """The rule table of docs/semantics.md, generated from the registry (a test keeps the
    doc and the registry in agreement: `python -m typecheck_nn.engine.ops` prints it)."""
    rows = ["| rule | kind | ops | how it types |", "| --- | --- | --- | --- |"]
    for fam in sorted(registry.families, key=lambda f: (f.kind.value, f.family)):
        names = sorted(fam.names)
        listed = ", ".join(f"`{n}`" for n in names[:shown])
        if len(names) > shown:
            listed += f" and {len(names) - shown} more"
        note = fam.note.format(sym="op").replace("`op` ", "").replace("|", "\\|")
        rows.append(f"| {fam.family} | {fam.kind.value} | {listed} | {note} |")
    return "\n".join(rows) + "\n"
