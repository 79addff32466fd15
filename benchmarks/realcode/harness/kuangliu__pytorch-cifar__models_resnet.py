"""Harness for kuangliu/pytorch-cifar `models/resnet.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_ResNet():
    m = load("kuangliu__pytorch-cifar", "models/resnet.py")
    return m.ResNet(m.BasicBlock, [1, 1, 1, 1], num_classes=10), (torch.randn(2, 3, 32, 32),)
