"""Find the models in a file: import it, pick nn.Module classes it defines, get inputs.

A class is checkable when its constructor needs no arguments and it provides example
inputs (`example_inputs()` or Lightning's `example_input_array`). `FILE::NAME` picks a
class, or a factory function returning a module or a (module, example_args) pair.
Everything that cannot be checked is reported with a reason instead of raising.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from typecheck_nn.core.model import FileError, Skipped
from typecheck_nn.run.isolation import ABORT, SourceOnlyLoader

NO_FORWARD = "defines no forward() (a base class for other models?)"


@dataclass
class ModelTarget:
    """A model to check; `build(device)` constructs it with its inputs on that device."""

    name: str
    path: str
    build: Callable[[str | None], tuple[nn.Module, tuple, dict]]


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


def _has_inputs_declared(cls) -> bool:
    """example_inputs(), or Lightning's example_input_array (usually set in __init__, so
    the class is built on the meta device to look: no memory, no compute)."""
    if callable(getattr(cls, "example_inputs", None)) or "example_input_array" in _class_attrs(cls):
        return True
    try:
        with torch.device("meta"):
            return getattr(cls(), "example_input_array", None) is not None
    except Exception:  # noqa: BLE001 - a constructor that fails on meta is judged later
        return False


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


def _needs_args(cls) -> str | None:
    try:
        sig = inspect.signature(cls.__init__)
    except (TypeError, ValueError):
        return None
    required = [
        p.name
        for p in list(sig.parameters.values())[1:]
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    return ", ".join(required) if required else None


def _device_ctx(device: str | None):
    return torch.device(device) if device else contextlib.nullcontext()


def _class_builder(cls) -> Callable:
    def build(device: str | None):
        with _device_ctx(device):
            model = cls()
            inputs = _example_inputs(model)
        if inputs is None:
            raise LookupError("no example inputs: define example_inputs() or example_input_array")
        return model, inputs[0], inputs[1]

    return build


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
                    raise LookupError("the factory's module has no example inputs; return (module, example_args)")
                return got, inputs[0], inputs[1]
        raise TypeError(f"factory returned {type(got).__name__}, expected an nn.Module or (module, example_args)")

    return build


def discover_file(path: str, name: str | None, *, fresh: bool = False) -> Discovery:
    """Models in one file; import failures become FileErrors with the line when known."""
    try:
        module = import_file(path, fresh=fresh)
    except SyntaxError as exc:
        return Discovery([], [], [FileError(path, f"syntax error: {exc.msg}", exc.lineno)])
    except BaseException as exc:  # noqa: BLE001 - any failure of user code at import time
        if isinstance(exc, ABORT):  # our timeout or a real Ctrl-C, not the user's code
            raise
        from typecheck_nn.engine.trace import user_frame_location

        loc = user_frame_location(exc, {path})
        return Discovery(
            [], [], [FileError(path, f"import failed: {type(exc).__name__}: {exc}", loc.line if loc else None)]
        )

    if name is not None:
        obj = getattr(module, name, None)
        if obj is None:
            return Discovery([], [], [FileError(path, f"no model or factory named {name!r} in this file")])
        if inspect.isclass(obj) and issubclass(obj, nn.Module):
            missing = _needs_args(obj)
            if missing:
                return Discovery(
                    [],
                    [],
                    [FileError(path, f"{name}: constructor needs arguments ({missing}); use a factory function")],
                )
            if _lacks_forward(obj):
                return Discovery([], [], [FileError(path, f"{name}: {NO_FORWARD}")])
            if not _has_inputs_declared(obj):
                return Discovery(
                    [],
                    [],
                    [FileError(path, f"{name}: no example inputs; define example_inputs() or example_input_array")],
                )
            return Discovery([ModelTarget(name, path, _class_builder(obj))], [], [])
        if callable(obj):
            return Discovery([ModelTarget(name, path, _factory_builder(obj))], [], [])
        return Discovery([], [], [FileError(path, f"{name!r} is neither an nn.Module class nor a factory function")])

    targets, skipped = [], []
    for attr, obj in vars(module).items():
        if not (inspect.isclass(obj) and issubclass(obj, nn.Module)) or obj.__module__ != module.__name__:
            continue
        missing = _needs_args(obj)
        if missing:
            skipped.append(Skipped(attr, path, f"constructor needs arguments ({missing})"))
        elif _lacks_forward(obj):
            skipped.append(Skipped(attr, path, NO_FORWARD))
        elif not _has_inputs_declared(obj):
            skipped.append(Skipped(attr, path, "no example inputs (define example_inputs() or example_input_array)"))
        else:
            targets.append(ModelTarget(attr, path, _class_builder(obj)))
    return Discovery(targets, skipped, [])
