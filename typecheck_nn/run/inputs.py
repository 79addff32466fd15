"""Example inputs for a built model that has no `example_inputs()`.

Tried in order, the first that gives candidates wins (each candidate is then built and
traced, and a failure moves on to the next candidate):

1. `example_inputs()`;
2. Lightning's `example_input_array`;
3. transformers' `dummy_inputs` (keyed by `main_input_name`);
4. timm's `pretrained_cfg` / `default_cfg` `input_size`;
5. shape annotations on `forward` (jaxtyping `Float[Tensor, "b t d"]`);
6. the first use of each `forward` argument, read from the source (ast) and resolved
   against the built module's submodules: `nn.Embedding` -> integer ids below
   `num_embeddings`; `Linear` -> last axis `in_features`; `ConvNd` -> rank N+2 with
   `in_channels` and a spatial size its strides allow; `RNN/LSTM/GRU` -> (T, B,
   input_size) or batch-first; a custom submodule -> the first use inside its own
   forward; a loop `for x in xs` or `xs[t]` -> one more (time) axis in front. A
   hidden-state argument comes from the model's own `init_hidden`/`init_state`, else its
   default; optional arguments keep their defaults.

Sizes: batch 2, sequence length 8 (kept below a `block_size`/`max_len` the model
declares), images 32x32 then 64x64. Only shapes and dtypes matter to the checker, and a
sequence length above 1 keeps time steps apart.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

Maker = Callable[[nn.Module], tuple[tuple, dict]]

BATCH = 2
SEQ = 8
WIDTH_GUESS = 64  # the width the builder gives constructor parameters (build.WIDTH)
MAX_GUESSES = 8
SPATIAL = (32, 64, 28, 224)  # 28: MNIST-sized inputs; 224: ImageNet-sized
_HIDDEN_NAME = re.compile(r"hidden|^hx$|^h0$|^h_0$|^hc$|^h$|^c$|state|memory|^mems?$|cache|carry|^past")
_INIT_METHOD = re.compile(
    r"^(init|initial|initialize|new|create|create_new|begin|reset|zero|get_initial|make)_?(hidden|states?)"
)
_MASK_NAME = re.compile(r"mask|lengths?$|^lens$")
_PASS_THROUGH = (
    nn.modules.padding._ReflectionPadNd,
    nn.modules.padding._ReplicationPadNd,
    nn.modules.padding._ConstantPadNd,
    nn.modules.pooling._MaxPoolNd,
    nn.modules.pooling._AvgPoolNd,
    nn.modules.pooling._AdaptiveAvgPoolNd,
    nn.modules.pooling._AdaptiveMaxPoolNd,
    nn.Upsample,
    nn.Softplus,
    nn.Hardswish,
    nn.Dropout,
    nn.Dropout1d,
    nn.Dropout2d,
    nn.Dropout3d,
    nn.AlphaDropout,
    nn.Identity,
    nn.ReLU,
    nn.GELU,
    nn.Tanh,
    nn.Sigmoid,
    nn.SiLU,
    nn.LeakyReLU,
    nn.ELU,
    nn.Softmax,
    nn.LogSoftmax,
    nn.Hardtanh,
    nn.PReLU,
    nn.Mish,
)


@dataclass
class InputPlan:
    """One candidate set of inputs: `make(model)` returns (args, kwargs), run under the
    device context the model was built in."""

    strategy: str
    make: Callable[[nn.Module], tuple[tuple, dict]]


@dataclass
class InputPlans:
    plans: list[InputPlan]
    reason: str | None = None  # why none could be made, naming the argument


def normalise(got: Any) -> tuple[tuple, dict]:
    if isinstance(got, dict):
        return (), got
    if isinstance(got, list):
        got = tuple(got)
    if not isinstance(got, tuple):
        got = (got,)
    return got, {}


def describe_value(v: Any) -> str:
    """`long[2, 8]` for a tensor; a short text for anything else."""
    if isinstance(v, torch.Tensor):
        dtype = str(v.dtype).removeprefix("torch.")
        short = {"float32": "float", "int64": "long", "float64": "double", "int32": "int"}.get(dtype, dtype)
        return f"{short}[{', '.join(str(s) for s in v.shape)}]"
    if isinstance(v, (tuple, list)):
        inner = ", ".join(describe_value(x) for x in v)
        return f"({inner})" if isinstance(v, tuple) else f"[{inner}]"
    if v is None:
        return "None"
    text = repr(v)
    return text if len(text) <= 40 else type(v).__name__


def describe_inputs(args: tuple, kwargs: dict) -> list[str]:
    return [describe_value(a) for a in args] + [f"{k}={describe_value(v)}" for k, v in kwargs.items()]


# ---------------------------------------------------------------------------------------
# declared inputs (1-4)


def _declared(model: nn.Module) -> InputPlan | None:
    if callable(getattr(model, "example_inputs", None)):
        return InputPlan("example_inputs()", lambda m: normalise(m.example_inputs()))  # type: ignore[operator]
    if getattr(model, "example_input_array", None) is not None:
        return InputPlan("example_input_array", lambda m: normalise(m.example_input_array))
    return None


def _transformers(model: nn.Module) -> InputPlan | None:
    if not any(k.__name__ == "PreTrainedModel" for k in type(model).__mro__):
        return None

    def make(m: nn.Module) -> tuple[tuple, dict]:
        dummy: dict = dict(m.dummy_inputs)  # type: ignore[arg-type]
        main = getattr(m, "main_input_name", None)
        if main in dummy:
            return (), {main: dummy[main]}
        return (), dummy

    return InputPlan("transformers dummy_inputs", make)


def _timm(model: nn.Module) -> InputPlan | None:
    for attr in ("pretrained_cfg", "default_cfg"):
        cfg = getattr(model, attr, None)
        size = cfg.get("input_size") if isinstance(cfg, dict) else getattr(cfg, "input_size", None)
        if isinstance(size, (tuple, list)) and all(isinstance(s, int) for s in size):
            shape = (BATCH, *size)

            def make(m: nn.Module, shape: tuple[int, ...] = shape) -> tuple[tuple, dict]:
                return (torch.randn(*shape),), {}

            return InputPlan(f"timm {attr} input_size", make)
    return None


# ---------------------------------------------------------------------------------------
# reading forward


def _forward_node(module: nn.Module, method: str = "forward") -> tuple[ast.FunctionDef | None, int]:
    return _method_node(type(module), method)


def _method_node(cls: type, method: str) -> tuple[ast.FunctionDef | None, int]:
    """A method's ast as the class resolves it (its own or inherited), and its line offset."""
    fn = inspect.unwrap(getattr(cls, method))
    try:
        lines, start = inspect.getsourcelines(fn)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError):
        return None, 0
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return node, start - 1  # type: ignore[return-value]
    return None, 0


