"""Build a model class without a harness: fill its constructor's arguments.

Real model files take their sizes as constructor arguments or in a config object, and
nobody wrote a no-argument factory for the checker. Types do not depend on sizes, and on
the meta device a tensor costs nothing, so any consistent set of small sizes will do.
What matters is that they are *consistent*: a width must divide by every head count
(`d_model // n_head`), so widths are multiples of every head count the class declares,
and primes are avoided. Depth costs tracing time, so layer counts are kept at 2.

Parameters are filled, in this order, from:

1. the parameter's own default (kept as written, except that layer counts read from a
   config are shrunk);
2. a config object: a class named by the annotation, or a config class found by name in
   the module (`config` -> `GPTConfig`), built with its own defaults (dataclass, attrs,
   pydantic, NamedTuple, a transformers `PretrainedConfig`, any class whose constructor
   can be filled the same way); a default config from a class method of the model
   (`get_default_config()`, as minGPT does) with its `None` fields filled by name; and,
   failing those, an object that answers every attribute the model reads by its name;
3. the parameter's name and annotation: integers by role (layers, heads, vocabulary,
   widths, kernels...), floats (dropout -> 0.0), booleans (False), lists of widths when
   the constructor iterates over the parameter, pairs when it unpacks or indexes it,
   dtype and device;
4. string and enum choices read from the constructor's own code (`rnn_type in ['LSTM',
   'GRU']`, `== 'LSTM'`, dict keys, `getattr(nn, rnn_type)`): each choice is its own
   variant, checked as `Model[LSTM]`.

A parameter none of these can fill (a class to instantiate, a callable) makes the class
unbuildable, and the reason names it, so the user knows exactly what to add.

No rule here looks at a class's or a file's name: only at parameter names, annotations
and what the constructor's code does with them.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import enum
import inspect
import itertools
import math
import re
import textwrap
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

# ---------------------------------------------------------------------------------------
# sizes by name

LAYERS = 2
HEADS = 2
WIDTH = 64
VOCAB = 32
CLASSES = 10
CONTEXT = 64  # block_size, max_len...: inputs keep their sequence length below it
IMAGE = 32
CHANNELS_IN = 3
LIST_LEN = 2

_INT_RULES: list[tuple[str, int | str]] = [
    # (regex on the lower-cased name, value or role); first match wins
    (r"(^|_)(batch_size|bsz|batch)($|_)", 2),
    (r"n_?layers?|num_?layers?|nlayers?|depth|n_?blocks?|num_?blocks?|n_?stages?|num_?stages?|layers?$", "layers"),
    (r"heads?|nhead", "heads"),
    (r"experts?", 2),
    # counts of parallel copies (residual streams, branches, fractions of a width, codebooks):
    # small, so that `(b s)` folds of the batch and `dim // fracs` stay whole
    (r"streams?$|branch(es)?$|fracs?$|fractions?$|proposals?$|codebooks?$|quantizers?$", 2),
    (r"vocab|ntoken|n_?tokens?|num_?tokens?|num_?embeddings|n_?symbols?|num_?chars|n_?chars|alphabet", "vocab"),
    (r"class|label|n_?out_?class|num_?out|n_?categor|categories", "classes"),
    (
        r"block_?size|max_?len|max_?seq|seq_?len|max_?length|context|n_?positions|max_?position|n_?ctx|window",
        "context",
    ),
    (r"kernel|ksize|filter_?size", 3),
    (r"stride", 1),
    (r"dilation", 1),
    (r"(^|_)(pad|padding)_?(idx|id|token)|_idx$|_id$|^idx$|^id$|index$", 0),
    (r"padding|pad$", 1),
    (r"groups?$", 1),
    (r"patch", 4),
    (r"img|image|resolution|height|width$|^h$|^w$", "image"),
    (r"(^|_)(in|input|num_input|n_input)_?(channels?|chans?|planes?|nc)$|^nc$|^in_?c$|colou?r", "channels_in"),
    (r"scale|upscale|factor|ratio", 2),
    (r"steps?|iterations?|n_?iter", 2),
    (r"seed", 0),
    (r"^k$|top_?k|topk", 2),
    (r"rank", 4),
]
_FLOAT_RULES: list[tuple[str, float]] = [
    (r"drop|dropout|p_?drop", 0.0),
    (r"eps|epsilon", 1e-5),
    (r"momentum", 0.1),
    (r"temperature|temp|scale", 1.0),
    (r"alpha|beta|gamma|lambda|weight|coef", 1.0),
]
_CONFIG_NAME = re.compile(r"(^|_)(config|cfg|conf|configs|args|hparams|hps|opt|opts|options|params|hp|settings)$")
_CONFIG_CLASS = re.compile(r"(config|cfg|args|params|hparams|settings|options)$", re.IGNORECASE)
_DEFAULT_CONFIG_METHODS = ("get_default_config", "default_config", "get_config", "default_hparams")


def _role(name: str) -> int | str | None:
    lowered = name.lower()
    for pattern, value in _INT_RULES:
        if re.search(pattern, lowered):
            return value
    return None


@dataclass
class Sizes:
    """The sizes one build uses: widths divide by every head count the class mentions."""

    width: int = WIDTH

    @classmethod
    def for_heads(cls, heads: Iterable[int]) -> Sizes:
        width = WIDTH
        for h in heads:
            if isinstance(h, int) and not isinstance(h, bool) and 0 < h <= 64:
                width = width * h // math.gcd(width, h)
        return cls(width)

    def int_for(self, name: str) -> int:
        role = _role(name)
        if isinstance(role, int):
            return role
        return {
            "layers": LAYERS,
            "heads": HEADS,
            "vocab": VOCAB,
            "classes": CLASSES,
            "context": CONTEXT,
            "image": IMAGE,
            "channels_in": CHANNELS_IN,
        }.get(role or "", self.width)


def is_layer_count(name: str) -> bool:
    return _role(name) == "layers"


def float_for(name: str) -> float:
    lowered = name.lower()
    for pattern, value in _FLOAT_RULES:
        if re.search(pattern, lowered):
            return value
    return 0.5


# ---------------------------------------------------------------------------------------
# what the constructor's code does with a parameter


@dataclass
class ParamUse:
    """How a constructor's source uses one parameter (read with ast, never run)."""

    choices: list[str] = field(default_factory=list)  # string constants it is compared with
    iterated: bool = False  # for x in p, len(p), p[i] in a loop, list(p): a list
    unpacked: bool = False  # a, b = p / p[0] / p[1]: a pair
    attrs: list[str] = field(default_factory=list)  # p.attr reads, in order (a config)
    called: bool = False  # p(...): a class or function to call
    getattr_module: bool = False  # getattr(nn, p)


