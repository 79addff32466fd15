"""Harness for pytorch/examples `super_resolution/model.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_Net():
    m = load("pytorch__examples", "super_resolution/model.py")
    return m.Net(upscale_factor=2), (torch.randn(2, 1, 16, 16),)
