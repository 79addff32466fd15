"""List functions longer than a limit (from the `def` line to the last line, decorators
not counted), methods and nested functions included; exits 1 when there are any.

    python scripts/function_lengths.py [FOLDER] [--limit 60]

Why: long functions in the package were split to at most 60 lines; this keeps that
checkable without a new lint dependency.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path


def long_functions(root: Path, limit: int) -> list[tuple[Path, int, str, int]]:
    """(file, line, qualified name, length) of every function over `limit` lines."""
    out = []
    for path in sorted(root.rglob("*.py")):
        stack: list[tuple[ast.AST, str]] = [(ast.parse(path.read_text()), "")]
        while stack:
            node, qual = stack.pop()
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    name = f"{qual}.{child.name}" if qual else child.name
                    length = (child.end_lineno or child.lineno) - child.lineno + 1
                    if not isinstance(child, ast.ClassDef) and length > limit:
                        out.append((path, child.lineno, name, length))
                    stack.append((child, name))
                else:
                    stack.append((child, qual))
    return sorted(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default="typecheck_nn")
    parser.add_argument("--limit", type=int, default=60)
    args = parser.parse_args()
    found = long_functions(Path(args.root), args.limit)
    for path, line, name, length in found:
        print(f"{path}:{line}: {name} is {length} lines")
    print(f"{len(found)} function(s) over {args.limit} lines in {args.root}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
