"""Harness for pytorch/examples `mnist/main.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_Net():
    import _realcode

    _realcode.allow_torchvision_import()
    m = load("pytorch__examples", "mnist/main.py")
    return m.Net(), (torch.randn(2, 1, 28, 28),)
