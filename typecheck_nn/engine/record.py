"""Record the path the example inputs take, as an fx graph of ATen ops, on real tensors.

torch.export cannot follow a branch on tensor values (`if mask.any():`, torch's own
fast-path checks in nn.Transformer*). Running the model once for real under a dispatch
mode sees every ATen op that actually executes, with concrete control flow, so the
checker can still type that path; the report says only that path was checked. The
same SourceLocationMode stamps the user's spans, read back from fx's current metadata.
"""

from __future__ import annotations

import operator

import torch
import torch.fx.traceback as fx_traceback
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_map

from typecheck_nn.engine.trace import (
    PlaceholderInfo,
    SourceLocationMode,
    TracedProgram,
    _collect_functions,
    _collect_locations,
    _collect_sites,
    _quiet_torch,
)


def _meta(t):
    """Shape-only stand-in for node.meta['val'], so the recording holds no real memory."""
    if isinstance(t, torch.Tensor):
        return torch.empty(t.shape, dtype=t.dtype, device="meta")
    return t


class _Recorder(TorchDispatchMode):
    """Appends one fx node per executed ATen op; tensors are matched by identity."""

    def __init__(self, graph: torch.fx.Graph, env: dict[int, torch.fx.Node], placeholders: dict):
        super().__init__()
        self.graph, self.env, self.placeholders = graph, env, placeholders
        self.alive: list[torch.Tensor] = []  # keeps ids unique for the whole recording
        # the nn.Module path each op ran in, as export records it: without it the layers of
        # a stack (deep copies running the same lines) fold into one site, a false recurrence
        self.module_stack: list[str] = []
        self.module_paths: dict[str, str] = {}

    def node_for(self, t: torch.Tensor) -> torch.fx.Node:
        node = self.env.get(id(t))
        if node is None:  # a tensor born outside the recording (a module constant)
            node = self.graph.placeholder(f"constant_{len(self.placeholders)}")
            node.meta["val"] = _meta(t)
            self.placeholders[node.name] = PlaceholderInfo("input", node.name)
            self.env[id(t)] = node
            self.alive.append(t)
        return node

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        to_node = lambda a: self.node_for(a) if isinstance(a, torch.Tensor) else a  # noqa: E731
        node = self.graph.call_function(func, tree_map(to_node, tuple(args)), tree_map(to_node, kwargs))
        node.meta["val"] = tree_map(_meta, out)
        if self.module_stack:
            self.module_paths[node.name] = self.module_stack[-1]
        custom = dict(fx_traceback.get_current_meta().get("custom") or {})
        node.meta["custom"] = custom
        if isinstance(out, torch.Tensor):
            self.env[id(out)] = node
            self.alive.append(out)
        elif isinstance(out, (list, tuple)):
            for i, o in enumerate(out):
                if isinstance(o, torch.Tensor):
                    item = self.graph.call_function(operator.getitem, (node, i))
                    item.meta["val"] = _meta(o)
                    item.meta["custom"] = custom
                    self.env[id(o)] = item
                    self.alive.append(o)
        return out


def record(module: torch.nn.Module, args, kwargs, user_files: set[str]) -> TracedProgram:
    graph = torch.fx.Graph()
    env: dict[int, torch.fx.Node] = {}
    placeholders: dict[str, PlaceholderInfo] = {}
    tensors: dict[str, torch.Tensor] = {}
    for kind, named in (("parameter", module.named_parameters()), ("buffer", module.named_buffers())):
        for name, t in named:
            node = graph.placeholder(name.replace(".", "_"))
            node.meta["val"] = _meta(t)
            placeholders[node.name] = PlaceholderInfo(kind, name)
            env[id(t)] = node
            if kind == "buffer":
                tensors[name] = t
    flat_inputs = [a for a in list(args) + list((kwargs or {}).values()) if isinstance(a, torch.Tensor)]
    for i, t in enumerate(flat_inputs):
        node = graph.placeholder(f"input_{i}")
        node.meta["val"] = _meta(t)
        placeholders[node.name] = PlaceholderInfo("input", node.name)
        env[id(t)] = node
    module.eval()
    recorder = _Recorder(graph, env, placeholders)
    names = {id(m): name for name, m in module.named_modules()}

    def enter(mod, _args):
        name = names.get(id(mod))
        recorder.module_stack.append(name if name is not None else (recorder.module_stack or [""])[-1])

    def leave(mod, _args, _out):
        if recorder.module_stack:
            recorder.module_stack.pop()

    from torch.nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook

    hooks = [register_module_forward_pre_hook(enter), register_module_forward_hook(leave)]
    try:
        with (
            _quiet_torch(),
            torch.no_grad(),
            fx_traceback.preserve_node_meta(),
            SourceLocationMode(user_files),
            recorder,
        ):
            out = module(*args, **(kwargs or {}))
    finally:
        for h in hooks:
            h.remove()
    outputs = [recorder.env[id(t)] for t in _tensors(out) if id(t) in recorder.env]
    graph.output(tuple(outputs))
    gm = torch.fx.GraphModule(torch.nn.Module(), graph)
    return TracedProgram(
        gm,
        placeholders,
        _collect_locations(gm, user_files),
        {k: v for k, v in recorder.module_paths.items()},
        "recorded-path",
        _collect_sites(gm),
        _collect_functions(gm),
        tensors=tensors,
    )


def _tensors(obj):
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _tensors(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _tensors(v)
