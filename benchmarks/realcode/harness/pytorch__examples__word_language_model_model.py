"""Harness for pytorch/examples `word_language_model/model.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_RNNModel():
    m = load("pytorch__examples", "word_language_model/model.py")
    model = m.RNNModel("LSTM", 50, 32, 32, 2, dropout=0.0)
    return model, (torch.randint(0, 50, (6, 2)), model.init_hidden(2))


def make_TransformerModel():
    m = load("pytorch__examples", "word_language_model/model.py")
    return m.TransformerModel(50, 32, 2, 64, 2, dropout=0.0), (torch.randint(0, 50, (6, 2)),)
