"""Forward+backward time of T-LSTM against nn.LSTM (cuDNN on GPU, native kernel on CPU),
and against its own learnware GEMMs alone (the firmware overhead).

Both layers get equal input and hidden sizes, the same input and the same loss (sum of
outputs). The T-LSTM timed is ``reference_models.lstm.TLSTM``, the class used in training
(learnware: two GEMMs accumulating into one buffer; firmware: one fused op, a Triton
kernel pair on CUDA). Runs are *interleaved*: every round times nn.LSTM once and T-LSTM
once (alternating which goes first), so load from other processes on a shared machine
hits both; the ratio reported is the median of the per-round ratios, with medians and
minima of each model's times.

The third contestant, "GEMMs only", is T-LSTM with its firmware removed: the same
``Conv2`` learnware (two accumulated GEMMs forward, three backward) on the same input,
backpropagating a preallocated dense gradient, so nothing but those GEMMs is timed.
``firmware overhead`` = T-LSTM time / GEMM-only time (median of per-round ratios), and
nn.LSTM / GEMM-only is printed as the ceiling any firmware could reach on this machine.
Every size prints, on lines of their own::

    firmware overhead: X.XXx
    speed-up nn.LSTM / T-LSTM: Y.YYx
    speed-up / ceiling: Z.ZZ

The CPU goal (issue 19, rebased from a fixed 2.8x that this CPU cannot reach even with free
firmware) is checked at T=256, B=32, D=H=256 in fp32 and printed as met or NOT met: the
T-LSTM must come within 1.10x of its own GEMM-only time, and its speed-up over nn.LSTM
must be at least 0.9x the ceiling measured in the same run. No GPU goal is checked.

The CPU default runs two sizes in one run: T=256, B=32, D=H=256 and T=1024, B=16,
D=H=512 (``--sizes``). ``REFERENCE_MODELS_FIRMWARE=torch`` times the torch firmware
instead of the compiled one (reference_models/native.py).

Precisions (``--precision``, comma-separated to run several):
  fp32     strict fp32 for both: torch.backends.cuda.matmul.allow_tf32 = False and
           torch.backends.cudnn.allow_tf32 = False
  tf32     TF32 tensor cores for both (both flags True)
  default  PyTorch's defaults (matmul False, cuDNN True: cuDNN's LSTM gets TF32, matmul not)
  bf16     bf16 autocast for both (flags as for tf32)

    python benchmarks/scan_vs_cudnn.py --device cpu
    python benchmarks/scan_vs_cudnn.py --device cpu --sizes 256x32x256 --threads 2
    python benchmarks/scan_vs_cudnn.py --device cuda --precision fp32,tf32,default,bf16
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from reference_models import native  # noqa: E402
from reference_models.lstm import TLSTM  # noqa: E402

FLAGS = {"fp32": (False, False), "tf32": (True, True), "default": (False, True), "bf16": (True, True)}


class GemmsOnly(torch.nn.Module):
    """T-LSTM's learnware without its firmware: G = W x_t + V x_{t-1} + b, backward with a dense dG."""

    def __init__(self, tlstm: TLSTM):
        super().__init__()
        self.conv = tlstm.conv[0]
        self.dG = None

    def forward(self, xs):
        G = self.conv(xs, xs.new_zeros(xs.shape[1:]))
        if self.dG is None or self.dG.shape != G.shape:
            self.dG = torch.ones_like(G)  # allocated once, outside the timed rounds after warm-up
        return G


def _once(model, xs, amp: bool) -> float:
    device = xs.device
    if device.type == "cuda":
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        torch.cuda.synchronize()
        start.record()
    else:
        t0 = time.perf_counter()
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
        out = model(xs)
    if isinstance(model, GemmsOnly):
        out.backward(model.dG.to(out.dtype))
    else:
        out[0].float().sum().backward()
    model.zero_grad(set_to_none=True)
    if device.type == "cuda":
        end.record()
        torch.cuda.synchronize()
        return start.elapsed_time(end) / 1e3
    return time.perf_counter() - t0