def _function_source(fn) -> ast.FunctionDef | None:
    try:
        src = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        return None
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return node  # type: ignore[return-value]
    return None


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _str_consts(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [s for e in node.elts for s in _str_consts(e)]
    if isinstance(node, ast.Dict):
        return [s for k in node.keys if k is not None for s in _str_consts(k)]
    return []


_ITERATING_CALLS = frozenset({"len", "list", "enumerate", "reversed", "zip", "sum", "max", "min", "tuple"})


class _UseReader:
    """One pass over a function body, one method per node kind (as ast.NodeVisitor, but
    over `ast.walk`'s flat order), recording what each parameter name is used for."""

    def __init__(self, names: Iterable[str]) -> None:
        self.uses = {n: ParamUse() for n in names}

    def read(self, fn_node: ast.FunctionDef) -> dict[str, ParamUse]:
        for node in ast.walk(fn_node):
            visit = getattr(self, f"_{type(node).__name__.lower()}", None)
            if visit is not None:
                visit(node)
        return self.uses

    def _add_choices(self, name: str, values: list[str]) -> None:
        for v in values:
            if v not in self.uses[name].choices:
                self.uses[name].choices.append(v)

    def _compare(self, node: ast.Compare) -> None:
        operands = [node.left, *node.comparators]
        for name in self.uses:
            if any(_is_name(o, name) for o in operands):
                for o in operands:
                    self._add_choices(name, _str_consts(o))

    def _subscript(self, node: ast.Subscript) -> None:
        index = node.slice
        for name, use in self.uses.items():
            if _is_name(index, name) and isinstance(node.value, ast.Dict):
                self._add_choices(name, _str_consts(node.value))
            if _is_name(node.value, name):
                if isinstance(index, ast.Constant) and isinstance(index.value, int):
                    use.unpacked = True
                else:
                    use.iterated = True

    def _call(self, node: ast.Call) -> None:
        func = node.func
        fname = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        for name, use in self.uses.items():
            if _is_name(func, name):
                use.called = True
            if fname in _ITERATING_CALLS and any(_is_name(a, name) for a in node.args):
                use.iterated = use.iterated or fname != "tuple"
            if fname == "getattr" and len(node.args) >= 2 and _is_name(node.args[1], name):
                owner = node.args[0]
                if (isinstance(owner, ast.Name) and owner.id != "self") or isinstance(owner, ast.Attribute):
                    use.getattr_module = True
            if fname == "get" and isinstance(func, ast.Attribute) and node.args and _is_name(node.args[0], name):
                # {'LSTM': ..., 'GRU': ...}.get(rnn_type)
                if isinstance(func.value, ast.Dict):
                    self._add_choices(name, _str_consts(func.value))

    def _for(self, node: ast.For | ast.comprehension) -> None:
        for name, use in self.uses.items():
            if _is_name(node.iter, name):
                use.iterated = True

    _comprehension = _for

    def _assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, (ast.Tuple, ast.List)):
                for name, use in self.uses.items():
                    if _is_name(node.value, name):
                        use.unpacked = True

    def _attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.value, ast.Name) and node.value.id in self.uses:
            attrs = self.uses[node.value.id].attrs
            if node.attr not in attrs:
                attrs.append(node.attr)

    def _starred(self, node: ast.Starred) -> None:
        for name, use in self.uses.items():
            if _is_name(node.value, name):
                use.iterated = True


