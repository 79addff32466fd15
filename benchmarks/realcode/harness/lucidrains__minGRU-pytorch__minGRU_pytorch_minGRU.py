"""Harness for lucidrains/minGRU-pytorch `minGRU_pytorch/minGRU.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_minGRU():
    m = load("lucidrains__minGRU-pytorch", "minGRU_pytorch/minGRU.py", "minGRU_pytorch.minGRU")
    return m.minGRU(32), (torch.randn(2, 6, 32),)
