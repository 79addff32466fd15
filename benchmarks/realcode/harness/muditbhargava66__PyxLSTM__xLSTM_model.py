"""Harness for muditbhargava66/PyxLSTM `xLSTM/model.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_xLSTM():
    m = load("muditbhargava66__PyxLSTM", "xLSTM/model.py", "xLSTM.model")
    return m.xLSTM(30, 32, 32, 2, 2), (torch.randint(0, 30, (2, 6)),)