def _resolve(expr: ast.AST, module: nn.Module, loops: dict[str, ast.AST]) -> Any:
    """The object an expression names: `self.a.b`, `self.layers[0]`, a loop variable over
    `self.blocks`; None when it is not a submodule."""
    if isinstance(expr, ast.Name):
        if expr.id == "self":
            return module
        if expr.id in loops:
            container = _resolve(loops[expr.id], module, loops)
            return _first_child(container)
        return None
    if isinstance(expr, ast.Attribute):
        owner = _resolve(expr.value, module, loops)
        if owner is None:
            return None
        return getattr(owner, expr.attr, None)
    if isinstance(expr, ast.Subscript):
        owner = _resolve(expr.value, module, loops)
        if isinstance(owner, (nn.ModuleList, nn.Sequential)):
            return _first_child(owner)
        if isinstance(owner, nn.ModuleDict) and isinstance(expr.slice, ast.Constant):
            key = str(expr.slice.value)
            return owner[key] if key in owner else None
        return None
    return None


def _first_child(container: Any) -> Any:
    if isinstance(container, (nn.ModuleList, nn.Sequential)) and len(container):
        return container[0]
    if isinstance(container, nn.ModuleDict) and len(container):
        return next(iter(container.values()))
    return None


@dataclass
class ArgSpec:
    """How to make one argument: alternatives (tried in order) and where that came from."""

    options: list[Callable[[], Any]]
    how: str
    state: bool = False  # a hidden state or mask: its first option is kept while shapes vary


@dataclass
class _Ctx:
    seq: int
    depth: int = 0
    notes: list[str] = field(default_factory=list)


def _float(*shape: int) -> Callable[[], Any]:
    return lambda: torch.randn(*shape)


def _rank_hint(fn: ast.FunctionDef, name: str) -> int | None:
    """`B, T = idx.size()` / `b, t, c = x.shape`: the argument's rank."""
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Tuple):
            value = node.value
            if isinstance(value, ast.Call):
                value = value.func
            if (
                isinstance(value, ast.Attribute)
                and value.attr in ("size", "shape")
                and isinstance(value.value, ast.Name)
                and value.value.id == name
                and not any(isinstance(e, ast.Starred) for e in node.targets[0].elts)
            ):
                return len(node.targets[0].elts)
    return None


def _for_embedding(sub: nn.Embedding | nn.EmbeddingBag, index: int, rank: int | None, ctx: _Ctx) -> ArgSpec | None:
    n = sub.num_embeddings
    if rank == 1:
        return ArgSpec([lambda: torch.randint(0, n, (ctx.seq,))], f"nn.Embedding({n}, ...): ids")
    # batch-first or time-first: the layers after the embedding decide, so both are tried
    return ArgSpec(
        [lambda: torch.randint(0, n, (BATCH, ctx.seq)), lambda: torch.randint(0, n, (ctx.seq, BATCH))],
        f"nn.Embedding({n}, ...): token ids",
    )


def _for_bilinear(sub: nn.Bilinear, index: int, rank: int | None, ctx: _Ctx) -> ArgSpec | None:
    f = sub.in1_features if index == 0 else sub.in2_features
    return ArgSpec([_float(BATCH, f)], f"nn.Bilinear: last axis {f}")


def _for_linear(sub: nn.Linear, index: int, rank: int | None, ctx: _Ctx) -> ArgSpec | None:
    if isinstance(sub, nn.modules.linear.NonDynamicallyQuantizableLinear):
        return None  # nn.MultiheadAttention's out_proj: never the model's first layer
    f, T = sub.in_features, ctx.seq
    if rank is not None and rank >= 1:
        return ArgSpec([_float(*[BATCH, T, T][: rank - 1], f)], f"nn.Linear({f}, ...)")
    return ArgSpec([_float(BATCH, f), _float(BATCH, T, f)], f"nn.Linear({f}, ...): last axis {f}")


def _for_conv(sub: nn.modules.conv._ConvNd, index: int, rank: int | None, ctx: _Ctx) -> ArgSpec | None:
    n, c = len(sub.kernel_size), sub.in_channels
    if n > 1:
        opts = [_float(BATCH, c, *([s] * n)) for s in (SPATIAL if n == 2 else SPATIAL[:2])]
    else:
        opts = [_float(BATCH, c, s) for s in (ctx.seq * 4, 64)]
    return ArgSpec(opts, f"nn.Conv{n}d({c}, ...)")


