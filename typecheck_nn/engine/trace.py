"""Capture a model's computation as an fx graph, with the user's source span on every node.

torch.export (non-strict) unrolls Python loops, shares each parameter as one placeholder
and records the nn.Module path of every node. Its `stack_trace` metadata is not reliable
across torch versions (pytorch#130861), so while exporting, a TorchFunctionMode finds the
innermost frame that lies in one of the user's files and stamps its exact span
(line, column, end) on the nodes created under it, through fx's `annotate` metadata.

When export cannot follow the model (it branches on tensor values), the error names the
line of the branch; api.py then records the path the example inputs take (record.py).
"""

from __future__ import annotations

import contextlib
import inspect
import linecache
import logging
import os
import re
import sys
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import FrameType

import torch
import torch.fx.traceback as fx_traceback
from torch.overrides import TorchFunctionMode

from typecheck_nn.core.model import Location
from typecheck_nn.core.source import assigned_targets

LOC_KEY = "typecheck_nn_loc"
SITE_KEY = "typecheck_nn_site"


@dataclass
class PlaceholderInfo:
    kind: str  # "parameter", "buffer", "constant", "input"
    target: str  # qualified name ("rnn.V.weight") or the input's name


@dataclass
class TracedProgram:
    graph_module: torch.fx.GraphModule
    placeholders: dict[str, PlaceholderInfo]
    locations: dict[str, Location]
    module_paths: dict[str, str]
    method: str
    sites: dict[str, str] = field(default_factory=dict)  # node -> source site (same across unrolled steps)
    functions: dict[str, str] = field(default_factory=dict)  # node -> qualified name of the user's function
    notes: list[tuple[str, Location | None]] = field(default_factory=list)  # (message, where) for the report
    # buffers' and constants' values by qualified name, for what a fixed matrix is (fixed.py)
    tensors: dict[str, torch.Tensor] = field(default_factory=dict)
    # fixed matrices whose value was needed but unknown (traced on meta): see run/check.py
    unknown_tensors: set[str] = field(default_factory=set)
    # the call's structure, for step cells (stepcell.py): per top-level argument, its name
    # and the placeholders of its tensor leaves; the output as nested lists of node names
    arg_groups: list[tuple[str, list[str | None], bool]] = field(default_factory=list)  # (name, leaves, is a tensor)
    out_tree: object = None
    # buffers the call writes (export returns their new values): output node -> buffer
    mutated_buffers: dict[str, str] = field(default_factory=dict)


def assigned_name(loc: Location) -> str | None:
    """The variable(s) a source line assigns (`h = ...` -> "h", `i, f = ...` -> "i,f"),
    to name fresh types and recurrent states in messages."""
    targets = assigned_targets(linecache.getline(loc.path, loc.line))
    return ",".join(targets) if targets else None


class TraceError(Exception):
    """The model could not be traced; `location` points at the user's line when known."""

    def __init__(self, message: str, location: Location | None = None, data_dependent: bool = False):
        super().__init__(message)
        self.location = location
        self.data_dependent = data_dependent


# fx's annotate (torch >= 2.10) carries our spans onto nodes; without it, locations come
# from node.meta["stack_trace"] and sites from those locations
_HAS_ANNOTATE = hasattr(fx_traceback, "annotate")

# tensor introspection that export itself calls in bulk while fakifying; none creates a node
_INTROSPECTION = frozenset(
    {
        "__get__",
        "__set__",
        "stride",
        "storage_offset",
        "_is_view",
        "size",
        "untyped_storage",
        "is_inference",
        "is_conj",
        "is_neg",
        "device",
        "numel",
        "dim",
        "data_ptr",
        "is_contiguous",
        "element_size",
        "is_floating_point",
        "is_complex",
        "_typed_storage",
        "_base",
        "layout",
        "dtype",
        "requires_grad",
        "grad_fn",
        "is_leaf",
        "nelement",
        "ndimension",
        "__len__",
        "_version",
    }
)