def bench(models: dict, xs, repeats: int, warmup: int, amp: bool) -> dict:
    """Interleaved rounds; names[0] / names[1] is the speed-up, names[1] / names[2] (if any) the overhead."""
    names = list(models)
    for _ in range(warmup):
        for name in names:
            _once(models[name], xs, amp)
    times = {n: [] for n in names}
    ratios, overheads, ceilings = [], [], []
    for r in range(repeats):
        k = r % len(names)
        order = names[k:] + names[:k]  # rotate who goes first
        order = order if r % 2 == 0 else order[::-1]
        for name in order:
            times[name].append(_once(models[name], xs, amp))
        ratios.append(times[names[0]][-1] / times[names[1]][-1])
        if len(names) > 2:
            overheads.append(times[names[1]][-1] / times[names[2]][-1])
            ceilings.append(times[names[0]][-1] / times[names[2]][-1])
    rows = {
        n: {
            "median_ms": 1e3 * statistics.median(ts),
            "min_ms": 1e3 * min(ts),
            "params": sum(p.numel() for p in models[n].parameters()),
        }
        for n, ts in times.items()
    }
    return {
        "models": rows,
        "speedup_median_of_rounds": statistics.median(ratios),
        "speedup_of_medians": rows[names[0]]["median_ms"] / rows[names[1]]["median_ms"],
        "speedup_of_minima": rows[names[0]]["min_ms"] / rows[names[1]]["min_ms"],
        "ratios": ratios,
        "firmware_overhead_median_of_rounds": statistics.median(overheads) if overheads else None,
        "overheads": overheads,
        "speedup_ceiling_median_of_rounds": statistics.median(ceilings) if ceilings else None,
    }


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument(
        "--sizes",
        default=None,
        help="TxBxD list, comma-separated (default 256x32x256,1024x16x512 on CPU, 512x64x1024 on GPU)",
    )
    p.add_argument("--seq-len", type=int, default=None, help="T for a single size (overrides --sizes)")
    p.add_argument("--batch", type=int, default=None, help="B for a single size")
    p.add_argument("--size", type=int, default=None, help="input = hidden size D=H for a single size")
    p.add_argument("--repeats", type=int, default=None, help="interleaved rounds (default 15 CPU, 30 GPU)")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--input-grad", action="store_true", help="also backpropagate into the input")
    p.add_argument(
        "--precision", default=None, help="fp32,tf32,default,bf16 (comma list; default fp32 on CPU, all on GPU)"
    )
    p.add_argument("--amp", action="store_true", help="shorthand for --precision bf16")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: all cores)")
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    a = p.parse_args(argv)
    device = torch.device(
        "cuda" if a.device == "auto" and torch.cuda.is_available() else ("cpu" if a.device == "auto" else a.device)
    )
    gpu = device.type == "cuda"
    if a.seq_len or a.batch or a.size:
        sizes = [(a.seq_len or (512 if gpu else 256), a.batch or (64 if gpu else 32), a.size or (1024 if gpu else 256))]
    else:
        spec = a.sizes or ("512x64x1024" if gpu else "256x32x256,1024x16x512")
        sizes = [tuple(int(v) for v in item.split("x")) for item in spec.split(",")]
    repeats = a.repeats or (30 if gpu else 15)
    precisions = ["bf16"] if a.amp else (a.precision or ("fp32,tf32,default,bf16" if gpu else "fp32")).split(",")
    torch.set_num_threads(a.threads or len(os.sched_getaffinity(0)))
    firmware = "triton" if gpu else ("compiled" if native.firmware() is not None else "torch")
    result = {
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if gpu else "cpu",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "firmware": firmware,
        "input_grad": a.input_grad,
        "repeats": repeats,
        "sizes": {},
    }
    print(
        f"device={result['device_name']} torch={torch.__version__} threads={result['threads']} "
        f"firmware={firmware} input_grad={a.input_grad} rounds={repeats} (interleaved) warmup={a.warmup}"
    )
    for T, B, D in sizes:
        result["sizes"][f"{T}x{B}x{D}"] = _run_size(a, device, gpu, T, B, D, precisions, repeats)
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(result, indent=2))
    return result


