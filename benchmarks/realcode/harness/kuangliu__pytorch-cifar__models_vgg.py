"""Harness for kuangliu/pytorch-cifar `models/vgg.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_VGG():
    m = load("kuangliu__pytorch-cifar", "models/vgg.py")
    return m.VGG("VGG11"), (torch.randn(2, 3, 32, 32),)
