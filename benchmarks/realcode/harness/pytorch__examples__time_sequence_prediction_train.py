"""Harness for pytorch/examples `time_sequence_prediction/train.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_Sequence():
    m = load("pytorch__examples", "time_sequence_prediction/train.py")
    # the model builds its states in float64, as the script trains it
    return m.Sequence().double(), (torch.randn(2, 6, dtype=torch.double),)