def _sequence(batch_first: bool, width: int, ctx: _Ctx) -> Callable[[], Any]:
    return _float(BATCH, ctx.seq, width) if batch_first else _float(ctx.seq, BATCH, width)


def _for_rnn(sub: nn.RNNBase, index: int, rank: int | None, ctx: _Ctx) -> ArgSpec | None:
    return ArgSpec([_sequence(sub.batch_first, sub.input_size, ctx)], f"nn.{type(sub).__name__}({sub.input_size}, ...)")


def _for_rnn_cell(sub: nn.RNNCellBase, index: int, rank: int | None, ctx: _Ctx) -> ArgSpec | None:
    return ArgSpec([_float(BATCH, sub.input_size)], f"nn.{type(sub).__name__}({sub.input_size}, ...)")


def _for_attention(sub: nn.MultiheadAttention, index: int, rank: int | None, ctx: _Ctx) -> ArgSpec | None:
    e = sub.embed_dim
    return ArgSpec([_sequence(sub.batch_first, e, ctx)], f"nn.MultiheadAttention({e}, ...)")


def _for_transformer_layer(sub: Any, index: int, rank: int | None, ctx: _Ctx) -> ArgSpec | None:
    attn = sub.self_attn
    return ArgSpec(
        [_sequence(attn.batch_first, attn.embed_dim, ctx)], f"nn.{type(sub).__name__}(d_model={attn.embed_dim})"
    )


def _for_transformer_stack(sub: Any, index: int, rank: int | None, ctx: _Ctx) -> ArgSpec | None:
    return _for_leaf(sub.layers[0], index, rank, ctx) if len(sub.layers) else None


def _for_transformer(sub: nn.Transformer, index: int, rank: int | None, ctx: _Ctx) -> ArgSpec | None:
    attn = sub.encoder.layers[0].self_attn
    return ArgSpec([_sequence(attn.batch_first, attn.embed_dim, ctx)], f"nn.Transformer(d_model={attn.embed_dim})")


def _for_layer_norm(sub: nn.LayerNorm | nn.RMSNorm, index: int, rank: int | None, ctx: _Ctx) -> ArgSpec | None:
    norm = tuple(sub.normalized_shape)  # type: ignore[arg-type]
    lead = [BATCH, ctx.seq][: max(1, (rank or 3) - len(norm))]
    return ArgSpec([_float(*lead, *norm)], f"nn.{type(sub).__name__}({list(norm)})")


def _for_batch_norm(sub: nn.modules.batchnorm._BatchNorm, index: int, rank: int | None, ctx: _Ctx) -> ArgSpec | None:
    c = sub.num_features
    if isinstance(sub, nn.BatchNorm1d):
        opts = (
            [_float(BATCH, c), _float(BATCH, c, ctx.seq)] if rank is None else [_float(*([BATCH, c, ctx.seq][:rank]))]
        )
    else:
        spatial = 2 if isinstance(sub, nn.BatchNorm2d) else 3
        opts = [_float(BATCH, c, *([s] * spatial)) for s in (SPATIAL if spatial == 2 else SPATIAL[:2])]
    return ArgSpec(opts, f"nn.{type(sub).__name__}({c})")


def _for_group_norm(sub: nn.GroupNorm, index: int, rank: int | None, ctx: _Ctx) -> ArgSpec | None:
    c = sub.num_channels
    return ArgSpec([_float(BATCH, c, s, s) for s in SPATIAL], f"nn.GroupNorm(..., {c})")


# built-in layers and the input each takes, tried in order (the first isinstance match decides)
_LEAF_SPECS: tuple[tuple[type | tuple[type, ...], Callable[[Any, int, int | None, _Ctx], ArgSpec | None]], ...] = (
    ((nn.Embedding, nn.EmbeddingBag), _for_embedding),
    (nn.Bilinear, _for_bilinear),
    (nn.Linear, _for_linear),
    (nn.modules.conv._ConvNd, _for_conv),
    (nn.RNNBase, _for_rnn),
    (nn.RNNCellBase, _for_rnn_cell),
    (nn.MultiheadAttention, _for_attention),
    ((nn.TransformerEncoderLayer, nn.TransformerDecoderLayer), _for_transformer_layer),
    ((nn.TransformerEncoder, nn.TransformerDecoder), _for_transformer_stack),
    (nn.Transformer, _for_transformer),
    ((nn.LayerNorm, nn.RMSNorm), _for_layer_norm),
    (nn.modules.batchnorm._BatchNorm, _for_batch_norm),
    (nn.GroupNorm, _for_group_norm),
)


def _for_leaf(sub: nn.Module, index: int, rank: int | None, ctx: _Ctx) -> ArgSpec | None:
    """The input that one built-in layer takes as its `index`-th argument."""
    for kinds, spec in _LEAF_SPECS:
        if isinstance(sub, kinds):
            return spec(sub, index, rank, ctx)
    return None


_SAME_SHAPE_METHODS = frozenset(
    {
        "float",
        "double",
        "half",
        "contiguous",
        "clone",
        "detach",
        "to",
        "type",
        "type_as",
        "relu",
        "sigmoid",
        "tanh",
        "exp",
        "abs",
        "neg",
        "requires_grad_",
        "cuda",
        "cpu",
    }
)
_SAME_SHAPE_FUNCTIONS = frozenset(
    {
        "relu",
        "gelu",
        "silu",
        "tanh",
        "sigmoid",
        "dropout",
        "elu",
        "leaky_relu",
        "softplus",
        "layer_norm",
        "normalize",
        "contiguous",
        "pad",
    }
)