# torch's package and this checker's own package (not the folder that holds it)
_LIBRARY_DIRS = tuple(
    os.path.join(p, "") for p in (os.path.dirname(torch.__file__), os.path.dirname(os.path.dirname(__file__)))
)


class UserFiles:
    """The files whose lines count as the user's: the model classes' files, and any other
    file in their folders (a helper module beside the model), but never torch's own files,
    this checker's, or an installed package's unless a model class lives there.

    Membership is asked for every frame of every torch call while tracing, so answers are
    cached per file name."""

    def __init__(self, files: set[str]):
        self.files = set(files)
        self.dirs = tuple({os.path.join(os.path.dirname(f), "") for f in files})
        self._known: dict[str, bool] = {}

    def __contains__(self, filename: object) -> bool:
        if not isinstance(filename, str):
            return False
        found = self._known.get(filename)
        if found is None:
            found = filename in self.files or (
                filename.startswith(self.dirs)
                and not filename.startswith(_LIBRARY_DIRS)
                and "site-packages" not in filename
                and "dist-packages" not in filename
            )
            self._known[filename] = found
        return found

    def __iter__(self):
        return iter(self.files)


class SourceLocationMode(TorchFunctionMode):
    """Stamps every node created under a torch call with the user's innermost frame."""

    def __init__(self, user_files: set[str]):
        super().__init__()
        self.user_files = UserFiles(user_files)
        # where the model assigned a tensor attribute in forward (`w.data = ...`): export
        # rejects that after tracing, with no user frame in its traceback
        self.attribute_writes: list[Location] = []
        self._positions: dict[object, list] = {}
        self._spans: dict[tuple[object, int], tuple[str, int, int, int, int]] = {}
        self._calls = 0

    def _span(self, frame) -> tuple[str, int, int, int, int]:
        """(path, line, column, end line, end column) of the instruction the frame is at;
        memoised per instruction, since a loop calls torch from one instruction many times."""
        key = (frame.f_code, frame.f_lasti)
        span = self._spans.get(key)
        if span is None:
            span = self._spans[key] = self._instruction_span(frame)
        return span

    def _instruction_span(self, frame) -> tuple[str, int, int, int, int]:
        code = frame.f_code
        positions = self._positions.get(code)
        if positions is None:
            positions = list(code.co_positions()) if hasattr(code, "co_positions") else []
            self._positions[code] = positions
        idx = frame.f_lasti // 2
        line = frame.f_lineno
        if 0 <= idx < len(positions):
            start, end, col, end_col = positions[idx]
            if start is not None and col is not None:
                path, end = code.co_filename, end or start
                return (path, start, char_column(path, start, col), end, char_column(path, end, end_col or col))
        return (code.co_filename, line, 1, line, 1)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", None)
        if name == "__set__":  # `weight.data = ...`: export later fails with no frame to name
            self._note_attribute_write()
        if name in _INTROSPECTION or not _HAS_ANNOTATE or torch.compiler.is_dynamo_compiling():
            # (under dynamo, tracing a torch.cond/while_loop branch, frames cannot be read:
            # the branch's ops get spans from the call, see typegraph's nested graphs)
            return func(*args, **kwargs)
        frame = sys._getframe(1)
        user_files = self.user_files
        call_path = []
        while frame is not None and frame.f_code.co_filename not in user_files:
            call_path.append((id(frame.f_code), frame.f_lasti))
            frame = frame.f_back
        if frame is None:
            return func(*args, **kwargs)
        call_path.append((id(frame.f_code), frame.f_lasti))
        self._calls += 1
        # the call path tells apart two torch calls attributed to one user line (a
        # library helper called there); the call number orders the nodes of one call
        code = frame.f_code
        qualname = getattr(code, "co_qualname", code.co_name)
        with fx_traceback.annotate(
            {LOC_KEY: self._span(frame), SITE_KEY: (hash(tuple(call_path)), self._calls, qualname)}
        ):
            return func(*args, **kwargs)

    def _note_attribute_write(self) -> None:
        frame: FrameType | None = sys._getframe(2)
        while frame is not None and frame.f_code.co_filename not in self.user_files:
            frame = frame.f_back
        if frame is not None and not self.attribute_writes:
            path, line, col, end_line, end_col = self._span(frame)
            self.attribute_writes.append(Location(os.path.abspath(path), line, col, end_line, end_col))


