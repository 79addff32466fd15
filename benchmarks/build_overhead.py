"""What automatic building costs on files that already have example_inputs().

For each file, in one process and one run, side by side:

- **auto**: `discover_file` (import, top-level models, constructor plans tried on the meta
  device, input strategies) then `check_target` for each model: today's path;
- **direct**: the old path: import the file, build each class that has example_inputs()
  with `cls()` and call it, then the same `check_target`.

Each is the median of --repeat runs (each import is fresh). The ratio auto/direct of the
totals must stay <= 2 (issue 17); printed at the end.

`--realcode` measures the same on the real-code primer's files (benchmarks/realcode/, as
fetched, none with example_inputs()): **auto** is the file checked as it is (the builder
finds constructor arguments and inputs); **direct** is the hand-written harness factory
for each of its models (benchmarks/realcode/harness/), the code a user would otherwise
write. Files the builder cannot check as they are, or whose files are not fetched, are
left out and listed.

    .venv/bin/python benchmarks/build_overhead.py
    .venv/bin/python benchmarks/build_overhead.py --realcode
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


REALCODE = ROOT / "benchmarks" / "realcode"


def _forget_under(folder: Path) -> None:
    """Drop every module loaded from below `folder`, so the next run imports them again."""
    for name, m in list(sys.modules.items()):
        file = getattr(m, "__file__", None)
        if file and Path(file).resolve().is_relative_to(folder):
            del sys.modules[name]


def auto_realcode(path: Path) -> tuple[float, int, bool]:
    """The file as it is: (seconds, models, every model checked)."""
    from typecheck_nn.run.check import check_target
    from typecheck_nn.run.discover import discover_file

    _forget_under(REALCODE)
    t0 = time.perf_counter()
    found = discover_file(str(path), None, fresh=True, overrides={})
    results = [check_target(t, with_graph=False) for t in found.targets]
    return time.perf_counter() - t0, len(results), bool(results) and all(r.error is None for r in results)


def direct_realcode(harness: Path, factories: list[str]) -> tuple[float, int]:
    """The harness: import it, and check what each factory builds."""
    import importlib.util

    from typecheck_nn.run.check import check_target
    from typecheck_nn.run.discover import ModelTarget

    _forget_under(REALCODE)
    t0 = time.perf_counter()
    spec = importlib.util.spec_from_file_location(f"harness_{harness.stem}", harness)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    targets = []
    for name in factories:

        def build(device, factory=getattr(module, name)):
            model, args = factory()
            return model, tuple(args), {}

        targets.append(ModelTarget(name, str(harness), build))
    results = [check_target(t, with_graph=False) for t in targets]
    assert all(r.error is None for r in results), [r.error for r in results]
    return time.perf_counter() - t0, len(results)


def _realcode_rows(repeat: int) -> tuple[list[tuple], list[str]]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from primer_realcode import load_manifest

    rows, left_out = [], []
    for entry in load_manifest():
        path, models = REALCODE / "files" / entry["local"], entry.get("model", [])
        if not models:  # a helper file the models import: nothing to measure
            continue
        if not path.exists():
            left_out.append(f"{entry['local']} (not fetched)")
            continue
        a_times, d_times, ok = [], [], True
        for _ in range(repeat):
            a, n_auto, ok = auto_realcode(path)
            if not ok:
                break
            d, n_direct = direct_realcode(REALCODE / entry["harness"], [m["factory"] for m in models])
            a_times.append(a)
            d_times.append(d)
        if not ok:
            left_out.append(f"{entry['local']} (not checked as it is)")
            continue
        rows.append((entry["local"], n_direct, statistics.median(d_times), n_auto, statistics.median(a_times)))
    return rows, left_out


def _example_rows(repeat: int) -> list[tuple]:
    rows = []
    for rel in FILES:
        path = str(ROOT / rel)
        a_times, d_times = [], []
        n_auto = n_direct = 0
        for _ in range(repeat):
            d, n_direct = direct(path)
            a, n_auto = auto(path)
            d_times.append(d)
            a_times.append(a)
        rows.append((rel, n_direct, statistics.median(d_times), n_auto, statistics.median(a_times)))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--realcode", action="store_true", help="the real-code files against their harnesses")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    from typecheck_nn.run.worker import _warm_up

    _warm_up()
    left_out: list[str] = []
    if args.realcode:
        sys.path.insert(0, str(REALCODE / "harness"))
        from _realcode import allow_torchvision_import

        allow_torchvision_import()  # as the primer and the harnesses do
        rows, left_out = _realcode_rows(args.repeat)
    else:
        rows = _example_rows(args.repeat)
    width = max(len(r[0]) for r in rows) + 1
    print(f"{'file':<{width}} {'models':>6} {'direct s':>9} {'models':>6} {'auto s':>8} {'ratio':>6}")
    for rel, nd, d, na, a in rows:
        print(f"{rel:<{width}} {nd:>6} {d:>9.3f} {na:>6} {a:>8.3f} {a / d:>6.2f}")
    total_d = sum(r[2] for r in rows)
    total_a = sum(r[4] for r in rows)
    ratio = total_a / total_d
    print(f"{'total':<{width}} {'':>6} {total_d:>9.3f} {'':>6} {total_a:>8.3f} {ratio:>6.2f}")
    if left_out:
        print(f"left out ({len(left_out)}): " + ", ".join(left_out))
    n_d, n_a = sum(r[1] for r in rows), sum(r[3] for r in rows)
    if n_a != n_d:  # variants (RNNModel[LSTM], [GRU]...) are models the harness did not check
        per = (total_a / n_a) / (total_d / n_d)
        print(
            f"per model checked: {total_a / n_a:.3f} s auto ({n_a} models) vs {total_d / n_d:.3f} s direct "
            f"({n_d} models): {per:.2f}x"
        )
    print(f"automatic building costs {ratio:.2f}x the direct path (limit 2x)")
    return 0 if ratio <= 2.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
