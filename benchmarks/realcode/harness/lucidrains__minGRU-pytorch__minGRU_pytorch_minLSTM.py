"""Harness for lucidrains/minGRU-pytorch `minGRU_pytorch/minLSTM.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_minLSTM():
    m = load("lucidrains__minGRU-pytorch", "minGRU_pytorch/minLSTM.py", "minGRU_pytorch.minLSTM")
    return m.minLSTM(32), (torch.randn(2, 6, 32),)
