"""From the classes of an imported file to the models to check, never passing on nothing.

A file's *top-level models* are its module classes that no other module class in the
file uses (their name appears in no other class's body): `GPT`, not `Block` or `MLP`.
Each is built without a harness (build.py: constructor arguments, configs, choices as
variants) and given inputs (inputs.py); a class whose construction or inputs cannot be
found is reported with the reason and the one thing to add.

Helpers (classes used by another class) are checked as part of the model that uses them,
so they are only listed, unless they declare their own example inputs. When no top-level
model of a file could be built, each one is an error (exit 2): a file that defines models
never passes on nothing.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from typecheck_nn.policy.config import ModelOverride as Override
from typecheck_nn.policy.config import model_override, parse_input_spec
from typecheck_nn.run.build import BuildPlan, ConstructorPlans, factory_plans, plan_constructor
from typecheck_nn.run.inputs import InputPlan, SequenceSetup, input_plans, sequence_setup

MAX_CANDIDATES = 8  # input candidates tried per model (each is a build and a trace)


@dataclass
class Candidate:
    """One way to build a model and its inputs: tried in order until one traces."""

    build: Callable[[str | None], tuple[nn.Module, tuple, dict]]
    built_with: dict[str, Any]


@dataclass
class Planned:
    """One class's outcome: targets (one per variant), or why none, and what to add."""

    name: str
    targets: list[tuple[str, list[Candidate]]] = field(default_factory=list)
    reason: str | None = None
    add: str | None = None
    line: int | None = None


def _device_ctx(device: str | None):
    return torch.device(device) if device else contextlib.nullcontext()


_DTYPES = {
    "float": torch.float32,
    "float32": torch.float32,
    "double": torch.float64,
    "float64": torch.float64,
    "half": torch.float16,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "long": torch.int64,
    "int64": torch.int64,
    "int": torch.int32,
    "int32": torch.int32,
    "bool": torch.bool,
}


def make_input(spec: str) -> torch.Tensor:
    """A tensor for a spec from pyproject.toml (`long[2, 16]`), on the current device."""
    name, shape = parse_input_spec(spec)
    dtype = _DTYPES[name]
    if dtype.is_floating_point:
        return torch.randn(shape, dtype=dtype)
    if dtype == torch.bool:
        return torch.zeros(shape, dtype=dtype)
    return torch.randint(0, 2, shape, dtype=dtype)


def overrides_for(path: str) -> dict[str, Override]:
    """class name -> its `[tool.typecheck-nn.models."PATH::NAME"]` override for this file
    (a bad table is left to the policy step, which reports it with its key)."""
    from typecheck_nn.policy.config import ConfigError, config_for

    try:
        config = config_for(path)
    except ConfigError:
        return {}
    out = {}
    for key in config.models:
        name = key.rpartition("::")[2]
        found = model_override(path, name, config)
        if found is not None:
            out[name] = found
    return out


def top_level_names(module_source: str, module_classes: set[str]) -> set[str]:
    """Module classes that no other module class of the file names in its body."""
    try:
        tree = ast.parse(module_source)
    except SyntaxError:
        return set(module_classes)
    used: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name in module_classes:
            for stmt in node.body:
                for sub in ast.walk(stmt):
                    if isinstance(sub, ast.Name) and sub.id in module_classes and sub.id != node.name:
                        used.add(sub.id)
                    elif isinstance(sub, ast.Attribute) and sub.attr in module_classes and sub.attr != node.name:
                        used.add(sub.attr)
    top = module_classes - used
    return top or set(module_classes)


def users_of(module_source: str, name: str, module_classes: set[str]) -> list[str]:
    """The module classes whose body names `name`."""
    try:
        tree = ast.parse(module_source)
    except SyntaxError:
        return []
    out = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name in module_classes and node.name != name:
            if any(isinstance(sub, ast.Name) and sub.id == name for stmt in node.body for sub in ast.walk(stmt)):
                out.append(node.name)
    return out


def class_line(cls) -> int | None:
    try:
        return inspect.getsourcelines(cls)[1]
    except (OSError, TypeError):
        return None


def _ctor_plans(cls, module_ns: dict[str, Any], module_name: str, override: Override | None) -> ConstructorPlans:
    if override is not None and override.kwargs is not None:
        kwargs = dict(override.kwargs)
        return ConstructorPlans(
            [BuildPlan(kwargs, "kwargs from pyproject.toml", shown={k: repr(v) for k, v in kwargs.items()})]
        )
    plans = plan_constructor(cls, module_ns)
    factories = factory_plans(cls, module_ns, module_name) if plans.reason or not plans.plans[0].kwargs == {} else []
    if plans.reason and factories:
        return ConstructorPlans(factories)
    if factories and all(p.variant is None for p in plans.plans):
        return ConstructorPlans(factories + plans.plans)
    return plans