def _assigned_names(fn: ast.FunctionDef) -> dict[int, str]:
    """id(call) -> the one name it is assigned to (`y = f(x)`)."""
    out: dict[int, str] = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if isinstance(node.value, ast.Call):
                out[id(node.value)] = node.targets[0].id
    return out


def _invert(make: Callable[[], Any], steps: list[tuple]) -> Callable[[], Any]:
    """The argument from the tensor its later use needs: undo `unsqueeze`, `transpose`,
    `permute` applied to it on the way (last first)."""

    def build() -> Any:
        t = make()
        for step in reversed(steps):
            if step[0] == "unsqueeze":
                t = t.select(step[1], 0)
            elif step[0] == "transpose":
                t = t.transpose(step[1], step[2])
            elif step[0] == "permute":
                order = list(step[1])
                t = t.permute(*[order.index(i) for i in range(len(order))])
        return t.contiguous() if isinstance(t, torch.Tensor) else t

    return build


def _const_ints(args: list[ast.expr]) -> list[int] | None:
    out = []
    for a in args:
        if isinstance(a, ast.Constant) and isinstance(a.value, int):
            out.append(a.value)
        elif isinstance(a, ast.UnaryOp) and isinstance(a.op, ast.USub) and isinstance(a.operand, ast.Constant):
            if not isinstance(a.operand.value, int):
                return None
            out.append(-a.operand.value)
        else:
            return None
    return out


def _indexes_a_tensor(fn: ast.FunctionDef, name: str, module: nn.Module, ctx: _Ctx) -> ArgSpec | None:
    """`self.logits[idx]` (a parameter or buffer indexed by the argument, before any call
    uses it): integer ids below the tensor's first size."""
    first_call = min(
        ((n.lineno, n.col_offset) for n in ast.walk(fn) if isinstance(n, ast.Call) and _mentions(n, name)),
        default=None,
    )
    for node in ast.walk(fn):
        if not (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Name) and node.slice.id == name):
            continue
        if first_call is not None and (node.lineno, node.col_offset) > first_call:
            continue
        owner = node.value
        if isinstance(owner, ast.Attribute) and isinstance(owner.value, ast.Name) and owner.value.id == "self":
            table = getattr(module, owner.attr, None)
            if isinstance(table, torch.Tensor) and table.dim() >= 1:
                n = int(table.shape[0])
                B, T = BATCH, ctx.seq

                def ids(shape: tuple[int, int], n: int = n) -> Callable[[], Any]:
                    return lambda: torch.randint(0, n, shape)

                return ArgSpec([ids((B, T)), ids((T, B))], f"{node.lineno}:indexes self.{owner.attr} ({n} rows): ids")
    return None


