"""Full check vs torch.export alone, side by side, on a 12-layer GPT-2-sized model on meta.

    python benchmarks/check_vs_export.py [--layers 12] [--seq 128] [--repeats 3] [--hf]

Both paths export the same meta-device model in the same process, alternating, so load on
the machine hits both alike. Prints the median of each and their ratio (goal: <= 1.5x).
--hf uses transformers' GPT2LMHeadModel (test-only dependency) instead of the built-in one.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from typecheck_nn.engine.pipeline import analyse, user_files_for  # noqa: E402
from typecheck_nn.engine.trace import trace  # noqa: E402


class Block(nn.Module):
    def __init__(self, d: int, heads: int):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.fc, self.out = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=-1)
        q, k, v = (y.view(b, t, self.heads, d // self.heads).transpose(1, 2) for y in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(y.transpose(1, 2).reshape(b, t, d))
        return x + self.out(F.gelu(self.fc(self.ln2(x))))


class GPT(nn.Module):
    """GPT-2 small's shapes: 12 layers, d=768, 12 heads, 50257-token vocabulary, tied head."""

    def __init__(self, layers=12, d=768, heads=12, vocab=50257, positions=1024):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, d), nn.Embedding(positions, d)
        self.blocks = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln = nn.LayerNorm(d)

    def forward(self, idx):
        pos = torch.arange(idx.shape[1], device=idx.device)
        x = self.wte(idx) + self.wpe(pos)
        for block in self.blocks:
            x = block(x)
        return F.linear(self.ln(x), self.wte.weight)


def build(args):
    with torch.device("meta"):
        if args.hf:
            sys.path.insert(0, str(Path(__file__).parent))
            from primer_compat import allow_torchvision_import

            allow_torchvision_import()  # torchvision's wheel is built for CUDA torch
            import transformers

            cfg = transformers.GPT2Config(n_layer=args.layers, use_cache=False)  # plain export needs no cache object
            model = transformers.GPT2LMHeadModel(cfg)
        else:
            model = GPT(layers=args.layers)
        tokens = torch.zeros(2, args.seq, dtype=torch.long)
    return model, (tokens,)


def time_export(model, inputs) -> float:
    t0 = time.perf_counter()
    torch.export.export(model, inputs, strict=False)
    return time.perf_counter() - t0


def time_check(model, inputs) -> tuple[float, dict]:
    t0 = time.perf_counter()
    program = trace(model, inputs, {}, user_files=user_files_for(model, [__file__]))
    t1 = time.perf_counter()
    result = analyse(program, type(model).__name__, __file__)
    total = time.perf_counter() - t0
    assert result.strongly_typed, [v.message for v in result.violations]
    stages = {"trace": t1 - t0, **result.seconds, "nodes": len(program.graph_module.graph.nodes)}
    return total, stages


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--hf", action="store_true")
    args = ap.parse_args()
    model, inputs = build(args)
    params = sum(math.prod(p.shape) for p in model.parameters())
    print(
        f"model: {'transformers GPT2LMHeadModel' if args.hf else 'built-in GPT'} with {args.layers} layers, "
        f"{params / 1e6:.1f}M parameters on the meta device; tokens (2, {args.seq}); torch {torch.__version__}"
    )
    time_export(model, inputs)  # warm-up: first export pays one-off imports and caches
    exports, checks, stages = [], [], {}
    for _ in range(args.repeats):
        exports.append(time_export(model, inputs))
        total, stages = time_check(model, inputs)
        checks.append(total)
    e, c = statistics.median(exports), statistics.median(checks)
    print(f"graph nodes: {stages['nodes']}")
    print(f"torch.export alone : median {e:.3f} s  (runs: {', '.join(f'{x:.3f}' for x in exports)})")
    print(f"full check         : median {c:.3f} s  (runs: {', '.join(f'{x:.3f}' for x in checks)})")
    print("  last check by stage: " + ", ".join(f"{k} {v:.3f} s" for k, v in stages.items() if k != "nodes"))
    print(f"ratio check/export : {c / e:.2f}x  (goal <= 1.50x)")


if __name__ == "__main__":
    main()