def _first_built(cls, plans: list[BuildPlan]) -> tuple[Any, BuildPlan | None, Exception | None]:
    """The first plan whose constructor runs on the meta device: (module, plan, last error).

    A constructor that reads tensor data (an echo-state network scaling its reservoir by
    `eigvals(W).abs().max().item()`) cannot run on meta; when meta is what failed, the
    first plan is built with real tensors (the builder's sizes are small), and the check
    then falls back to real tensors as for any model meta cannot trace."""
    error: Exception | None = None
    meta_failed = False
    for candidate in plans:
        try:
            with torch.device("meta"):
                return candidate.construct(cls), candidate, None
        except Exception as exc:  # noqa: BLE001 - user code; the next plan may work
            error = exc
            meta_failed = meta_failed or "meta" in str(exc).lower()
    if plans and meta_failed:
        try:
            return plans[0].construct(cls), plans[0], None
        except Exception:  # noqa: BLE001 - the meta error is the one to report
            pass
    return None, None, error


def _inputs_for(built: nn.Module, override: Override | None) -> tuple[list[InputPlan], str | None]:
    """The input plans for a built model: the pyproject override's, else inferred; or why none."""
    if override is not None and override.inputs is not None:
        specs = list(override.inputs)

        def given(m: nn.Module, specs: list[str] = specs) -> tuple[tuple, dict]:
            return tuple(map(make_input, specs)), {}

        return [InputPlan("inputs from pyproject.toml", given)], None
    try:
        found = input_plans(built)
    except Exception as exc:  # noqa: BLE001
        return [], f"inferring its inputs failed: {type(exc).__name__}: {exc}"
    return found.plans, (None if found.plans else found.reason)


def _what_to_add(name: str, key: str, reasons: list[str]) -> str:
    if any("inputs" in r or "forward argument" in r for r in reasons):
        return (
            f"add `def example_inputs(self): return (torch.randn(...),)` to {name}, or "
            f'`inputs = ["float[2, 8, 64]"]` under {key} in pyproject.toml'
        )
    return f"add `kwargs = {{...}}` under {key} in pyproject.toml, or a no-argument factory function"


def plan_class(
    cls,
    name: str,
    path: str,
    module_ns: dict[str, Any],
    module_name: str,
    override: Override | None = None,
) -> Planned:
    """Targets for one class: build it on the meta device with each plan until one works,
    then find its inputs; one target per variant (`Name[LSTM]`)."""
    key = f'[tool.typecheck-nn.models."{Path(path).name}::{name}"]'
    planned = Planned(name, line=class_line(cls))
    ctor = _ctor_plans(cls, module_ns, module_name, override)
    if ctor.reason:
        planned.reason = f"constructor: {ctor.reason}"
        planned.add = (
            f"add defaults for {', '.join(f'`{m}`' for m in ctor.missing)}, a no-argument factory function in the "
            f"file that returns {name}(...), or `kwargs = {{...}}` under {key} in pyproject.toml"
        )
        return planned
    by_variant: dict[str | None, list[BuildPlan]] = {}
    for p in ctor.plans:
        by_variant.setdefault(p.variant, []).append(p)
    reasons: list[str] = []
    setup = sequence_setup(cls)  # read from the class's source once, for every candidate
    for variant, plans in by_variant.items():
        label = f"{name}[{variant}]" if variant else name
        built, plan, error = _first_built(cls, plans)
        if built is None or plan is None:
            reasons.append(
                f"{label}: the constructor raised {type(error).__name__}: {str(error).strip()[:200]}"
                f" (built with {_kwargs_text(plans[0])})"
            )
            continue
        if not isinstance(built, nn.Module):
            reasons.append(f"{label}: the factory returned {type(built).__name__}, not an nn.Module")
            continue
        inputs, why = _inputs_for(built, override)
        if why is not None or not inputs:
            reasons.append(f"{label}: {why}")
            continue
        planned.targets.append((label, [_candidate(cls, plan, ip, setup) for ip in inputs[:MAX_CANDIDATES]]))
    if not planned.targets:
        planned.reason = "; ".join(reasons)
        planned.add = _what_to_add(name, key, reasons)
    return planned


def _kwargs_text(plan: BuildPlan) -> str:
    if plan.factory is not None:
        return plan.strategy
    parts = [f"{k}={v}" for k, v in plan.shown.items()]
    if plan.config_text:
        parts.append(plan.config_text)
    return ", ".join(parts) or "no arguments"


def _candidate(cls, plan: BuildPlan, inputs: InputPlan, setup: SequenceSetup | None) -> Candidate:
    def build(device: str | None) -> tuple[nn.Module, tuple, dict]:
        with _device_ctx(device):
            model = plan.construct(cls)
            if setup is not None:
                setup(model)
            args, kwargs = inputs.make(model)
        return model, args, kwargs

    described = plan.described()
    described["strategy"] = f"{plan.strategy}; inputs: {inputs.strategy}"
    if setup is not None:
        described["strategy"] += f"; state set up by the model's {setup.text()}"
    return Candidate(build, described)
