"""Harness for ndrplz/ConvLSTM_pytorch `convlstm.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_ConvLSTM():
    m = load("ndrplz__ConvLSTM_pytorch", "convlstm.py")
    model = m.ConvLSTM(3, 16, (3, 3), 2, batch_first=True)
    return model, (torch.randn(2, 4, 3, 8, 8),)