def _mentions(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def _method_params(module: nn.Module, method: str) -> list[str]:
    try:
        sig = inspect.signature(getattr(module, method))
    except (TypeError, ValueError, AttributeError):
        return []
    return [p.name for p in sig.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


Steps = list[tuple]


@dataclass
class _Use:
    """Where the tracked argument enters a call: its position or keyword, whether it is one
    time step of it (`x[t]`, `for x_t in x`), and the shape steps applied on the way."""

    position: int | str
    step: bool
    steps: Steps


class _FirstUse:
    """Walks one method's calls in source order, following the names that hold the argument
    (through same-shape calls and undoable unsqueeze/transpose/permute), until a layer
    receives it: that layer's input spec, with the steps undone, is the argument's."""

    def __init__(self, module: nn.Module, name: str, ctx: _Ctx, fn: ast.FunctionDef, offset: int):
        self.module, self.name, self.ctx, self.offset = module, name, ctx, offset
        self.rank = _rank_hint(fn, name)
        self.loops: dict[str, ast.AST] = {}
        self.tracked: dict[str, Steps] = {name: []}  # names holding the argument -> steps applied
        self.per_step: set[str] = set()  # loop variables that are one time step of the argument
        for node in ast.walk(fn):
            if isinstance(node, ast.For) and isinstance(node.target, ast.Name):
                self.loops[node.target.id] = node.iter
                if isinstance(node.iter, ast.Name) and node.iter.id == name:
                    self.per_step.add(node.target.id)
        self.assigned = _assigned_names(fn)
        self.calls = sorted(
            (n for n in ast.walk(fn) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset)
        )

    def spec(self) -> ArgSpec | None:
        for call in self.calls:
            func = call.func
            out_name = self.assigned.get(id(call))
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in self.tracked:
                reshaped = self._method_on_tracked(call, func, out_name)
                if reshaped is not None:
                    return reshaped
                continue
            uses = self._uses(call)
            if not uses:
                continue
            target = _resolve(func, self.module, self.loops)
            if isinstance(target, nn.Module):
                if isinstance(target, _PASS_THROUGH):
                    if out_name is not None and not uses[0].step:
                        self.tracked[out_name] = uses[0].steps
                    continue
                return self._layer_spec(target, call, uses[0])
            found = self._through_function(call, func, out_name, uses[0])
            if found is not None:
                return found
        return None

    def _method_on_tracked(self, call: ast.Call, func: ast.Attribute, out_name: str | None) -> ArgSpec | None:
        """`x.view(...)`, `x.unsqueeze(1)`, ...: a constant reshape of the argument itself is
        its shape; other shape steps are recorded on the result's name."""
        owner = func.value.id  # type: ignore[attr-defined]
        steps = self.tracked[owner]
        ints = _const_ints(call.args)
        if func.attr in ("reshape", "view") and ints and not steps and owner == self.name:
            # reshaped to constant sizes (`input.reshape(-1, 28, 28)`): that shape, batch for -1
            dims = [BATCH if d == -1 else d for d in ints]
            if all(d > 0 for d in dims) and ints.count(-1) <= 1:
                return ArgSpec([_float(*dims)], f"reshaped to {tuple(ints)} at line {call.lineno + self.offset}")
        if out_name is None:
            return None
        if func.attr in _SAME_SHAPE_METHODS:
            self.tracked[out_name] = steps
        elif func.attr == "unsqueeze" and ints and len(ints) == 1:
            self.tracked[out_name] = [*steps, ("unsqueeze", ints[0])]
        elif func.attr in ("transpose", "swapaxes") and ints and len(ints) == 2:
            self.tracked[out_name] = [*steps, ("transpose", ints[0], ints[1])]
        elif func.attr == "permute" and ints:
            self.tracked[out_name] = [*steps, ("permute", tuple(ints))]
        elif out_name in self.tracked and out_name != owner:
            del self.tracked[out_name]
        return None

    def _uses(self, call: ast.Call) -> list[_Use]:
        uses: list[_Use] = []
        for i, a in enumerate(call.args):
            if isinstance(a, ast.Name) and a.id in self.tracked:
                uses.append(_Use(i, False, self.tracked[a.id]))
            elif isinstance(a, ast.Name) and a.id in self.per_step:
                uses.append(_Use(i, True, []))
            elif (
                isinstance(a, ast.Subscript)
                and isinstance(a.value, ast.Name)
                and a.value.id == self.name
                and not isinstance(a.slice, (ast.Slice, ast.Tuple))
            ):
                uses.append(_Use(i, True, []))
        for kw in call.keywords:
            if isinstance(kw.value, ast.Name) and kw.value.id in self.tracked and kw.arg:
                uses.append(_Use(kw.arg, False, self.tracked[kw.value.id]))
        return uses

    def _adjusted(self, spec: ArgSpec, use: _Use) -> ArgSpec:
        """The layer's spec for the argument itself: shape steps undone, a time axis added back."""
        if use.steps:
            spec = ArgSpec([_invert(m, use.steps) for m in spec.options], spec.how)
        if use.step:
            spec = _with_time_axis(spec, self.ctx.seq)
        return spec

    def _rank_for(self, use: _Use) -> int | None:
        return None if (use.step or use.steps) else self.rank

    def _layer_spec(self, target: nn.Module, call: ast.Call, use: _Use) -> ArgSpec | None:
        spec = _spec_for_module(target, use.position, self._rank_for(use), self.ctx)
        if spec is None:
            return None
        spec = self._adjusted(spec, use)
        spec.how = f"first use at line {call.lineno + self.offset} of {type(self.module).__name__}.forward: {spec.how}"
        return spec

    def _through_function(self, call: ast.Call, func: ast.expr, out_name: str | None, use: _Use) -> ArgSpec | None:
        """A call that is no layer: a same-shape function passes the argument on, a method
        of the model is followed inside, and a function given a layer beside the argument
        (`embedded_dropout(self.encoder, x)`) takes that layer's input."""
        fname = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if fname in _SAME_SHAPE_FUNCTIONS and out_name is not None and not use.step:
            self.tracked[out_name] = use.steps
            return None
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
            if (
                isinstance(use.position, int)
                and callable(getattr(type(self.module), func.attr, None))
                and not use.steps
                and not use.step
            ):
                inner = _method_params(self.module, func.attr)
                if use.position < len(inner):
                    ctx = _Ctx(self.ctx.seq, self.ctx.depth + 1)
                    return _arg_spec(self.module, inner[use.position], ctx, method=func.attr)
                return None
        layers = [_resolve(a, self.module, self.loops) for a in call.args if a is not None]
        layer = next((m for m in layers if isinstance(m, nn.Module) and m is not self.module), None)
        if layer is None or isinstance(layer, _PASS_THROUGH):
            return None
        spec = _spec_for_module(layer, 0, self._rank_for(use), self.ctx)
        if spec is None:
            return None
        spec = self._adjusted(spec, use)
        spec.how = f"passed with {type(layer).__name__} at line {call.lineno + self.offset}: {spec.how}"
        return spec


def _arg_spec(module: nn.Module, name: str, ctx: _Ctx, method: str = "forward") -> ArgSpec | None:
    """The input `module.forward` takes as `name`, from the first layer call that receives
    it (directly, through same-shape steps, or through unsqueeze/transpose/permute, which
    are undone)."""
    if ctx.depth > 5:
        return None
    fn, offset = _forward_node(module, method)
    if fn is None or _not_a_tensor(fn, name):
        return None
    indexed = _indexes_a_tensor(fn, name, module, ctx)
    if indexed is not None:
        line, _, what = indexed.how.partition(":")
        indexed.how = f"line {int(line) + offset} of {type(module).__name__}.{method}: {what}"
        return indexed
    return _FirstUse(module, name, ctx, fn, offset).spec()


def _with_time_axis(spec: ArgSpec, seq: int) -> ArgSpec:
    def stacked(make: Callable[[], Any]) -> Callable[[], Any]:
        def build() -> Any:
            one = make()
            return one.unsqueeze(0).expand(seq, *one.shape).contiguous()

        return build

    return ArgSpec([stacked(m) for m in spec.options], spec.how + ", one time step of it")


def _spec_for_module(target: nn.Module, position: int | str, rank: int | None, ctx: _Ctx) -> ArgSpec | None:
    if isinstance(target, _PASS_THROUGH):
        return None
    if isinstance(target, nn.Sequential):
        for child in target:
            if isinstance(child, _PASS_THROUGH):
                continue
            return _spec_for_module(child, 0, rank, ctx)
        return None
    index = position if isinstance(position, int) else 0
    leaf = _for_leaf(target, index, rank, ctx)
    if leaf is not None or type(target).__module__.startswith("torch.nn"):
        return leaf
    params = _forward_params(target)
    if isinstance(position, int):
        if position >= len(params):
            return None
        inner = params[position].name
    else:
        inner = position
    sub_ctx = _Ctx(ctx.seq, ctx.depth + 1)
    spec = _arg_spec(target, inner, sub_ctx)
    return spec


def _forward_params(module: nn.Module) -> list[inspect.Parameter]:
    try:
        sig = inspect.signature(module.forward)
    except (TypeError, ValueError):
        return []
    return [p for p in sig.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


_DOC_TYPES = {
    "list of int": lambda: [0] * BATCH,
    "list of ints": lambda: [0] * BATCH,
    "list[int]": lambda: [0] * BATCH,
    "int": lambda: 0,
    "bool": lambda: False,
    "float": lambda: 0.0,
}


def _documented_value(model: nn.Module, name: str) -> ArgSpec | None:
    """A non-tensor argument whose type `forward`'s docstring gives (Google style,
    `washout (list of int): ...`): zeros of that type, one per batch sample for a list."""
    doc = inspect.getdoc(type(model).forward) or ""
    found = re.search(rf"^\s*{re.escape(name)}\s*\(([^)]*)\)\s*:", doc, re.MULTILINE)
    if found is None:
        return None
    kind = found.group(1).split(",")[0].strip().lower()
    make = _DOC_TYPES.get(kind)
    if make is None:
        return None
    return ArgSpec([make], f"`{name} ({kind})` in forward's docstring")


def _widths(model: nn.Module) -> list[int]:
    """Feature sizes the model's layers use most (ties: the smaller): a last resort for an
    argument whose first use is not a layer (`torch.bmm(output, context)`)."""
    counts: dict[int, int] = {}
    for sub in model.modules():
        sizes: list[int] = []
        if isinstance(sub, nn.Linear):
            sizes = [sub.in_features, sub.out_features]
        elif isinstance(sub, nn.RNNBase | nn.RNNCellBase):
            sizes = [sub.input_size, sub.hidden_size]
        elif isinstance(sub, nn.LayerNorm):
            sizes = [sub.normalized_shape[-1]]
        elif isinstance(sub, nn.Embedding):
            sizes = [sub.embedding_dim]
        elif isinstance(sub, nn.modules.conv._ConvNd):
            sizes = [sub.in_channels, sub.out_channels]
        for size in sizes:
            counts[size] = counts.get(size, 0) + 1
    ranked = sorted(counts, key=lambda k: (-counts[k], k))
    return ranked[:2] or [64]


def _first_conv(model: nn.Module) -> nn.Module | None:
    for sub in model.modules():
        if isinstance(sub, nn.modules.conv._ConvNd):
            return sub
    return None


def _max_index(fn: ast.FunctionDef, name: str) -> int | None:
    """The highest axis read off the argument (`x.size(2)`, `x.shape[2]`): rank > it."""
    best = None
    for node in ast.walk(fn):
        index = None
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "size"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == name
        ):
            ints = _const_ints(node.args)
            index = ints[0] if ints and len(ints) == 1 else None
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "shape"
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id == name
        ):
            ints = _const_ints([node.slice])
            index = ints[0] if ints else None
        if index is not None and index >= 0:
            best = index if best is None else max(best, index)
    return best


def _not_a_tensor(fn: ast.FunctionDef, name: str) -> bool:
    """The argument is read as a container or an object (`batch["x"]`, `data.features`,
    `len(items)`): no tensor shape can be guessed for it."""
    for node in ast.walk(fn):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == name:
            if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                return True
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == name:
            if not hasattr(torch.Tensor, node.attr):
                return True
        if isinstance(node, ast.For) and isinstance(node.iter, ast.Call) and isinstance(node.iter.func, ast.Attribute):
            if isinstance(node.iter.func.value, ast.Name) and node.iter.func.value.id == name:
                if node.iter.func.attr in ("items", "keys", "values"):
                    return True
    return False


def _guess(
    fn: ast.FunctionDef | None, name: str, seq: int, widths: list[int], conv: nn.Module | None = None
) -> ArgSpec | None:
    """Float inputs of the model's own feature sizes, rank 3 first (batch, time, features):
    tried last, after every inferred candidate; a wrong guess fails to trace and moves on."""
    if fn is None or _not_a_tensor(fn, name):
        return None
    rank = _rank_hint(fn, name)
    top = _max_index(fn, name)
    shapes: list[tuple[int, ...]] = []
    if conv is not None:
        c, n = int(conv.in_channels), len(conv.kernel_size)  # type: ignore[arg-type]
        image = (SPATIAL[0],) * n
        channels: list[int] = list(dict.fromkeys([c, *widths, WIDTH_GUESS]))[:3]
        if (rank is not None and rank == n + 3) or (top is not None and top >= n + 2):
            shapes += [s for ch in channels for s in ((BATCH, seq, ch, *image), (seq, BATCH, ch, *image))]
        else:
            shapes += [(BATCH, ch, *image) for ch in channels]
        return ArgSpec([_float(*s) for s in shapes], "guessed from the model's channel counts")
    if WIDTH_GUESS not in widths:
        widths = [*widths, WIDTH_GUESS]
    for w in widths:
        if rank == 2:
            shapes += [(BATCH, w)]
        elif rank == 4:
            shapes += [(BATCH, w, SPATIAL[0], SPATIAL[0])]
        elif rank is None and (top is None or top < 2):
            shapes += [(BATCH, seq, w), (seq, BATCH, w), (BATCH, w)]
        else:
            shapes += [(BATCH, seq, w), (seq, BATCH, w)]
    if rank in (None, 4) and (top is None or top <= 3):
        shapes.append((BATCH, 3, SPATIAL[0], SPATIAL[0]))  # an RGB image, for layers the checker does not know
    if not shapes:
        return None
    return ArgSpec([_float(*s) for s in shapes[:MAX_GUESSES]], "guessed from the model's feature sizes")


def _seq_len(model: nn.Module) -> int:
    """8, or less when the model declares a smaller context (block_size, max_len...)."""
    limits = []
    holders = [model, getattr(model, "config", None), getattr(model, "cfg", None)]
    for holder in holders:
        if holder is None:
            continue
        for attr in ("block_size", "max_len", "max_seq_len", "max_length", "seq_len", "n_positions", "n_ctx"):
            value = getattr(holder, attr, None)
            if isinstance(value, int) and not isinstance(value, bool) and value > 1:
                limits.append(value)
    getter = getattr(model, "get_block_size", None)
    if callable(getter):
        try:
            value = getter()
            if isinstance(value, int) and value > 1:
                limits.append(value)
        except Exception:  # noqa: BLE001
            pass
    return min([SEQ, *limits])


def _hidden_maker(model: nn.Module) -> tuple[Callable[[], Any], str] | None:
    names = [a for a in dir(type(model)) if _INIT_METHOD.match(a.lower())]
    for attr in names:
        method = getattr(model, attr, None)
        if not callable(method):
            continue
        try:
            params = [
                p
                for p in inspect.signature(method).parameters.values()
                if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            ]
        except (TypeError, ValueError):
            continue
        if len(params) == 1:
            return (lambda method=method: method(BATCH)), f"{attr}({BATCH})"
        if not params:
            return (lambda method=method: method()), f"{attr}()"
    return None


@dataclass(frozen=True)
class SequenceSetup:
    """A method that sets up the state forward reads (`init_sequence(batch)`, `reset()`):
    called with the batch size after construction, as a training loop would."""

    name: str
    takes_batch: bool

    def __call__(self, model: nn.Module) -> None:
        method = getattr(model, self.name)
        method(BATCH) if self.takes_batch else method()

    def text(self) -> str:
        return f"{self.name}({BATCH if self.takes_batch else ''})"


def _self_attributes(fn: ast.AST, ctx: type) -> set[str]:
    return {
        n.attr
        for n in ast.walk(fn)
        if isinstance(n, ast.Attribute)
        and isinstance(n.ctx, ctx)
        and isinstance(n.value, ast.Name)
        and n.value.id == "self"
    }


def sequence_setup(cls: type) -> SequenceSetup | None:
    """The method to call before forward when forward reads state that the constructor
    never sets and another method does (pytorch-ntm's `init_sequence(batch_size)` sets
    `self.previous_state`): found from the class's source, never from a name alone."""
    own = [  # the user's methods, as the class resolves them (nn.Module's are not)
        name
        for name, fn in inspect.getmembers(cls, inspect.isfunction)
        if not (fn.__module__ or "").startswith("torch") and name != "forward" and not name.startswith("__")
    ]
    forward, _ = _method_node(cls, "forward")
    init, _ = _method_node(cls, "__init__")
    if forward is None:
        return None
    missing = _self_attributes(forward, ast.Load) - (_self_attributes(init, ast.Store) if init else set())
    missing -= {n for n in missing if hasattr(cls, n)}  # methods, properties, class attributes
    for name in own:
        fn, _ = _method_node(cls, name)
        if fn is None or not missing & _self_attributes(fn, ast.Store):
            continue
        args = fn.args
        required = len(args.args) - len(args.defaults) - 1  # beyond self
        if args.args and args.args[0].arg == "self" and required <= 1 and not args.kwonlyargs:
            return SequenceSetup(name, required == 1)
    return None


@dataclass
class _Param:
    name: str
    spec: ArgSpec | None
    keyword: bool = False


def _required_keyword_only(model: nn.Module) -> list[inspect.Parameter]:
    try:
        params = inspect.signature(model.forward).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p for p in params if p.kind == p.KEYWORD_ONLY and p.default is inspect.Parameter.empty]


