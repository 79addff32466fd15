"""Find the models in a file: import it, pick nn.Module classes it defines, get inputs.

Classes are built without a harness (plan.py, build.py, inputs.py): constructor
arguments from defaults, configs and names, inputs from `example_inputs()` or inferred
from `forward`. `FILE::NAME` picks a class, or a factory function returning a module or
a (module, example_args) pair. Everything that cannot be checked is reported with a
reason instead of raising, and a file whose models could none be built is an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import inspect
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from typecheck_nn.core.model import FileError, Skipped
from typecheck_nn.run.importing import import_error, script_friendly_import
from typecheck_nn.run.isolation import ABORT, SourceOnlyLoader
from typecheck_nn.run.plan import plan_class, top_level_names, users_of

NO_FORWARD = "defines no forward() (a base class for other models?)"


@dataclass
class ModelTarget:
    """A model to check; `build(device)` constructs it with its inputs on that device.

    `built_with` says how (constructor arguments, config, strategy; the inputs are added
    when it is built); `alternatives` are tried in order when building or tracing fails."""

    name: str
    path: str
    build: Callable[[str | None], tuple[nn.Module, tuple, dict]]
    built_with: dict[str, Any] | None = None
    alternatives: list[ModelTarget] = field(default_factory=list)


@dataclass
class Discovery:
    targets: list[ModelTarget]
    skipped: list[Skipped]
    errors: list[FileError]


def _package_name(path: str) -> tuple[str, str] | None:
    """(sys.path root, dotted module name) when the file lives inside a package."""
    p = Path(path)
    parts = [p.stem] if p.stem != "__init__" else []
    d = p.parent
    if not (d / "__init__.py").exists():
        return None
    while (d / "__init__.py").exists():
        parts.insert(0, d.name)
        d = d.parent
    return str(d), ".".join(parts)


def import_file(path: str, *, fresh: bool = False):
    """Import a file as a module: inside a package under its dotted name, so that
    relative imports work; otherwise under a unique name (two files may share a stem).

    `fresh` compiles it from source, ignoring `__pycache__` (isolation.SourceOnlyLoader),
    for workers that import an edited file again."""
    package = _package_name(path)
    if package is not None:
        root, dotted = package
        added = root not in sys.path
        if added:
            sys.path.insert(0, root)
        try:
            module = importlib.import_module(dotted)
        finally:
            if added:
                with contextlib.suppress(ValueError):
                    sys.path.remove(root)
        if os.path.abspath(getattr(module, "__file__", "") or "") == os.path.abspath(path):
            return module
    digest = hashlib.sha1(os.fsencode(path)).hexdigest()[:10]  # any file name, even one that is not UTF-8
    stem = re.sub(r"\W", "_", Path(path).stem.encode("ascii", "replace").decode())
    mod_name = f"_typecheck_nn_target_{stem}_{digest}"
    loader = SourceOnlyLoader(mod_name, path) if fresh else None
    spec = importlib.util.spec_from_file_location(mod_name, path, loader=loader)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module  # dataclasses and pickling look modules up here
    directory = str(Path(path).parent)
    added = directory not in sys.path
    if added:
        sys.path.insert(0, directory)
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(mod_name, None)
        raise
    finally:
        if added:
            with contextlib.suppress(ValueError):
                sys.path.remove(directory)
    return module


def _example_inputs(model: nn.Module) -> tuple[tuple, dict] | None:
    got: Any
    if hasattr(model, "example_inputs") and callable(model.example_inputs):
        got = model.example_inputs()
    elif getattr(model, "example_input_array", None) is not None:
        got = model.example_input_array
    else:
        return None
    if isinstance(got, dict):
        return (), got
    if isinstance(got, list):
        got = tuple(got)
    if not isinstance(got, tuple):
        got = (got,)
    return got, {}


def _class_attrs(cls) -> set[str]:
    names = set()
    for klass in cls.__mro__:
        names |= set(vars(klass))
    return names


def _lacks_forward(cls) -> bool:
    """True for a class whose forward is nn.Module's placeholder (or Lightning's, which only
    calls it): a base class that carries example inputs for its subclasses."""
    for klass in cls.__mro__:
        if "forward" in vars(klass):
            module = getattr(klass, "__module__", "") or ""
            return klass is nn.Module or module.split(".")[0] in ("pytorch_lightning", "lightning")
    return True


def _device_ctx(device: str | None):
    return torch.device(device) if device else contextlib.nullcontext()


def _factory_builder(fn) -> Callable:
    def build(device: str | None):
        with _device_ctx(device):
            got = fn()
            if isinstance(got, tuple) and len(got) == 2 and isinstance(got[0], nn.Module):
                model, args = got
                if isinstance(args, dict):
                    return model, (), args
                return model, tuple(args) if isinstance(args, (list, tuple)) else (args,), {}
            if isinstance(got, nn.Module):
                inputs = _example_inputs(got)
                if inputs is None:
                    from typecheck_nn.run.inputs import input_plans

                    found = input_plans(got)
                    if not found.plans:
                        raise LookupError(
                            f"the factory's module has no example inputs ({found.reason}); return (module, example_args)"
                        )
                    inputs = found.plans[0].make(got)
                return got, inputs[0], inputs[1]
        raise TypeError(f"factory returned {type(got).__name__}, expected an nn.Module or (module, example_args)")

    return build


def discover_file(path: str, name: str | None, *, fresh: bool = False, overrides: dict | None = None) -> Discovery:
    """Models in one file; import failures become FileErrors with the line when known.
    `overrides` maps a class name to its `plan.Override` from pyproject.toml."""
    if overrides is None:
        from typecheck_nn.run.plan import overrides_for

        overrides = overrides_for(path)
    with script_friendly_import(path) as record:
        try:
            module = import_file(path, fresh=fresh)
        except BaseException as exc:  # noqa: BLE001 - any failure of user code at import time
            if isinstance(exc, ABORT):  # our timeout or a real Ctrl-C, not the user's code
                raise
            return Discovery([], [], [import_error(path, exc, record)])

    if name is not None:
        obj = getattr(module, name, None)
        if obj is None:
            return Discovery([], [], [FileError(path, f"no model or factory named {name!r} in this file")])
        if inspect.isclass(obj) and issubclass(obj, nn.Module):
            if _lacks_forward(obj):
                return Discovery([], [], [FileError(path, f"{name}: {NO_FORWARD}")])
            planned = plan_class(obj, name, path, vars(module), module.__name__, overrides.get(name))
            if not planned.targets:
                return Discovery([], [], [_not_built(path, planned)])
            return Discovery([_target(label, path, c) for label, c in planned.targets], [], [])
        if callable(obj):
            return Discovery([ModelTarget(name, path, _factory_builder(obj), {"strategy": "factory function"})], [], [])
        return Discovery([], [], [FileError(path, f"{name!r} is neither an nn.Module class nor a factory function")])
    return _discover_all(module, path, overrides)


def _target(label: str, path: str, candidates: list) -> ModelTarget:
    first, *rest = candidates
    return ModelTarget(
        label,
        path,
        first.build,
        first.built_with,
        [ModelTarget(label, path, c.build, c.built_with) for c in rest],
    )


def _not_built(path: str, planned) -> FileError:
    """The error for a model that could not be built: why, and the one thing to add."""
    return FileError(path, f"could not check {planned.name}: {planned.reason}; to fix: {planned.add}", planned.line)


def _discover_all(module, path: str, overrides: dict) -> Discovery:
    """Every module class defined in the file: top-level models are built (and are errors
    when none can be), helpers are checked as part of them (see plan.py)."""
    classes = {
        attr: obj
        for attr, obj in vars(module).items()
        if inspect.isclass(obj) and issubclass(obj, nn.Module) and obj.__module__ == module.__name__
    }
    models = {attr: obj for attr, obj in classes.items() if not _lacks_forward(obj)}
    skipped = [Skipped(attr, path, NO_FORWARD) for attr, obj in classes.items() if attr not in models]
    try:
        source = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        source = ""
    top = top_level_names(source, set(models))
    targets: list[ModelTarget] = []
    failed = []
    declared_helpers = []
    for attr, obj in models.items():
        if attr not in top:
            if _declares_inputs(obj):
                declared_helpers.append(attr)
            continue
        planned = plan_class(obj, attr, path, vars(module), module.__name__, overrides.get(attr))
        if planned.targets:
            targets += [_target(label, path, c) for label, c in planned.targets]
        else:
            failed.append(planned)
    for attr in models:
        if attr in top:
            continue
        if attr in declared_helpers:
            planned = plan_class(models[attr], attr, path, vars(module), module.__name__, overrides.get(attr))
            if planned.targets:
                targets += [_target(label, path, c) for label, c in planned.targets]
                continue
        users = users_of(source, attr, set(models))
        skipped.append(
            Skipped(attr, path, f"a submodule of {', '.join(users) or 'another model'}: checked as part of it")
        )
    errors = []
    if failed and not any(t.name.split("[")[0] in top for t in targets):
        errors = [_not_built(path, p) for p in failed]
    else:
        skipped += [Skipped(p.name, path, f"not built: {p.reason}; to fix: {p.add}") for p in failed]
    order = {attr: i for i, attr in enumerate(classes)}
    targets.sort(key=lambda t: order.get(t.name.split("[")[0], 0))
    skipped.sort(key=lambda s: order.get(s.name, 0))
    return Discovery(targets, skipped, errors)


def _declares_inputs(cls) -> bool:
    return callable(getattr(cls, "example_inputs", None)) or "example_input_array" in _class_attrs(cls)