def char_column(path: str, line: int, byte_offset: int) -> int:
    """1-based character column of a 0-based UTF-8 byte offset on `line` of `path`.

    CPython's code positions count bytes; reports count characters, as ruff does and as
    SARIF and editors expect, so `ĥ = self.V(ĥ)` puts the caret under `self`."""
    text = linecache.getline(path, line)
    if not text or text.isascii():
        return byte_offset + 1
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore")) + 1


def user_frame_location(exc: BaseException, user_files: set[str]) -> Location | None:
    """The innermost frame of the exception's traceback that is in the user's files."""
    found = None
    for frame_summary in traceback.extract_tb(exc.__traceback__):
        if os.path.abspath(frame_summary.filename) in user_files:
            path, line = os.path.abspath(frame_summary.filename), frame_summary.lineno or 1
            linecache.checkcache(path)  # a warm worker may have read an older version
            found = Location(path, line, char_column(path, line, getattr(frame_summary, "colno", None) or 0))
    cause = exc.__cause__ or exc.__context__
    if found is None and cause is not None and cause is not exc:
        return user_frame_location(cause, user_files)
    return found


def _stack_trace_location(stack: str | None, user_files: set[str]) -> Location | None:
    if not stack:
        return None
    found = None
    for m in re.finditer(r'File "([^"]+)", line (\d+)', stack):
        if os.path.abspath(m.group(1)) in user_files:
            found = Location(os.path.abspath(m.group(1)), int(m.group(2)), 1)
    return found


def _collect_sites(gm: torch.fx.GraphModule) -> dict[str, str]:
    """node -> call path plus the node's rank among the nodes of its torch call."""
    out: dict[str, str] = {}
    rank: dict[int, int] = {}
    for node in gm.graph.nodes:
        site = (node.meta.get("custom") or {}).get(SITE_KEY)
        if site is None:
            continue
        path_hash, call = site[0], site[1]
        k = rank.get(call, 0)
        rank[call] = k + 1
        out[node.name] = f"{path_hash:x}.{k}"
    return out


def _collect_functions(gm: torch.fx.GraphModule) -> dict[str, str]:
    out = {}
    for node in gm.graph.nodes:
        site = (node.meta.get("custom") or {}).get(SITE_KEY)
        if site is not None and len(site) > 2:
            out[node.name] = site[2]
    return out


def _collect_locations(gm: torch.fx.GraphModule, user_files: set[str]) -> dict[str, Location]:
    out: dict[str, Location] = {}
    for node in gm.graph.nodes:
        custom = node.meta.get("custom") or {}
        span = custom.get(LOC_KEY)
        if span is not None:
            path, line, col, end_line, end_col = span
            out[node.name] = Location(os.path.abspath(path), line, col, end_line, end_col)
            continue
        loc = _stack_trace_location(node.meta.get("stack_trace"), user_files)
        if loc is not None:
            out[node.name] = loc
    return out


@dataclass
class NodeInfo:
    """Where each node of one graph came from: its span, call site, function and module."""

    locations: dict[str, Location]
    sites: dict[str, str]
    functions: dict[str, str]
    module_paths: dict[str, str]


def node_info(gm: torch.fx.GraphModule, user_files: Iterable[str] = ()) -> NodeInfo:
    """The same facts for any graph, nested ones included (a `no_grad` region is a graph
    of its own inside the exported one, and its nodes carry their own spans)."""
    return NodeInfo(
        _collect_locations(gm, set(user_files)), _collect_sites(gm), _collect_functions(gm), _module_paths(gm)
    )


