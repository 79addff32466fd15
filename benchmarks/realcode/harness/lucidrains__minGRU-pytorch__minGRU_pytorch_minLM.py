"""Harness for lucidrains/minGRU-pytorch `minGRU_pytorch/minLM.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_minLM():
    m = load("lucidrains__minGRU-pytorch", "minGRU_pytorch/minLM.py", "minGRU_pytorch.minLM")
    return m.minLM(num_tokens=32, dim=32, depth=2), (torch.randint(0, 32, (2, 8)),)
