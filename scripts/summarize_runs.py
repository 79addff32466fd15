"""Collect <runs>/*/metrics.json into one compact summary (no loss histories).

python scripts/summarize_runs.py runs/full [--json summary.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def summarize(root: Path) -> dict:
    out = {}
    for path in sorted(root.glob("*/metrics.json")):
        m = json.loads(path.read_text())
        out[path.parent.name] = {
            "model": m["model"],
            "task": m["task"],
            "steps_done": m["steps_done"],
            "seconds": round(m["seconds_this_run"], 1),
            "params_total": m["params_total"],
            "params_core": m["params_core"],
            "final_train_loss_avg50": m["final_train_loss_avg50"],
            "final_train_bpc_avg50": m.get("final_train_bpc_avg50"),
            "final": m["final"],
            "evals": m["evals"],
            "config": {k: m["config"][k] for k in ("hidden", "layers", "lr", "batch_size", "seq_len", "steps")},
        }
    return out


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("root", type=Path)
    p.add_argument("--json", type=Path)
    a = p.parse_args()
    s = summarize(a.root)
    text = json.dumps(s, indent=1)
    print(
        json.dumps(
            {
                k: {
                    "steps": v["steps_done"],
                    "train": v["final_train_loss_avg50"],
                    "final": {x: y for x, y in v["final"].items() if not isinstance(y, dict)},
                }
                for k, v in s.items()
            },
            indent=1,
        )
    )
    if a.json:
        a.json.write_text(text)