def _module_paths(gm: torch.fx.GraphModule) -> dict[str, str]:
    out = {}
    for node in gm.graph.nodes:
        stack = node.meta.get("nn_module_stack")
        if stack:
            path = list(stack.values())[-1][0]
            out[node.name] = _clean_module_path(path)
    return out


def _clean_module_path(path: str) -> str:
    """export names submodules like L['self'].layers[0] in some versions: make it dotted."""
    path = re.sub(r"^L\['self'\]\.?", "", path)
    path = re.sub(r"\[(\d+)\]", r".\1", path)
    path = re.sub(r"\['([^']+)'\]", r".\1", path)
    return path.strip(".")


class OutputFlattener(torch.nn.Module):
    """Returns only the tensors of a model's output.

    Models return objects export cannot carry (a library's cache object, say); the
    types live in the tensors, so the rest is dropped rather than failing the check.
    """

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, *args, **kwargs):
        return tuple(_tensors_in(self.model(*args, **kwargs)))


def _tensors_in(obj, depth: int = 0):
    if isinstance(obj, torch.Tensor):
        yield obj
    elif depth > 6:
        return
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _tensors_in(v, depth + 1)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _tensors_in(v, depth + 1)


class TwoSteps(torch.nn.Module):
    """Calls a model twice on the same inputs: a state the model keeps in a plain
    attribute, read at the start of forward and written at its end, is then passed from
    one step to the next in the traced graph, which types the recurrent function."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, *args, **kwargs):
        first = tuple(_tensors_in(self.model(*args, **kwargs)))
        return first + tuple(_tensors_in(self.model(*args, **kwargs)))


def _call_of(node) -> int | None:
    """Which of TwoSteps' two calls an exported node belongs to (export suffixes the
    second call's module path with `@1`), None for the wrapper's own nodes."""
    stack = list((node.meta.get("nn_module_stack") or {}).keys())
    if len(stack) < 2:
        return None
    return 1 if stack[1].endswith("@1") else 0


def passes_state(ep) -> bool:
    """Whether the second call reads a value the first computed from the inputs.

    Why: export warns about any tensor stored on the module in forward, a state or a
    cache. A cache of what the parameters give (timm's EfficientViT keeps its attention
    biases per device) is read by the second call but carries nothing from one input to
    the next: tracing it twice would fold the two calls into a loop that is not there."""
    graph = ep.graph_module.graph
    user_inputs = {spec.arg.name for spec in ep.graph_signature.input_specs if spec.kind.name == "USER_INPUT"}
    from_inputs: set[str] = set()
    for node in graph.nodes:
        if node.name in user_inputs or any(a.name in from_inputs for a in node.all_input_nodes):
            from_inputs.add(node.name)
    for node in graph.nodes:
        if _call_of(node) != 1:
            continue
        if any(_call_of(a) == 0 and a.name in from_inputs for a in node.all_input_nodes):
            return True
    return False


_STATE_ATTRIBUTE = re.compile(r"tensor attributes? (.+?) (?:was|were) assigned during export")


def _is_state_attribute(message: str) -> bool:
    """A user's attribute assigned a tensor in forward (`self.prev_state = h`), as export
    reports it; torch's own bookkeeping (nn.LSTM's `_flat_weights`) is private and no state."""
    m = _STATE_ATTRIBUTE.search(message)
    if m is None:
        return False
    names = [n.strip() for n in m.group(1).split(",")]
    return any(not any(part.startswith("_") for part in n.split(".")[1:]) for n in names)


def _strip_prefix(name: str, prefix: str = "model.") -> str:
    return name[len(prefix) :] if name.startswith(prefix) else ("" if name == prefix[:-1] else name)


def _export(module, args, kwargs, user_files) -> TracedProgram:
    """The module as torch.export captures it, with what the typing needs read off the
    exported program: placeholders, source spans and sites, module paths, call structure."""
    ep, wrapped = _exported(module, args, kwargs, user_files)
    gm = ep.graph_module
    placeholders, tensors = _placeholders(ep, wrapped)
    paths = _module_paths(gm)
    if wrapped:
        paths = {k: _strip_prefix(v) for k, v in paths.items()}
    arg_groups, out_tree, mutated = _call_structure(ep, wrapped, module)
    return TracedProgram(
        gm,
        placeholders,
        _collect_locations(gm, user_files),
        paths,
        "export",
        _collect_sites(gm),
        _collect_functions(gm),
        tensors=tensors,
        arg_groups=arg_groups,
        out_tree=out_tree,
        mutated_buffers=mutated,
    )


def _exported(module, args, kwargs, user_files):
    """torch.export's program, and whether the module was wrapped to get it (then names
    carry the wrapper's `model.` prefix): called twice when forward keeps its state in a
    plain attribute, or with its output flattened when export cannot flatten it."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mode = SourceLocationMode(user_files)
        try:
            with fx_traceback.preserve_node_meta(), mode, warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                ep = torch.export.export(module, tuple(args), kwargs=kwargs or None, strict=False)
            wrapped = False
            if any(_is_state_attribute(str(w.message)) for w in caught):
                # forward keeps a state in a plain attribute (self.prev_state = h; export
                # says so and puts the old value back): two calls make the step a
                # recurrence the loop analysis sees, as if unrolled
                with fx_traceback.preserve_node_meta(), SourceLocationMode(user_files):
                    twice = torch.export.export(TwoSteps(module), tuple(args), kwargs=kwargs or None, strict=False)
                if passes_state(twice):
                    ep, wrapped = twice, True
        except Exception as exc:  # noqa: BLE001
            if mode.attribute_writes:
                exc.typecheck_nn_location = mode.attribute_writes[0]  # type: ignore[attr-defined]
            if "pytree" not in str(exc) and "not a known type" not in str(exc):
                raise
            with fx_traceback.preserve_node_meta(), SourceLocationMode(user_files):
                ep = torch.export.export(OutputFlattener(module), tuple(args), kwargs=kwargs or None, strict=False)
            wrapped = True
    return ep, wrapped


