"""Decide from source alone (libcst, no import) whether a file may hold a checkable model.

Checking a file imports it, and importing runs its top-level code: a training script
found while scanning a folder would start training. So a file is imported only when its
source has a top-level class that either

- subclasses `nn.Module`: directly (`nn.Module`, `torch.nn.Linear`, `Module` imported
  from torch.nn), through PyTorch Lightning's `LightningModule`, or through a base class
  defined in the same file or imported from the same folder or package; or
- defines example inputs (`example_inputs` or `example_input_array`, including
  `self.example_input_array = ...` in a method).

The scan errs on the side of importing: a file libcst cannot parse is imported (the
import then reports the syntax error with its line), and a base named `...Module` whose
origin cannot be resolved (a star import) counts as a module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import libcst as cst

INPUT_NAMES = frozenset({"example_inputs", "example_input_array"})
_LIGHTNING = ("pytorch_lightning", "lightning", "lightning.pytorch")


@dataclass(frozen=True)
class ClassInfo:
    name: str
    bases: tuple[str, ...]  # dotted source text of each base, e.g. "nn.Module"
    declares_inputs: bool


@dataclass
class FileScan:
    """What the scan saw in one file: its top-level classes and what its names import."""

    path: str
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)  # local name -> dotted origin ("." prefixes relative)
    star_imports: list[str] = field(default_factory=list)  # `from .base import *`: ".base"
    parse_error: str | None = None


@dataclass(frozen=True)
class Verdict:
    """Whether to import the file, and why (the reason names what was found or missing)."""

    importable: bool
    reason: str


def _dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr.value}" if inner else None
    if isinstance(node, cst.Subscript):  # Generic[T], nn.Module subclasses with type params
        return _dotted(node.value)
    return None


def _module_name(node: cst.BaseExpression | None, dots: int) -> str:
    name = _dotted(node) if node is not None else ""
    return "." * dots + (name or "")


class _InputsFinder(cst.CSTVisitor):
    """Anything in a class body that defines example inputs."""

    def __init__(self) -> None:
        self.found = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.name.value in INPUT_NAMES:
            self.found = True

    def _target(self, target: cst.BaseExpression) -> None:
        if (isinstance(target, cst.Name) and target.value in INPUT_NAMES) or (
            isinstance(target, cst.Attribute) and target.attr.value in INPUT_NAMES
        ):
            self.found = True

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._target(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._target(node.target)


class _Scanner(cst.CSTVisitor):
    def __init__(self, scan: FileScan) -> None:
        self.scan = scan
        self.depth = 0  # inside a function or class body: not top level

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            dotted = _dotted(alias.name) or ""
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.scan.imports[alias.asname.name.value] = dotted
            else:
                top = dotted.split(".")[0]
                self.scan.imports.setdefault(top, top)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = _module_name(node.module, len(node.relative))
        if isinstance(node.names, cst.ImportStar):
            self.scan.star_imports.append(module)
            return
        for alias in node.names:
            name = _dotted(alias.name) or ""
            local = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else name
            joiner = "" if module.endswith(".") else "."
            self.scan.imports[local] = f"{module}{joiner}{name}" if module else name

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.depth += 1
        return True

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.depth -= 1

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        if self.depth == 0:
            bases = tuple(b for b in (_dotted(arg.value) for arg in node.bases if arg.keyword is None) if b)
            finder = _InputsFinder()
            node.body.visit(finder)
            self.scan.classes[node.name.value] = ClassInfo(node.name.value, bases, finder.found)
        self.depth += 1
        return True

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.depth -= 1


def scan_source(source: bytes | str, path: str) -> FileScan:
    """The classes and imports of one file's source; `parse_error` set when libcst fails."""
    scan = FileScan(path)
    try:
        module = cst.parse_module(source)
    except (cst.ParserSyntaxError, UnicodeDecodeError, ValueError) as exc:
        scan.parse_error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return scan
    module.visit(_Scanner(scan))
    return scan


@lru_cache(maxsize=4096)
def _scan_file(path: str, mtime_ns: int) -> FileScan:
    try:
        source = Path(path).read_bytes()
    except OSError as exc:
        scan = FileScan(path)
        scan.parse_error = exc.strerror or str(exc)
        return scan
    return scan_source(source, path)


def scan_file(path: str | Path) -> FileScan:
    """Scan a file (cached per modification time, so a package's base file is read once)."""
    p = str(path)
    try:
        mtime = Path(p).stat().st_mtime_ns
    except OSError:
        mtime = -1
    return _scan_file(p, mtime)


