"""Harness for kuangliu/pytorch-cifar `models/mobilenetv2.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_MobileNetV2():
    m = load("kuangliu__pytorch-cifar", "models/mobilenetv2.py")
    return m.MobileNetV2(num_classes=10), (torch.randn(2, 3, 32, 32),)