# export's input kinds as a TracedProgram's placeholders name them
_PLACEHOLDER_KINDS = {
    "PARAMETER": "parameter",
    "BUFFER": "buffer",
    "CONSTANT_TENSOR": "constant",
    "CUSTOM_OBJ": "constant",
    "USER_INPUT": "input",
    "TOKEN": "input",
}


def _placeholders(ep, wrapped: bool) -> tuple[dict[str, PlaceholderInfo], dict[str, torch.Tensor]]:
    """What each placeholder is (parameter, buffer, constant, input) and its qualified
    name, and the values of buffers and constants by that name (for fixed matrices)."""
    placeholders = {}
    tensors: dict[str, torch.Tensor] = {}
    for spec in ep.graph_signature.input_specs:
        name = getattr(spec.arg, "name", None)
        if name is None:
            continue
        kind = _PLACEHOLDER_KINDS.get(spec.kind.name, "input")
        target = spec.target or name
        placeholders[name] = PlaceholderInfo(kind, _strip_prefix(target) if wrapped else target)
        if kind in ("buffer", "constant"):
            value = ep.state_dict.get(target, ep.constants.get(target))
            if isinstance(value, torch.Tensor):
                tensors[placeholders[name].target] = value
    return placeholders, tensors


def _call_structure(ep, wrapped: bool, module=None):
    """What a step cell is found from: the arguments (each with its tensor leaves, in the
    order export made placeholders for them), the output's nesting, and written buffers.
    Read from export's own pytree specs; anything unexpected gives no structure (then no
    step cell is looked for, which only loses a check the unrolled code would not have)."""
    try:
        sig = ep.graph_signature
        user_in = [s for s in sig.input_specs if s.kind.name in ("USER_INPUT",)]
        names = [getattr(s.arg, "name", None) if type(s.arg).__name__ == "TensorArgument" else None for s in user_in]
        in_spec = ep.call_spec.in_spec
        args_spec, kwargs_spec = in_spec.children_specs if in_spec.num_children == 2 else (in_spec, None)
        groups: list[tuple[str, list[str | None], bool]] = []
        i = 0
        children = list(args_spec.children_specs)
        keys = [None] * len(children)
        if kwargs_spec is not None and kwargs_spec.num_children:
            children += list(kwargs_spec.children_specs)
            keys += list(kwargs_spec.context)
        try:
            params = [
                p.name
                for p in inspect.signature(module.forward).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            ]
        except (TypeError, ValueError, AttributeError):
            params = []
        for k, (child, key) in enumerate(zip(children, keys)):
            leaves = names[i : i + child.num_leaves]
            i += child.num_leaves
            label = key or (params[k] if k < len(params) else _arg_label([n for n in leaves if n]))
            groups.append((label, leaves, child.is_leaf()))
        if i != len(names):
            return [], None, {}
        user_out = [s for s in sig.output_specs if s.kind.name == "USER_OUTPUT"]
        out_names = [getattr(s.arg, "name", None) for s in user_out]
        mutated = {
            getattr(s.arg, "name", ""): _strip_prefix(s.target) if wrapped else s.target
            for s in sig.output_specs
            if s.kind.name == "BUFFER_MUTATION" and s.target
        }
        if wrapped:
            return groups, out_names, mutated
        leaves_iter = iter(out_names)

        def build(spec):
            if spec.is_leaf():
                return next(leaves_iter, None)
            return [build(c) for c in spec.children_specs]

        return groups, build(ep.call_spec.out_spec), mutated
    except Exception:  # noqa: BLE001 - structure is optional
        return [], None, {}


