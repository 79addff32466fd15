"""Harness for locuslab/TCN `TCN/word_cnn/model.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_TCN():
    m = load("locuslab__TCN", "TCN/word_cnn/model.py")
    model = m.TCN(32, 50, [16, 32], kernel_size=2, dropout=0.0, emb_dropout=0.0, tied_weights=True)
    return model, (torch.randint(0, 50, (2, 12)),)
