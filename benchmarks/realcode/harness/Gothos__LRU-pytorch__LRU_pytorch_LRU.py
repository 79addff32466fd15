"""Harness for Gothos/LRU-pytorch `LRU_pytorch/LRU.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_LRU():
    m = load("Gothos__LRU-pytorch", "LRU_pytorch/LRU.py", "LRU_pytorch.LRU")
    return m.LRU(8, 8, 16), (torch.randn(2, 5, 8),)