def _later_argument(model: nn.Module, name: str) -> ArgSpec | None:
    """An argument after the first, read from its name: a hidden state from the model's own
    init method (else None), a documented value, or None for a mask or lengths."""
    if _HIDDEN_NAME.search(name.lower()):
        maker = _hidden_maker(model)
        if maker is not None:
            return ArgSpec([maker[0], lambda: None], f"the model's {maker[1]}", state=True)
        return ArgSpec([lambda: None], "None", state=True)
    documented = _documented_value(model, name)
    if documented is not None:
        return documented
    if _MASK_NAME.search(name.lower()):
        return ArgSpec([lambda: None], "None")
    return None


def _chosen_arguments(model: nn.Module, params: list[inspect.Parameter]) -> tuple[list[_Param], list[str]]:
    """Each argument forward needs, with its candidate values; and the ones nothing fits."""
    seq = _seq_len(model)
    chosen: list[_Param] = []
    failed: list[str] = []
    fn, _ = _forward_node(model)
    for p in params:
        keyword = p.kind == p.KEYWORD_ONLY
        has_default = p.default is not inspect.Parameter.empty
        if chosen and has_default:
            break  # optional arguments keep their defaults, and so does every later one
        spec = _later_argument(model, p.name) if chosen else None
        if spec is None:
            spec = _arg_spec(model, p.name, _Ctx(seq))
        if spec is None:
            if has_default and chosen:
                break  # optional arguments keep their defaults
            spec = _guess(fn, p.name, seq, _widths(model), _first_conv(model))
            if spec is None:
                failed.append(p.name)
                continue
        chosen.append(_Param(p.name, spec, keyword))
    return chosen, failed