def analyse_uses(fn_node: ast.FunctionDef | None, names: Iterable[str]) -> dict[str, ParamUse]:
    """For each parameter name, what the function body does with it."""
    reader = _UseReader(names)
    return reader.uses if fn_node is None else reader.read(fn_node)


# ---------------------------------------------------------------------------------------
# building config objects


class CannotFill(Exception):  # noqa: N818 - a reason, shown to the user
    """A parameter that no strategy can fill; the message names it and why."""


def _annotation(param: inspect.Parameter, hints: dict[str, Any]) -> Any:
    ann = hints.get(param.name, param.annotation)
    return None if ann is inspect.Parameter.empty else ann


def _unwrap_optional(ann: Any) -> Any:
    origin = typing.get_origin(ann)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    if origin is typing.Annotated:
        return typing.get_args(ann)[0]
    return ann


def _is_config_class(obj: Any) -> bool:
    if not inspect.isclass(obj):
        return False
    from torch import nn

    if issubclass(obj, (nn.Module, enum.Enum)) or obj.__module__ in ("builtins", "typing"):
        return False
    if dataclasses.is_dataclass(obj) or hasattr(obj, "__attrs_attrs__") or hasattr(obj, "model_fields"):
        return True
    if issubclass(obj, tuple) and hasattr(obj, "_fields"):
        return True
    return any(k.__name__ == "PretrainedConfig" for k in obj.__mro__) or bool(_CONFIG_CLASS.search(obj.__name__))


def _fields(cfg: Any) -> list[str]:
    cls = type(cfg)
    if dataclasses.is_dataclass(cfg):
        return [f.name for f in dataclasses.fields(cfg)]
    if hasattr(cls, "__attrs_attrs__"):
        return [a.name for a in cls.__attrs_attrs__]
    if hasattr(cls, "model_fields"):
        return list(cls.model_fields)
    if isinstance(cfg, tuple) and hasattr(cfg, "_fields"):
        return list(cfg._fields)
    with contextlib.suppress(TypeError):
        return [k for k in vars(cfg) if not k.startswith("_")]
    return []


def _set_field(cfg: Any, name: str, value: Any) -> Any:
    """`cfg` with `name` set to `value` (a new object for NamedTuples and frozen dataclasses)."""
    if isinstance(cfg, tuple) and hasattr(cfg, "_replace"):
        return cfg._replace(**{name: value})
    try:
        setattr(cfg, name, value)
    except (AttributeError, TypeError, ValueError, dataclasses.FrozenInstanceError):
        if dataclasses.is_dataclass(cfg):
            return dataclasses.replace(cfg, **{name: value})  # type: ignore[type-var]
        object.__setattr__(cfg, name, value)
    return cfg


