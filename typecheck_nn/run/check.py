"""Check one discovered model: build it, trace it, hand the program to the engine.

Building and tracing run on the meta device first (no memory, no compute): tensors a
model makes in `forward` without naming a device (`torch.zeros(B, H)`) are meta tensors
too. Real tensors are used only when the model cannot be built or exported on meta, or
when it branches on tensor values (then the path its example inputs take is recorded);
the result's `fallback` says why.
"""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass

import torch

from typecheck_nn.core.model import ModelResult
from typecheck_nn.engine.pipeline import analyse, error_result, record_path, user_files_for
from typecheck_nn.engine.trace import TracedProgram, TraceError, trace, user_frame_location
from typecheck_nn.run.isolation import ABORT


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300]}" if text else type(exc).__name__


@dataclass
class _MetaAttempt:
    """What building and tracing on the meta device gave: a program, or the first error
    and the stage it happened in."""

    program: TracedProgram | None
    error: Exception | None
    stage: str
    real: TracedProgram | None = None  # traced with real tensors already, after meta failed
    real_failure: ModelResult | None = None  # ... and how that failed

    def fallback_reason(self) -> str:
        if isinstance(self.error, TraceError) and self.error.data_dependent:
            return "the model branches on tensor values"
        return f"{self.stage} on the meta device failed ({_short(self.error) if self.error else 'unknown'})"


def _on_meta(target, files: set[str], debug: bool) -> _MetaAttempt:
    stage = "building"
    try:
        model, args, kwargs = target.build("meta")
        _note_inputs(target, args, kwargs)
        files |= user_files_for(model)
        stage = "tracing"
        return _MetaAttempt(trace(model, args, kwargs, user_files=files, device="meta", quiet=not debug), None, stage)
    except ABORT:
        raise
    except Exception as exc:  # noqa: BLE001 - retried with real tensors
        return _MetaAttempt(None, exc, stage)


def _on_real(target, files: set[str], first_error: Exception | None, debug: bool) -> TracedProgram | ModelResult:
    """Build with real tensors and trace (or record the path taken); a ModelResult is the
    model's error when neither works."""
    try:
        model, args, kwargs = target.build(None)
        _note_inputs(target, args, kwargs)
    except ABORT:
        raise
    except Exception as exc:  # noqa: BLE001
        if debug:  # captured with the model's output, shown by --debug
            traceback.print_exception(exc)
        loc = user_frame_location(exc, files)
        where = f" (line {loc.line})" if loc else ""
        message = f"could not build the model or its inputs{where}: {type(exc).__name__}: {exc}"
        return error_result(target.name, target.path, message, loc)
    files |= user_files_for(model)
    error = first_error if isinstance(first_error, TraceError) and first_error.data_dependent else None
    program: TracedProgram | None = None
    if error is None:
        try:
            program = trace(model, args, kwargs, user_files=files, quiet=not debug)
            program.method = "export-real"
        except TraceError as exc:
            if debug:
                traceback.print_exception(exc)
            error = exc
    if program is None:
        assert error is not None
        program = record_path(model, args, kwargs, files, error)
    if program is None:
        assert error is not None
        where = f" at line {error.location.line}" if error.location else ""
        message = str(error) if error.data_dependent else f"forward failed{where}: {error}"
        return error_result(target.name, target.path, message, error.location)
    return program


def _note_inputs(target, args: tuple, kwargs: dict) -> None:
    """Record the inputs in `built_with`, so the report says what was checked."""
    from typecheck_nn.run.inputs import describe_inputs

    if getattr(target, "built_with", None) is not None:
        target.built_with = {**target.built_with, "inputs": describe_inputs(args, kwargs)}


def _hint_inferred(result: ModelResult) -> None:
    """A model built with inferred arguments or inputs that then failed: say what to add,
    since the failure may be the inference's, not the model's."""
    strategy = (result.built_with or {}).get("strategy", "")
    if result.error is None or not strategy or "example_inputs()" in strategy or "pyproject.toml" in strategy:
        return
    name = result.name.split("[")[0]
    result.error += (
        f" (built and fed by the checker: {strategy}; if that is not how {name} is used, add "
        f"`def example_inputs(self)` to {name}, or kwargs/inputs under "
        f'[tool.typecheck-nn.models."{os.path.basename(result.path)}::{name}"] in pyproject.toml)'
    )


