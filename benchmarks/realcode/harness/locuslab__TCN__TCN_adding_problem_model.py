"""Harness for locuslab/TCN `TCN/adding_problem/model.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_TCN():
    m = load("locuslab__TCN", "TCN/adding_problem/model.py")
    return m.TCN(2, 1, [16, 16], kernel_size=2, dropout=0.0), (torch.randn(2, 2, 12),)
