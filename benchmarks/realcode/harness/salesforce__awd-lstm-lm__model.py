"""Harness for salesforce/awd-lstm-lm `model.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_RNNModel():
    m = load("salesforce__awd-lstm-lm", "model.py")
    model = m.RNNModel("LSTM", 50, 32, 32, 2, dropout=0.0, dropouth=0.0, dropouti=0.0, dropoute=0.0, wdrop=0.0)
    model.eval()
    return model, (torch.randint(0, 50, (6, 2)), model.init_hidden(2))
