"""Harness for lucidrains/vit-pytorch `vit_pytorch/vit.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_ViT():
    m = load("lucidrains__vit-pytorch", "vit_pytorch/vit.py")
    model = m.ViT(image_size=16, patch_size=4, num_classes=10, dim=32, depth=2, heads=2, mlp_dim=64, dim_head=16)
    return model, (torch.randn(2, 3, 16, 16),)