def _run_size(a, device, gpu: bool, T: int, B: int, D: int, precisions: list[str], repeats: int) -> dict:
    torch.manual_seed(0)
    xs = torch.randn(T, B, D, device=device, requires_grad=a.input_grad)
    tlstm = TLSTM(D, D).to(device)
    models = {
        "nn.LSTM" + (" (cuDNN)" if gpu else " (native)"): torch.nn.LSTM(D, D).to(device),
        "T-LSTM (fused)": tlstm,
        "T-LSTM GEMMs only": GemmsOnly(tlstm),
    }
    result: dict = {"T": T, "B": B, "D=H": D, "runs": {}}
    print(f"--- T={T} B={B} D=H={D}")
    for prec in precisions:
        mm, cudnn = FLAGS[prec]
        torch.backends.cuda.matmul.allow_tf32 = mm
        torch.backends.cudnn.allow_tf32 = cudnn
        res = bench(models, xs, repeats, a.warmup, amp=prec == "bf16")
        res["flags"] = {"cuda.matmul.allow_tf32": mm, "cudnn.allow_tf32": cudnn, "bf16_autocast": prec == "bf16"}
        result["runs"][prec] = res
        print(f"[{prec}] matmul.allow_tf32={mm} cudnn.allow_tf32={cudnn} bf16_autocast={prec == 'bf16'}")
        print(f"  {'model':<20}{'median ms':>12}{'min ms':>10}{'params':>12}")
        for name, r in res["models"].items():
            print(f"  {name:<20}{r['median_ms']:>12.2f}{r['min_ms']:>10.2f}{r['params']:>12,}")
        print(
            f"  (nn.LSTM / T-LSTM: of medians {res['speedup_of_medians']:.2f}x, of minima "
            f"{res['speedup_of_minima']:.2f}x; per-round ratios are the figures below)"
        )
        print(f"firmware overhead: {res['firmware_overhead_median_of_rounds']:.2f}x")
        print(f"speed-up nn.LSTM / T-LSTM: {res['speedup_median_of_rounds']:.2f}x")
        print(f"  (ceiling with free firmware, nn.LSTM / GEMMs only: {res['speedup_ceiling_median_of_rounds']:.2f}x)")
        res["fraction_of_ceiling"] = res["speedup_median_of_rounds"] / res["speedup_ceiling_median_of_rounds"]
        print(f"speed-up / ceiling: {res['fraction_of_ceiling']:.2f}")
        if not gpu and (T, B, D) == GOAL_SIZE and prec == "fp32":
            res["goals"] = goals(res)
            for goal in res["goals"]:
                print(
                    f"goal {goal['name']}: {goal['value']:.2f} ({goal['goal']}): {'met' if goal['met'] else 'NOT met'}"
                )
    if gpu:
        print("goal (CPU only): not measured on this device")
    return result


GOAL_SIZE = (256, 32, 256)  # the CPU goal's size: T=256, B=32, D=H=256, fp32


def goals(res: dict) -> list[dict]:
    """The rebased CPU speed goal (issue 19), both ratios from the same interleaved run."""
    overhead, fraction = res["firmware_overhead_median_of_rounds"], res["fraction_of_ceiling"]
    return [
        {
            "name": "firmware overhead (T-LSTM / GEMMs only)",
            "value": overhead,
            "goal": "<= 1.10",
            "met": overhead <= 1.10,
        },
        {"name": "speed-up / ceiling", "value": fraction, "goal": ">= 0.90", "met": fraction >= 0.90},
    ]


if __name__ == "__main__":
    main()