def _first_that_traces(target, files: set[str], debug: bool):
    """The target's own candidate, then its alternatives (other inputs), on the meta
    device, within ALTERNATIVES_SECONDS: the first that builds and traces wins. Returns
    (target used, attempt); the attempt of the first candidate when none traces."""
    attempt = _on_meta(target, files, debug)
    if attempt.program is not None:
        return target, attempt
    if _device_mismatch(attempt.error) and _real_traces(target, attempt, files, debug):
        # the model makes tensors on the CPU: every other candidate would fail on meta too
        return target, attempt
    started = time.perf_counter()
    device_bound = []  # candidates that failed only because the model mixes devices
    for alternative in getattr(target, "alternatives", None) or []:
        if time.perf_counter() - started > ALTERNATIVES_SECONDS:
            break
        other = _on_meta(alternative, files, debug)
        if other.program is not None:
            return alternative, other
        if _device_mismatch(other.error):
            device_bound.append((alternative, other))
    # the first three other candidates that failed only for the device, with real tensors
    for alternative, other in device_bound[:3]:
        if _real_traces(alternative, other, files, debug):
            return alternative, other
    return target, attempt


def _real_traces(target, attempt: _MetaAttempt, files: set[str], debug: bool) -> bool:
    """Trace with real tensors after meta failed; the program (or the failure, which is
    the model's error if nothing else traces) is kept so that it is not traced again."""
    outcome = _on_real(target, set(files), attempt.error, debug)
    if isinstance(outcome, ModelResult):
        attempt.real_failure = outcome
        return False
    attempt.real = outcome
    return True


def _device_mismatch(error: Exception | None) -> bool:
    """A failure on the meta device that real tensors would not have: the model makes a
    tensor on a fixed device (`torch.zeros(..., device="cpu")`) and mixes it with meta ones."""
    return error is not None and "meta" in str(error) and "device" in str(error).lower()


ALTERNATIVES_SECONDS = 60.0


def _real_fixed_values(target, program: TracedProgram) -> bool:
    """A buffer used as a matrix keeps the type when it is an identity, permutation or
    diagonal (engine/fixed.py), which only its value says; on the meta device it has none.
    Build the model once with real tensors and read those buffers; when that fails they
    stay general matrices (a matrix changes type), never "strongly typed" by default."""
    try:
        model, _, _ = target.build(None)
    except ABORT:
        raise
    except Exception:  # noqa: BLE001 - the meta result stands
        return False
    found = False
    for name in sorted(program.unknown_tensors):
        value: object = model
        for part in name.split("."):
            value = getattr(value, part, None)
        if isinstance(value, torch.Tensor) and not value.is_meta:
            program.tensors[name] = value.detach()
            found = True
    program.unknown_tensors.clear()
    return found


def check_target(target, debug: bool = False, with_graph: bool = True) -> ModelResult:
    """Build and trace `target` (meta device first, real tensors if needed), then analyse it."""
    files = {target.path}
    t0 = time.perf_counter()
    target, attempt = _first_that_traces(target, files, debug)
    program, fallback = attempt.program, ""
    if program is None:
        fallback = attempt.fallback_reason()
        outcome = attempt.real or attempt.real_failure or _on_real(target, files, attempt.error, debug)
        if isinstance(outcome, ModelResult):
            outcome.built_with = getattr(target, "built_with", None)
            _hint_inferred(outcome)
            return outcome
        program = outcome
    t1 = time.perf_counter()
    result = analyse(program, target.name, target.path, with_graph=with_graph)
    if program.unknown_tensors and _real_fixed_values(target, program):
        result = analyse(program, target.name, target.path, with_graph=with_graph)
    result.seconds["trace"] = t1 - t0
    result.fallback = fallback
    result.built_with = getattr(target, "built_with", None)
    return result
