"""Harness for AntixK/PyTorch-VAE `models/vanilla_vae.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_VanillaVAE():
    m = load("AntixK__PyTorch-VAE", "models/vanilla_vae.py", "models.vanilla_vae")
    # the decoder reshapes to 512 channels at 2x2 (hard-coded), so the last width is 512
    return m.VanillaVAE(3, 8, hidden_dims=[16, 512]), (torch.randn(2, 3, 8, 8),)
