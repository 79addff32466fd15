"""Harness for muditbhargava66/PyxLSTM `xLSTM/block.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_xLSTMBlock():
    m = load("muditbhargava66__PyxLSTM", "xLSTM/block.py", "xLSTM.block")
    return m.xLSTMBlock(32, 32, 2), (torch.randn(2, 6, 32),)
