"""Harness for jadore801120/attention-is-all-you-need-pytorch `transformer/SubLayers.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def _m():
    return load("jadore801120__attention-is-all-you-need-pytorch", "transformer/SubLayers.py", "transformer.SubLayers")


def make_MultiHeadAttention():
    x = torch.randn(2, 6, 32)
    return _m().MultiHeadAttention(2, 32, 16, 16, dropout=0.0), (x, x, x)


def make_PositionwiseFeedForward():
    return _m().PositionwiseFeedForward(32, 64, dropout=0.0), (torch.randn(2, 6, 32),)