def _combinations(chosen: list[_Param]) -> list[InputPlan]:
    """One plan per combination of the arguments' candidates, at most MAX_GUESSES: shaped
    arguments all on their first option, then all on their second..., then the mixes; a
    hidden state from the model's own method before None."""
    options = [range(len(p.spec.options)) for p in chosen if p.spec]
    shaped = [i for i, p in enumerate(chosen) if p.spec and not p.spec.state]
    states = [i for i, p in enumerate(chosen) if p.spec and p.spec.state]

    def order(c: tuple[int, ...]) -> tuple:
        picked = [c[i] for i in shaped]
        return (sum(c[i] for i in states), len(set(picked)) > 1, max(picked, default=0), c)

    how = "; ".join(f"{p.name}: {p.spec.how}" for p in chosen if p.spec)
    plans = []
    for combo in sorted(itertools.product(*options), key=order)[:MAX_GUESSES]:

        def make(m: nn.Module, combo=combo) -> tuple[tuple, dict]:
            args: list[Any] = []
            kwargs: dict[str, Any] = {}
            for p, i in zip(chosen, combo, strict=True):
                assert p.spec is not None
                value = p.spec.options[i]()
                if p.keyword:
                    kwargs[p.name] = value
                else:
                    args.append(value)
            return tuple(args), kwargs

        plans.append(InputPlan(f"inferred from forward ({how})", make))
    return plans


