"""The runner's speed, side by side in one run (issue 9).

    .venv/bin/python benchmarks/runner_speed.py [--repeat N]

1. `typecheck-nn --help` against `python -c "import torch"`: help must not pay for torch.
2. One small file (examples/rnns.py): the default (one worker process) against `-j1`
   (in-process, which is how every check ran before the runner): isolation must not
   make the common case slower.
3. A folder of 20 small model files with `-j1` against `-j2`.
4. A 32-layer, d=4096 Llama-style model (benchmarks/models/llama7b.py, ~6.7B parameters,
   27 GB of float32 weights): wall time and peak RSS of the checking process (`-j1`, so
   that the process measured is the one that builds and traces). It must stay under 3 GB.

Measurements of one comparison are interleaved (a, b, a, b, ...) and medians reported,
so that a machine busy with other work slows both sides alike.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
CLI = [PYTHON, "-m", "typecheck_nn.cli"]

SMALL = """import torch
from torch import nn


class Gated{i}(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Linear(8, 16)
        self.f = nn.Linear(8, 16)

    def forward(self, xs):
        h = xs.new_zeros(xs.shape[1], 16)
        for x in xs:
            f = torch.sigmoid(self.f(x))
            h = f * h + (1 - f) * self.w(x)
        return h

    def example_inputs(self):
        return (torch.randn(4, 2, 8),)
"""


def timed(cmd: list[str], cwd: Path = REPO) -> tuple[float, int, int]:
    """(seconds, exit code, peak RSS in MB of the largest process it waited for)."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0, proc.returncode, 0


def peak_rss_of(cmd: list[str], cwd: Path = REPO) -> tuple[float, int, float]:
    """Run `cmd` in a fresh Python that reports its child's peak RSS (ru_maxrss is per
    process tree of waited-for children, so measure from a dedicated parent)."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "t0 = time.perf_counter()\n"
        "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n"
        "dt = time.perf_counter() - t0\n"
        "print(dt, rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
    )
    out = subprocess.run([PYTHON, "-c", probe, *cmd], cwd=cwd, capture_output=True, text=True, check=True).stdout
    dt, rc, mb = out.split()
    return float(dt), int(rc), float(mb)


def compare(label_a: str, cmd_a: list[str], label_b: str, cmd_b: list[str], repeat: int, cwd: Path = REPO) -> None:
    a, b = [], []
    for _ in range(repeat):
        a.append(timed(cmd_a, cwd)[0])
        b.append(timed(cmd_b, cwd)[0])
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"  {label_a:<40} {ma:7.2f} s   (runs: {', '.join(f'{x:.2f}' for x in a)})")
    print(f"  {label_b:<40} {mb:7.2f} s   (runs: {', '.join(f'{x:.2f}' for x in b)})")
    print(f"  ratio {label_a} / {label_b}: {ma / mb:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-7b", action="store_true")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}")

    print("\n1. instant answers")
    compare("typecheck-nn --help", [*CLI, "--help"], 'python -c "import torch"', [PYTHON, "-c", "import torch"], 5)

    print("\n2. one small file (examples/rnns.py)")
    compare(
        "default (one worker process)",
        [*CLI, "examples/rnns.py", "--no-progress"],
        "-j1 (in-process, as before the runner)",
        [*CLI, "examples/rnns.py", "-j1", "--no-progress"],
        args.repeat,
    )

    print("\n3. a folder of 20 small model files")
    folder = Path(tempfile.mkdtemp(prefix="typecheck-nn-bench-"))
    try:
        for i in range(20):
            (folder / f"model_{i:02d}.py").write_text(SMALL.format(i=i), encoding="utf-8")
        compare(
            "-j1",
            [*CLI, str(folder), "-j1", "--no-progress"],
            "-j2",
            [*CLI, str(folder), "-j2", "--no-progress"],
            args.repeat,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    if not args.skip_7b:
        print("\n4. Llama-style 7B (32 layers, d=4096; 27 GB of float32 weights if allocated)")
        dt, rc, mb = peak_rss_of([*CLI, "benchmarks/models/llama7b.py::Llama7B", "-j1", "--no-progress"])
        verdict = "under" if mb < 3 * 1024 else "OVER"
        print(f"  check time {dt:.2f} s, exit code {rc}, peak RSS {mb:.0f} MB ({verdict} the 3 GB limit)")
    print(f"\n(ru_maxrss of this script: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
