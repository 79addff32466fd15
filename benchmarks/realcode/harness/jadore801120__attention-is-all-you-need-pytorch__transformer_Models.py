"""Harness for jadore801120/attention-is-all-you-need-pytorch `transformer/Models.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_Transformer():
    m = load("jadore801120__attention-is-all-you-need-pytorch", "transformer/Models.py", "transformer.Models")
    model = m.Transformer(
        40,
        40,
        0,
        0,
        d_word_vec=32,
        d_model=32,
        d_inner=64,
        n_layers=2,
        n_head=2,
        d_k=16,
        d_v=16,
        dropout=0.0,
        n_position=50,
    )
    return model, (torch.randint(1, 40, (2, 6)), torch.randint(1, 40, (2, 5)))
