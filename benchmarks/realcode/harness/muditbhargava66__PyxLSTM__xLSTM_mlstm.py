"""Harness for muditbhargava66/PyxLSTM `xLSTM/mlstm.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_mLSTM():
    m = load("muditbhargava66__PyxLSTM", "xLSTM/mlstm.py", "xLSTM.mlstm")
    return m.mLSTM(32, 32, 2), (torch.randn(2, 6, 32),)
