"""Harness for facebookresearch/DiT `models.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_DiT():
    import _realcode

    _realcode.allow_torchvision_import()
    m = load("facebookresearch__DiT", "models.py")
    model = m.DiT(input_size=8, patch_size=2, in_channels=4, hidden_size=32, depth=2, num_heads=2, num_classes=10)
    x, t, y = torch.randn(2, 4, 8, 8), torch.randint(0, 1000, (2,)), torch.randint(0, 10, (2,))
    return model, (x, t, y)
