"""Harness for pytorch/examples `fast_neural_style/neural_style/transformer_net.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_TransformerNet():
    m = load("pytorch__examples", "fast_neural_style/neural_style/transformer_net.py")
    return m.TransformerNet(), (torch.randn(1, 3, 32, 32),)
