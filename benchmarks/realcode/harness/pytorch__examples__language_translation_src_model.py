"""Harness for pytorch/examples `language_translation/src/model.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_Translator():
    m = load("pytorch__examples", "language_translation/src/model.py")
    model = m.Translator(2, 2, 32, 2, 40, 40, 64, 0.0)
    src, tgt = torch.randint(0, 40, (6, 2)), torch.randint(0, 40, (5, 2))
    src_mask = torch.zeros(6, 6, dtype=torch.bool)
    tgt_mask = torch.triu(torch.full((5, 5), float("-inf")), diagonal=1)
    src_pad, tgt_pad = torch.zeros(2, 6, dtype=torch.bool), torch.zeros(2, 5, dtype=torch.bool)
    return model, (src, tgt, src_mask, tgt_mask, src_pad, tgt_pad, src_pad)