def _inferred(model: nn.Module) -> InputPlans:
    params = [*_forward_params(model), *_required_keyword_only(model)]
    if not params:
        return InputPlans([InputPlan("forward takes no arguments", lambda m: ((), {}))])
    chosen, failed = _chosen_arguments(model, params)
    if failed:
        fn, offset = _forward_node(model)
        where = f" ({type(model).__name__}.forward, line {fn.lineno + offset})" if fn is not None else ""
        names = ", ".join(f"`{n}`" for n in failed)
        return InputPlans(
            [], f"cannot infer forward argument {names}{where}: its first use is not a layer with a known input"
        )
    return InputPlans(_combinations(chosen))


# ---------------------------------------------------------------------------------------
# annotations (5)

_DIM_SIZES = {
    "b": BATCH,
    "batch": BATCH,
    "bs": BATCH,
    "n": BATCH,
    "t": SEQ,
    "l": SEQ,
    "s": SEQ,
    "seq": SEQ,
    "time": SEQ,
}


def _annotated(model: nn.Module, inferred: InputPlans) -> InputPlan | None:
    """jaxtyping annotations (`Float[Tensor, "b t d"]`) on every forward argument give
    ranks and dtypes; named feature axes take their sizes from the inferred inputs."""
    fn, _ = _forward_node(model)
    if fn is None:
        return None
    args = [a for a in fn.args.args[1:]]
    if not args or not all(a.annotation is not None for a in args):
        return None
    specs = []
    for a in args:
        ann = a.annotation
        if not (isinstance(ann, ast.Subscript) and isinstance(ann.slice, ast.Tuple) and len(ann.slice.elts) == 2):
            return None
        kind, dims = ann.value, ann.slice.elts[1]
        if not (isinstance(dims, ast.Constant) and isinstance(dims.value, str)):
            return None
        dtype_name = kind.id if isinstance(kind, ast.Name) else kind.attr if isinstance(kind, ast.Attribute) else ""
        specs.append((dtype_name, dims.value.split()))
    if not all(name in ("Float", "Int", "Integer", "Long", "Shaped", "Bool", "Float32", "Int64") for name, _ in specs):
        return None

    def make(m: nn.Module) -> tuple[tuple, dict]:
        guessed: tuple = ()
        if inferred.plans:
            guessed, _ = inferred.plans[0].make(m)
        out = []
        for i, (dtype_name, dims) in enumerate(specs):
            ref = guessed[i] if i < len(guessed) and isinstance(guessed[i], torch.Tensor) else None
            shape = []
            for j, d in enumerate(dims):
                d = d.lstrip("*#_").split("=")[-1]
                if d.isdigit():
                    shape.append(int(d))
                elif d.lower() in _DIM_SIZES:
                    shape.append(_DIM_SIZES[d.lower()])
                elif ref is not None and len(dims) - j <= ref.dim():
                    shape.append(ref.shape[ref.dim() - (len(dims) - j)])  # aligned from the right
                else:
                    shape.append(64)
            if dtype_name in ("Int", "Integer", "Long", "Int64"):
                high = int(ref.max()) + 1 if ref is not None and ref.device.type != "meta" and ref.numel() else 2
                out.append(torch.randint(0, max(high, 2), tuple(shape)))
            elif dtype_name == "Bool":
                out.append(torch.zeros(tuple(shape), dtype=torch.bool))
            else:
                out.append(torch.randn(*shape))
        return tuple(out), {}

    return InputPlan("shape annotations on forward", make)


def input_plans(model: nn.Module) -> InputPlans:
    """Candidate inputs for a built model, best first (see the module docstring)."""
    declared = _declared(model)
    if declared is not None:
        return InputPlans([declared])
    plans: list[InputPlan] = []
    for found in (_transformers(model), _timm(model)):
        if found is not None:
            plans.append(found)
    inferred = _inferred(model)
    annotated = _annotated(model, inferred)
    if annotated is not None:
        plans.append(annotated)
    plans += inferred.plans
    return InputPlans(plans, None if plans else inferred.reason)