def shrink_config(cfg: Any, sizes: Sizes, choices: dict[str, list[str]] | None = None) -> tuple[Any, dict[str, Any]]:
    """Layer counts down to 2 and `None` fields filled by name; returns (config, changes)."""
    changed: dict[str, Any] = {}
    for name in _fields(cfg):
        try:
            value = getattr(cfg, name)
        except Exception:  # noqa: BLE001 - a property that raises
            continue
        new: Any = value
        if isinstance(value, int) and not isinstance(value, bool) and is_layer_count(name) and value > LAYERS:
            new = LAYERS
        elif value is None:
            role = _role(name)
            if role is not None or re.search(r"dim|size|embd|emb|hidden|width|channels|features|units", name.lower()):
                new = sizes.int_for(name)
            elif re.search(r"drop|eps", name.lower()):
                new = float_for(name)
        if new is not value:
            cfg = _set_field(cfg, name, new)
            changed[name] = new
    return cfg, changed


def _config_repr(cfg: Any, changed: dict[str, Any]) -> str:
    name = type(cfg).__name__
    shown = ", ".join(f"{k}={v!r}" for k, v in changed.items())
    return f"{name}({shown})"


class AutoConfig:
    """A config object that answers every attribute the model reads, by the attribute's
    name (`n_embd` -> a width, `n_layer` -> 2, `dropout` -> 0.0), and remembers what it
    answered, so the report can say what the model was built with."""

    def __init__(self, sizes: Sizes) -> None:
        object.__setattr__(self, "_sizes", sizes)
        object.__setattr__(self, "_answered", {})

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        answered = object.__getattribute__(self, "_answered")
        if name not in answered:
            value: Any
            lowered = name.lower()
            if re.search(r"drop|eps|epsilon", lowered):
                value = float_for(name)
            elif re.search(r"^(use|is|has|add|tie|enable|with)_|bias$|flash|causal", lowered):
                value = "bias" in lowered  # biases on, switches off
            else:
                value = self._sizes.int_for(name)
            answered[name] = value
        return answered[name]

    def __setattr__(self, name: str, value: Any) -> None:
        object.__getattribute__(self, "_answered")[name] = value

    def __repr__(self) -> str:
        answered = object.__getattribute__(self, "_answered")
        return "config(" + ", ".join(f"{k}={v!r}" for k, v in answered.items()) + ")"


# ---------------------------------------------------------------------------------------
# plans


@dataclass
class BuildPlan:
    """One way to construct a class: keyword arguments (values or zero-argument makers,
    so each build gets fresh objects) and how to describe them in the report."""

    kwargs: dict[str, Any]
    strategy: str
    variant: str | None = None
    config_text: str | None = None  # e.g. "GPTConfig(n_layer=2)"
    shown: dict[str, str] = field(default_factory=dict)  # parameter -> repr for the report
    factory: Callable[[], Any] | None = None  # a no-argument function in the file that builds the class

    def construct(self, cls) -> Any:
        if self.factory is not None:
            return self.factory()
        kwargs = {k: (v() if isinstance(v, _Fresh) else v) for k, v in self.kwargs.items()}
        return cls(**kwargs)

    def described(self) -> dict[str, Any]:
        return {"kwargs": dict(self.shown), "config": self.config_text, "strategy": self.strategy}


