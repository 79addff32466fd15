"""Harness for locuslab/TCN `TCN/tcn.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_TemporalConvNet():
    m = load("locuslab__TCN", "TCN/tcn.py", "TCN.tcn")
    return m.TemporalConvNet(4, [16, 16], kernel_size=2, dropout=0.0), (torch.randn(2, 4, 12),)
