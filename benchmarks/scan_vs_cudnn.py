"""Forward+backward time of T-LSTM against nn.LSTM (cuDNN on GPU, native kernel on CPU).

Both layers get equal input and hidden sizes, the same input and the same loss (sum of
outputs). The T-LSTM timed is ``reference_models.lstm.TLSTM``, the class used in training
(learnware: two GEMMs accumulating into one buffer; firmware: one fused op, a Triton
kernel pair on CUDA). Runs are *interleaved*: every round times nn.LSTM once and T-LSTM
once (alternating which goes first), so load from other processes on a shared machine
hits both; the ratio reported is the median of the per-round ratios, with medians and
minima of each model's times.

Precisions (``--precision``, comma-separated to run several):
  fp32     strict fp32 for both: torch.backends.cuda.matmul.allow_tf32 = False and
           torch.backends.cudnn.allow_tf32 = False
  tf32     TF32 tensor cores for both (both flags True)
  default  PyTorch's defaults (matmul False, cuDNN True: cuDNN's LSTM gets TF32, matmul not)
  bf16     bf16 autocast for both (flags as for tf32)

    python benchmarks/scan_vs_cudnn.py --device cpu
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
from reference_models.lstm import TLSTM  # noqa: E402

FLAGS = {"fp32": (False, False), "tf32": (True, True), "default": (False, True), "bf16": (True, True)}


def _once(model, xs, amp: bool) -> float:
    device = xs.device
    if device.type == "cuda":
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        torch.cuda.synchronize()
        start.record()
    else:
        t0 = time.perf_counter()
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
        out, _ = model(xs)
    out.float().sum().backward()
    model.zero_grad(set_to_none=True)
    if device.type == "cuda":
        end.record()
        torch.cuda.synchronize()
        return start.elapsed_time(end) / 1e3
    return time.perf_counter() - t0


def bench(models: dict, xs, repeats: int, warmup: int, amp: bool) -> dict:
    names = list(models)
    for _ in range(warmup):
        for name in names:
            _once(models[name], xs, amp)
    times = {n: [] for n in names}
    ratios = []
    for r in range(repeats):
        order = names if r % 2 == 0 else names[::-1]
        for name in order:
            times[name].append(_once(models[name], xs, amp))
        ratios.append(times[names[0]][-1] / times[names[1]][-1])
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
    }


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--seq-len", type=int, default=None, help="T (default 256 on CPU, 512 on GPU)")
    p.add_argument("--batch", type=int, default=None, help="B (default 32 on CPU, 64 on GPU)")
    p.add_argument("--size", type=int, default=None, help="input = hidden size (default 256 CPU, 1024 GPU)")
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
    T = a.seq_len or (512 if gpu else 256)
    B = a.batch or (64 if gpu else 32)
    D = a.size or (1024 if gpu else 256)
    repeats = a.repeats or (30 if gpu else 15)
    precisions = ["bf16"] if a.amp else (a.precision or ("fp32,tf32,default,bf16" if gpu else "fp32")).split(",")
    torch.set_num_threads(a.threads or len(os.sched_getaffinity(0)))
    torch.manual_seed(0)
    xs = torch.randn(T, B, D, device=device, requires_grad=a.input_grad)
    models = {
        "nn.LSTM" + (" (cuDNN)" if gpu else " (native)"): torch.nn.LSTM(D, D).to(device),
        "T-LSTM (fused)": TLSTM(D, D).to(device),
    }
    result = {
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if gpu else "cpu",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "T": T,
        "B": B,
        "D=H": D,
        "input_grad": a.input_grad,
        "repeats": repeats,
        "runs": {},
    }
    print(
        f"device={result['device_name']} torch={torch.__version__} threads={result['threads']} T={T} B={B} "
        f"D=H={D} input_grad={a.input_grad} rounds={repeats} (interleaved) warmup={a.warmup}"
    )
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
            f"  speed-up nn.LSTM / T-LSTM: median of per-round ratios {res['speedup_median_of_rounds']:.2f}x, "
            f"of medians {res['speedup_of_medians']:.2f}x, of minima {res['speedup_of_minima']:.2f}x"
        )
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