def _package_root(directory: Path) -> Path:
    """The folder above the outermost package (`__init__.py` chain) containing `directory`."""
    while (directory / "__init__.py").exists():
        directory = directory.parent
    return directory


def _module_file(origin: str, here: Path) -> tuple[Path, str] | None:
    """(file, class name) for an imported name `origin` that lives in this folder or package.

    `origin` is `module.Class` or `.module.Class` (relative). Only sources next to the
    importing file or inside its package are followed: a model's own base classes.
    """
    dots = len(origin) - len(origin.lstrip("."))
    parts = origin.lstrip(".").split(".")
    if len(parts) < 2 and not dots:
        return None
    cls, module_parts = parts[-1], parts[:-1]
    if dots:
        base = here
        for _ in range(dots - 1):
            base = base.parent
        candidates = [base]
    else:
        candidates = [here, _package_root(here)]
    for base in candidates:
        stem = base.joinpath(*module_parts) if module_parts else base
        for candidate in (stem.with_suffix(".py") if module_parts else None, stem / "__init__.py"):
            if candidate is not None and candidate.is_file():
                return candidate, cls
    return None


def _is_torch_module(origin: str) -> bool:
    return origin.startswith("torch.nn.") or origin == "torch.nn.Module"


def _is_lightning(origin: str) -> bool:
    return origin.endswith("LightningModule") and (
        origin == "LightningModule" or any(origin.startswith(p + ".") for p in _LIGHTNING)
    )


class _Resolver:
    """Follows base classes across the file and its package, with a cycle guard."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, str]] = set()
        self.seen_inputs: set[tuple[str, str]] = set()

    def is_module(self, scan: FileScan, cls: str) -> bool:
        key = (scan.path, cls)
        if key in self.seen:
            return False
        self.seen.add(key)
        info = scan.classes.get(cls)
        if info is None:  # re-exported by this module (a package's __init__.py)
            local = self._local_class(scan, cls)
            return local is not None and local[0].path != scan.path and self.is_module(*local)
        return any(self._base_is_module(scan, base) for base in info.bases)

    def declares_inputs(self, scan: FileScan, cls: str) -> bool:
        key = (scan.path, cls)
        if key in self.seen_inputs:
            return False
        self.seen_inputs.add(key)
        info = scan.classes.get(cls)
        if info is None:
            return False
        if info.declares_inputs:
            return True
        for base in info.bases:
            found = self._local_class(scan, base)
            if found is not None and self.declares_inputs(*found):
                return True
        return False

    def _local_class(self, scan: FileScan, base: str) -> tuple[FileScan, str] | None:
        head, _, rest = base.partition(".")
        if not rest and head in scan.classes:
            return scan, head
        origin = scan.imports.get(head)
        if origin is None:
            return self._star_class(scan, base) if not rest else None
        origin = f"{origin}.{rest}" if rest else origin
        located = _module_file(origin, Path(scan.path).parent)
        if located is None:
            return None
        return scan_file(located[0]), located[1]

    def _star_class(self, scan: FileScan, name: str) -> tuple[FileScan, str] | None:
        """`name` defined by a module this file star-imports (a package's `__init__.py`
        re-exporting `from .base import *`), followed within the folder or package."""
        for star in scan.star_imports:
            joiner = "" if star.endswith(".") else "."
            located = _module_file(f"{star}{joiner}{name}", Path(scan.path).parent)
            if located is None:
                continue
            found = scan_file(located[0])
            if name in found.classes or name in found.imports:
                return found, name
        return None

    def _base_is_module(self, scan: FileScan, base: str) -> bool:
        head, _, rest = base.partition(".")
        origin = scan.imports.get(head)
        full = (f"{origin}.{rest}" if rest else origin) if origin is not None else base
        if _is_torch_module(full) or _is_lightning(full):
            return True
        local = self._local_class(scan, base)
        if local is not None:
            return self.is_module(*local)
        # unresolved (star import, or a name from a package we do not follow)
        return origin is None and full.split(".")[-1] in ("Module", "LightningModule")


def verdict(path: str | Path) -> Verdict:
    """Whether `path` should be imported to look for models, with the reason."""
    scan = scan_file(path)
    if scan.parse_error is not None:
        return Verdict(True, f"libcst could not parse it ({scan.parse_error}); imported to find out")
    for name in scan.classes:
        if _Resolver().is_module(scan, name):
            return Verdict(True, f"{name} subclasses nn.Module")
        if _Resolver().declares_inputs(scan, name):
            return Verdict(True, f"{name} defines example inputs")
    return Verdict(False, "no nn.Module subclass or class with example inputs; not imported")
