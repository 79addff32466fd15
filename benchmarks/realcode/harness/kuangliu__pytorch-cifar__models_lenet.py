"""Harness for kuangliu/pytorch-cifar `models/lenet.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_LeNet():
    m = load("kuangliu__pytorch-cifar", "models/lenet.py")
    return m.LeNet(), (torch.randn(2, 3, 32, 32),)
