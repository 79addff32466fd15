"""What automatic building costs on files that already have example_inputs().

For each file, in one process and one run, side by side:

- **auto**: `discover_file` (import, top-level models, constructor plans tried on the meta
  device, input strategies) then `check_target` for each model: today's path;
- **direct**: the old path: import the file, build each class that has example_inputs()
  with `cls()` and call it, then the same `check_target`.

Each is the median of --repeat runs (each import is fresh). The ratio auto/direct of the
totals must stay <= 2 (issue 17); printed at the end.

    .venv/bin/python benchmarks/build_overhead.py
"""

from __future__ import annotations

import argparse
import inspect
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = [
    "examples/rnns.py",
    "tests/fixtures/html_small_rnn.py",
    "tests/fixtures/html_lstm.py",
    "tests/fixtures/html_lstm_lm.py",
    "tests/fixtures/html_resnet.py",
    "tests/fixtures/html_transformer.py",
]


def _forget(path: str) -> None:
    """Drop the file's module so that the next import runs it again."""
    for name in [n for n, m in sys.modules.items() if getattr(m, "__file__", None) == path]:
        del sys.modules[name]


def auto(path: str) -> tuple[float, int]:
    from typecheck_nn.run.check import check_target
    from typecheck_nn.run.discover import discover_file

    _forget(path)
    t0 = time.perf_counter()
    found = discover_file(path, None, fresh=True, overrides={})
    results = [check_target(t, with_graph=False) for t in found.targets]
    assert all(r.error is None for r in results), [r.error for r in results]
    return time.perf_counter() - t0, len(results)


def direct(path: str) -> tuple[float, int]:
    import torch
    from torch import nn

    from typecheck_nn.run.check import check_target
    from typecheck_nn.run.discover import ModelTarget, _example_inputs, import_file

    _forget(path)
    t0 = time.perf_counter()
    module = import_file(path, fresh=True)
    targets = []
    for name, cls in vars(module).items():
        if inspect.isclass(cls) and issubclass(cls, nn.Module) and cls.__module__ == module.__name__:
            if callable(getattr(cls, "example_inputs", None)):

                def build(device, cls=cls):
                    with torch.device(device) if device else torch.device("cpu"):
                        model = cls()
                        args, kwargs = _example_inputs(model)  # type: ignore[misc]
                    return model, args, kwargs

                targets.append(ModelTarget(name, path, build))
    results = [check_target(t, with_graph=False) for t in targets]
    assert all(r.error is None for r in results), [r.error for r in results]
    return time.perf_counter() - t0, len(results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    from typecheck_nn.run.worker import _warm_up

    _warm_up()
    rows = []
    for rel in FILES:
        path = str(ROOT / rel)
        a_times, d_times = [], []
        n_auto = n_direct = 0
        for _ in range(args.repeat):
            d, n_direct = direct(path)
            a, n_auto = auto(path)
            d_times.append(d)
            a_times.append(a)
        rows.append((rel, n_direct, statistics.median(d_times), n_auto, statistics.median(a_times)))
    print(f"{'file':<36} {'models':>6} {'direct s':>9} {'models':>6} {'auto s':>8} {'ratio':>6}")
    for rel, nd, d, na, a in rows:
        print(f"{rel:<36} {nd:>6} {d:>9.3f} {na:>6} {a:>8.3f} {a / d:>6.2f}")
    total_d = sum(r[2] for r in rows)
    total_a = sum(r[4] for r in rows)
    ratio = total_a / total_d
    print(f"{'total':<36} {'':>6} {total_d:>9.3f} {'':>6} {total_a:>8.3f} {ratio:>6.2f}")
    print(f"automatic building costs {ratio:.2f}x the direct path (limit 2x)")
    return 0 if ratio <= 2.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