def _arg_label(leaves: list[str]) -> str:
    """`state` for placeholders state_0, state_1; the name itself for a lone tensor."""
    if len(leaves) == 1:
        return leaves[0]
    prefix = os.path.commonprefix(leaves).rstrip("_0123456789") if leaves else ""
    return prefix or (leaves[0] if leaves else "?")


def is_data_dependent(exc: BaseException) -> bool:
    text = f"{type(exc).__name__}: {exc}"
    markers = ("GuardOnDataDependent", "data-dependent", "data dependent", "DataDependent", "unbacked")
    return any(m in text for m in markers)


@contextlib.contextmanager
def _quiet_torch(quiet: bool = True):
    """torch.export logs guard failures, graph dumps and, when inputs do not fit, a
    38-line traceback per failed op (fake_tensor's `E...` lines at ERROR); its warnings
    repeat what the report says better. Silenced unless `quiet` is False (--debug)."""
    if not quiet:
        yield
        return
    import warnings

    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(previous)


def trace(
    module, args, kwargs=None, *, user_files: set[str], device: str | None = None, quiet: bool = True
) -> TracedProgram:
    """Export the model; a failure becomes a TraceError naming the user's line.

    `device` ("meta") makes tensors created inside `forward` without an explicit device
    follow the model onto it. A branch on tensor values cannot be followed by export; the
    error says so and where, and is marked data-dependent so that callers holding real
    tensors can record the path the example inputs take instead (record.py).
    """
    for path in user_files:
        linecache.checkcache(path)  # a long-lived process may check an edited file again
    module.eval()
    try:
        with _quiet_torch(quiet), torch.device(device) if device else contextlib.nullcontext():
            return _export(module, args, kwargs, user_files)
    except Exception as exc:  # noqa: BLE001 - classified below, never swallowed silently
        loc = user_frame_location(exc, user_files) or getattr(exc, "typecheck_nn_location", None)
        if is_data_dependent(exc):
            code = linecache.getline(loc.path, loc.line).strip() if loc else ""
            where = f" at line {loc.line} (`{code}`)" if loc else ""
            raise TraceError(
                f"data-dependent control flow{where}: the model branches on tensor values, which torch.export "
                "cannot follow",
                loc,
                data_dependent=True,
            ) from exc
        raise TraceError(_describe(exc), loc) from exc


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = next((t for t in text if t.strip()), "")
    return f"{type(exc).__name__}: {first}"[:500]