class _Fresh:
    """A value built anew at every construction (a config the model may mutate)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make

    def __call__(self) -> Any:
        return self.make()


@dataclass
class _Filled:
    value: Any
    shown: str
    config: str | None = None
    strategy: str = ""
    alternatives: list[tuple[Any, str]] = field(default_factory=list)  # other forms to try (value, shown)


def _config_candidates(module_ns: dict[str, Any], ann: Any, use: ParamUse) -> list[type]:
    """Config classes to try for a config parameter: the annotation, else the module's
    config classes, best match first (most of the attributes the model reads)."""
    if ann is not None and inspect.isclass(ann) and not _is_builtin(ann):
        return [ann]
    found = []
    seen = set()
    for obj in module_ns.values():
        if _is_config_class(obj) and id(obj) not in seen:
            seen.add(id(obj))
            found.append(obj)

    def score(c: type) -> tuple[int, int]:
        names = set(_class_field_names(c))
        return (len(names & set(use.attrs)), -len(names))

    found.sort(key=score, reverse=True)
    if use.attrs:
        found = [c for c in found if score(c)[0] > 0] or []
    return found


def _class_field_names(c: type) -> list[str]:
    if dataclasses.is_dataclass(c):
        return [f.name for f in dataclasses.fields(c)]
    if hasattr(c, "__attrs_attrs__"):
        return [a.name for a in c.__attrs_attrs__]  # type: ignore[attr-defined]
    if hasattr(c, "model_fields"):
        return list(c.model_fields)  # type: ignore[attr-defined]
    if hasattr(c, "_fields"):
        return list(c._fields)  # type: ignore[attr-defined]
    names = [k for k in vars(c) if not k.startswith("_") and not callable(getattr(c, k, None))]
    with contextlib.suppress(TypeError, ValueError):
        names += [p for p in inspect.signature(c).parameters if p not in ("self", "args", "kwargs")]
    return names


def _is_builtin(ann: Any) -> bool:
    return getattr(ann, "__module__", "") in ("builtins", "typing", "collections.abc", "torch")


def build_config(cfg_cls: type, sizes: Sizes, module_ns: dict[str, Any]) -> tuple[Any, str]:
    """An instance of `cfg_cls` from its own defaults, required fields filled by name,
    layer counts shrunk; and its description. Raises CannotFill."""
    kwargs: dict[str, Any] = {}
    try:
        sig = inspect.signature(cfg_cls)
    except (TypeError, ValueError):
        sig = None
    if sig is not None:
        hints = _hints(cfg_cls)
        for p in sig.parameters.values():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            if p.default is inspect.Parameter.empty:
                filled = _fill_simple(p.name, _annotation(p, hints), sizes, ParamUse())
                if filled is None:
                    raise CannotFill(
                        f"config field `{cfg_cls.__name__}.{p.name}` has no default and no recognised name"
                    )
                kwargs[p.name] = filled.value
            elif isinstance(p.default, int) and not isinstance(p.default, bool) and is_layer_count(p.name):
                if p.default > LAYERS:
                    kwargs[p.name] = LAYERS
    try:
        cfg = cfg_cls(**kwargs)
    except Exception as exc:  # noqa: BLE001
        raise CannotFill(f"config class {cfg_cls.__name__} could not be built: {type(exc).__name__}: {exc}") from exc
    cfg, changed = shrink_config(cfg, sizes)
    return cfg, _config_repr(cfg, {**kwargs, **changed})


def _hints(obj: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(obj.__init__ if inspect.isclass(obj) else obj)
    except Exception:  # noqa: BLE001 - unresolvable forward references
        return {}


def _fill_simple(name: str, ann: Any, sizes: Sizes, use: ParamUse) -> _Filled | None:
    """An int, float, bool, list, tuple, dtype or device for `name`, or None."""
    import torch

    ann = _unwrap_optional(ann) if ann is not None else None
    origin = typing.get_origin(ann) if ann is not None else None
    lowered = name.lower()
    if ann is torch.dtype or lowered == "dtype" or lowered.endswith("_dtype"):
        return _Filled(torch.float32, "torch.float32")
    if ann is torch.device or lowered == "device" or lowered.endswith("_device"):
        return _Filled(None, "None")
    if ann is bool:
        return _Filled(False, "False")
    if ann is float or (ann is None and re.search(r"drop|eps|epsilon|momentum", lowered)):
        value = float_for(name)
        return _Filled(value, repr(value))
    element = sizes.int_for(_singular(name))
    if origin in (list, typing.List, Iterable) or ann in (list,) or (ann is None and use.iterated and not use.unpacked):  # noqa: UP006
        value_list = [element] * LIST_LEN
        pair_alt = (element,) * LIST_LEN
        return _Filled(
            value_list, repr(value_list), alternatives=[(pair_alt, repr(pair_alt)), (element, repr(element))]
        )
    if origin in (tuple, typing.Tuple) or ann is tuple or (ann is None and use.unpacked):  # noqa: UP006
        role = _role(name)
        pair = (sizes.int_for(name) if role is not None else IMAGE,) * 2  # a spatial size unless named otherwise
        return _Filled(pair, repr(pair), alternatives=[(list(pair), repr(list(pair)))])
    if ann is int or ann is None:
        if ann is None and (
            use.called or use.attrs or use.choices or (_role(name) is None and _MODULE_NAME.search(lowered))
        ):
            return None
        value = sizes.int_for(name)
        alternatives: list[tuple[Any, str]] = []
        if _role(name) in (3, "image") or re.search(r"kernel|stride|padding|size", lowered):
            alternatives.append(((value, value), repr((value, value))))
        return _Filled(value, repr(value), alternatives=alternatives)
    return None


# names of parameters that take a module, a class or a function: never an integer
_MODULE_NAME = re.compile(
    r"^model$|^(\w+_)?(encoder|decoder|module|net|network|backbone|block|cell|controller|activation|act|norm_layer|fn|"
    r"func|function|callback|criterion|loss|optimizer|tokenizer|factory|builder|cls)$"
)


def _singular(name: str) -> str:
    """`num_channels` -> `num_channel`: the element of a list of widths is one width."""
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


@dataclass
class ConstructorPlans:
    plans: list[BuildPlan]
    reason: str | None = None  # why no plan exists, naming the parameter
    missing: list[str] = field(default_factory=list)


def _module_dict_choices(node: ast.FunctionDef | None, module_ns: dict[str, Any], uses: dict[str, ParamUse]) -> None:
    """`cfg[vgg_name]` where `cfg` is a dict of the module: its string keys are the choices."""
    if node is None:
        return
    for sub in ast.walk(node):
        if (
            isinstance(sub, ast.Subscript)
            and isinstance(sub.slice, ast.Name)
            and sub.slice.id in uses
            and isinstance(sub.value, ast.Name)
        ):
            table = module_ns.get(sub.value.id)
            if isinstance(table, dict):
                for key in table:
                    if isinstance(key, str) and key not in uses[sub.slice.id].choices:
                        uses[sub.slice.id].choices.append(key)


def _choice_values(name: str, ann: Any, use: ParamUse) -> list[tuple[Any, str]] | None:
    ann = _unwrap_optional(ann) if ann is not None else None
    if inspect.isclass(ann) and issubclass(ann, enum.Enum):
        return [(m, m.name) for m in ann]
    if typing.get_origin(ann) is typing.Literal:
        return [(v, str(v)) for v in typing.get_args(ann)]
    if use.choices and (ann in (None, str)):
        return [(c, c) for c in use.choices]
    return None


def _default_config_method(cls) -> Callable[[], Any] | None:
    for attr in _DEFAULT_CONFIG_METHODS:
        fn = inspect.getattr_static(cls, attr, None)
        if isinstance(fn, (staticmethod, classmethod)):
            return getattr(cls, attr)
    return None


def _config_choices(cls, cfg: Any) -> dict[str, list[str]]:
    """String choices for a config's fields, read from the constructor's code: `{...}[config.model_type]`."""
    choices: dict[str, list[str]] = {}
    node = _function_source(cls.__init__)
    if node is None:
        return choices
    for sub in ast.walk(node):
        if isinstance(sub, ast.Subscript) and isinstance(sub.value, ast.Dict) and isinstance(sub.slice, ast.Attribute):
            choices.setdefault(sub.slice.attr, []).extend(_str_consts(sub.value))
        if isinstance(sub, ast.Compare):
            for o in [sub.left, *sub.comparators]:
                if isinstance(o, ast.Attribute):
                    for other in [sub.left, *sub.comparators]:
                        choices.setdefault(o.attr, []).extend(_str_consts(other))
    return {k: v for k, v in choices.items() if v}


def _fill_config(
    cls, name: str, ann: Any, use: ParamUse, sizes: Sizes, module_ns: dict[str, Any]
) -> tuple[list[tuple[_Fresh, str]], str | None]:
    """Ways to fill a config parameter, in order, each (maker, description); or a reason."""
    found: list[tuple[_Fresh, str]] = []
    reasons = []
    method = _default_config_method(cls)
    if method is not None:
        try:
            base = method()
            cfg, changed = shrink_config(base, sizes)
            text = f"{cls.__name__}.{method.__name__}() with " + _config_repr(cfg, changed)
            choices = _config_choices(cls, cfg)

            def make_default(method=method) -> Any:
                return shrink_config(method(), sizes)[0]

            found.append((_Fresh(make_default), text))
            # a string field whose value the constructor does not know (minGPT's model_type
            # "gpt" when the sizes are given): cleared, so the sizes decide
            stale = [
                f
                for f in _fields(cfg)
                if isinstance(getattr(cfg, f, None), str) and f in choices and getattr(cfg, f) not in choices[f]
            ]
            if stale:

                def make_cleared(method=method, stale=tuple(stale)) -> Any:
                    c = shrink_config(method(), sizes)[0]
                    for f in stale:
                        c = _set_field(c, f, None)
                    return c

                cleared = ", ".join(f"{f}=None" for f in stale)
                found.insert(0, (_Fresh(make_cleared), text[:-1] + (", " if changed else "") + cleared + ")"))
        except Exception as exc:  # noqa: BLE001
            reasons.append(f"{cls.__name__}.{method.__name__}() raised {type(exc).__name__}: {exc}")
    for cfg_cls in _config_candidates(module_ns, ann, use):
        try:
            _, text = build_config(cfg_cls, sizes, module_ns)
        except CannotFill as exc:
            reasons.append(str(exc))
            continue

        def make(cfg_cls=cfg_cls) -> Any:
            return build_config(cfg_cls, sizes, module_ns)[0]

        found.append((_Fresh(make), text))
    if ann is None or not inspect.isclass(ann) or _is_builtin(ann):

        def make_auto() -> Any:
            return AutoConfig(sizes)

        found.append((_Fresh(make_auto), "config object answering by attribute name"))
    return found, ("; ".join(reasons) or None)


@dataclass
class _Filling:
    """What the required constructor parameters got: plain values (with the other forms
    some can take), config makers, string/enum choices, and the ones nothing fills."""

    fixed: dict[str, Any] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)
    alternatives: dict[str, list[tuple[Any, str]]] = field(default_factory=dict)
    variant_params: list[tuple[str, list[tuple[Any, str]]]] = field(default_factory=list)
    config_params: list[tuple[str, list[tuple[_Fresh, str]]]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def _is_config_param(name: str, plain_ann: Any, use: ParamUse) -> bool:
    return (
        _CONFIG_NAME.search(name.lower()) is not None
        or (plain_ann is not None and _is_config_class(plain_ann))
        or (plain_ann is None and len(use.attrs) >= 2 and not use.called)
    )


def _fill_required(cls, required: list[inspect.Parameter], uses, sizes: Sizes, module_ns: dict[str, Any]) -> _Filling:
    hints = _hints(cls)
    out = _Filling()
    for p in required:
        ann = _annotation(p, hints)
        use = uses[p.name]
        choices = _choice_values(p.name, ann, use)
        if choices:
            out.variant_params.append((p.name, choices))
            continue
        plain_ann = _unwrap_optional(ann) if ann is not None else None
        if _is_config_param(p.name, plain_ann, use):
            ways, why = _fill_config(cls, p.name, plain_ann, use, sizes, module_ns)
            if ways:
                out.config_params.append((p.name, ways))
            else:
                out.missing.append(p.name)
                out.reasons.append(f"`{p.name}`: {why or 'no config class found'}")
            continue
        filled = _fill_simple(p.name, ann, sizes, use)
        if filled is None:
            out.missing.append(p.name)
            what = (
                "it is called (a class or function?)" if use.called else "its name and annotation say nothing about it"
            )
            out.reasons.append(f"`{p.name}`: {what}")
            continue
        out.fixed[p.name] = filled.value
        out.shown[p.name] = filled.shown
        if filled.alternatives:
            out.alternatives[p.name] = filled.alternatives
    return out


def _expanded_plans(f: _Filling) -> list[BuildPlan]:
    """Every variant (one per choice) x every config way x every fill (the plain one, then
    one parameter at a time in its other form: a kernel as a pair, widths as a tuple)."""
    config_ways: list[list[tuple[str, _Fresh, str]]] = [[]]
    for name, ways in f.config_params:
        config_ways = [prev + [(name, maker, text)] for prev in config_ways for maker, text in ways]
    variants: list[list[tuple[str, Any, str]]] = [[]]
    for name, choices in f.variant_params:
        variants = [prev + [(name, v, label)] for prev in variants for v, label in choices]
    fills: list[tuple[dict[str, Any], dict[str, str]]] = [(f.fixed, f.shown)]
    for pname, alts in f.alternatives.items():
        for value, text in alts:
            fills.append(({**f.fixed, pname: value}, {**f.shown, pname: text}))
    by_name = ["parameters filled by name"] if f.fixed else []
    plans = []
    for variant, ways, (fixed, shown) in itertools.product(variants, config_ways, fills[:6]):
        kwargs = dict(fixed)
        kw_shown = dict(shown)
        for name, v, _label in variant:
            kwargs[name] = v
            kw_shown[name] = repr(v) if not isinstance(v, enum.Enum) else f"{type(v).__name__}.{v.name}"
        config_text = None
        for name, maker, text in ways:
            kwargs[name] = maker
            config_text = text if config_text is None else f"{config_text}; {text}"
        strategy = ", ".join([*by_name, *(["config from defaults"] if ways else [])])
        if variant:
            strategy = (strategy + ", " if strategy else "") + "choice read from the constructor"
        plans.append(
            BuildPlan(
                kwargs,
                strategy or "parameters filled by name",
                variant=",".join(label for _, _, label in variant) or None,
                config_text=config_text,
                shown=kw_shown,
            )
        )
    return plans


def plan_constructor(cls, module_ns: dict[str, Any]) -> ConstructorPlans:
    """Ways to build `cls` with no arguments from the user, best first; variants for
    string/enum choices. Plans are not tried here (see `first_buildable`)."""
    try:
        sig = inspect.signature(cls.__init__)
    except (TypeError, ValueError):
        return ConstructorPlans([BuildPlan({}, "no arguments")])
    params = [
        p
        for p in list(sig.parameters.values())[1:]
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    required = [p for p in params if p.default is inspect.Parameter.empty]
    if not required:
        return ConstructorPlans([BuildPlan({}, "defaults")])
    init_node = _function_source(cls.__init__)
    uses = analyse_uses(init_node, [p.name for p in params])
    heads = [p.default for p in params if p.default is not inspect.Parameter.empty and _role(p.name) == "heads"]
    _module_dict_choices(init_node, module_ns, uses)
    filling = _fill_required(cls, required, uses, Sizes.for_heads(heads), module_ns)
    if filling.missing:
        return ConstructorPlans([], "cannot fill " + "; ".join(filling.reasons), filling.missing)
    return ConstructorPlans(_expanded_plans(filling))


def factory_plans(cls, module_ns: dict[str, Any], module_name: str) -> list[BuildPlan]:
    """No-argument functions in the file whose code returns `cls(...)` (`def ResNet18():
    return ResNet(BasicBlock, [2, 2, 2, 2])`): the author's own way to build it."""
    plans = []
    for fname, fn in module_ns.items():
        if not inspect.isfunction(fn) or fn.__module__ != module_name or fname.startswith("_"):
            continue
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            continue
        if any(
            p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
            for p in sig.parameters.values()
        ):
            continue
        node = _function_source(fn)
        if node is None:
            continue
        returns = [
            r
            for r in ast.walk(node)
            if isinstance(r, ast.Return)
            and isinstance(r.value, ast.Call)
            and isinstance(r.value.func, ast.Name)
            and r.value.func.id == cls.__name__
        ]
        if returns:
            plans.append(BuildPlan({}, f"factory {fname}() in the file", factory=fn, config_text=None))
    # the smallest first: fewer characters of arguments is usually the smaller model
    return plans[:3]


def choices_summary(plans: list[BuildPlan]) -> list[str | None]:
    seen: list[str | None] = []
    for p in plans:
        if p.variant not in seen:
            seen.append(p.variant)
    return seen
