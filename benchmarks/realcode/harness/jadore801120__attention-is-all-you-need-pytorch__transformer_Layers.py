"""Harness for jadore801120/attention-is-all-you-need-pytorch `transformer/Layers.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def _m():
    return load("jadore801120__attention-is-all-you-need-pytorch", "transformer/Layers.py", "transformer.Layers")


def make_EncoderLayer():
    return _m().EncoderLayer(32, 64, 2, 16, 16, dropout=0.0), (torch.randn(2, 6, 32),)


def make_DecoderLayer():
    return _m().DecoderLayer(32, 64, 2, 16, 16, dropout=0.0), (torch.randn(2, 5, 32), torch.randn(2, 6, 32))
