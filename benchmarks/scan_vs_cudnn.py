"""Forward+backward time of T-LSTM (one matmul + fused scan) against nn.LSTM (cuDNN / native CPU).

Both layers get equal input and hidden sizes, the same input and the same loss
(sum of outputs). Prints a table and the speed-up ratio nn.LSTM / T-LSTM.

    python benchmarks/scan_vs_cudnn.py --device cpu  --seq-len 256 --batch 32 --size 256
    python benchmarks/scan_vs_cudnn.py --device cuda --seq-len 512 --batch 64 --size 1024
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from reference_models.lstm import TLSTM  # noqa: E402


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_fwd_bwd(model, xs, repeats: int, warmup: int, amp: bool) -> list[float]:
    device = xs.device
    times = []
    for i in range(warmup + repeats):
        _sync(device)
        start = time.perf_counter()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            out, _ = model(xs)
        out.float().sum().backward()
        _sync(device)
        if i >= warmup:
            times.append(time.perf_counter() - start)
        model.zero_grad(set_to_none=True)
    return times


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--seq-len", type=int, default=None, help="T (default 256 on CPU, 512 on GPU)")
    p.add_argument("--batch", type=int, default=None, help="B (default 32 on CPU, 64 on GPU)")
    p.add_argument("--size", type=int, default=None, help="input = hidden size (default 256 CPU, 1024 GPU)")
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--input-grad", action="store_true", help="also backpropagate into the input")
    p.add_argument("--amp", action="store_true", help="bf16 autocast for both models")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    a = p.parse_args(argv)
    device = torch.device("cuda" if a.device == "auto" and torch.cuda.is_available() else
                          ("cpu" if a.device == "auto" else a.device))
    gpu = device.type == "cuda"
    T = a.seq_len or (512 if gpu else 256)
    B = a.batch or (64 if gpu else 32)
    D = a.size or (1024 if gpu else 256)
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    xs = torch.randn(T, B, D, device=device, requires_grad=a.input_grad)
    models = {
        "nn.LSTM" + (" (cuDNN)" if gpu else " (native)"): torch.nn.LSTM(D, D).to(device),
        "T-LSTM (scan)": TLSTM(D, D).to(device),
    }
    rows = {}
    for name, model in models.items():
        times = time_fwd_bwd(model, xs, a.repeats, a.warmup, a.amp)
        rows[name] = {"median_ms": 1e3 * statistics.median(times), "min_ms": 1e3 * min(times),
                      "params": sum(p.numel() for p in model.parameters())}
    lstm_ms, tlstm_ms = (r["median_ms"] for r in rows.values())
    result = {"device": str(device), "device_name": torch.cuda.get_device_name(device) if gpu else "cpu",
              "torch": torch.__version__, "threads": torch.get_num_threads(), "T": T, "B": B, "D=H": D,
              "input_grad": a.input_grad, "amp": a.amp, "models": rows, "speedup": lstm_ms / tlstm_ms}
    print(f"device={result['device_name']} torch={torch.__version__} threads={result['threads']} "
          f"T={T} B={B} D=H={D} input_grad={a.input_grad} amp={a.amp}")
    print(f"{'model':<22}{'median ms':>12}{'min ms':>10}{'params':>12}")
    for name, r in rows.items():
        print(f"{name:<22}{r['median_ms']:>12.2f}{r['min_ms']:>10.2f}{r['params']:>12,}")
    print(f"speed-up nn.LSTM / T-LSTM = {result['speedup']:.2f}x")
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
