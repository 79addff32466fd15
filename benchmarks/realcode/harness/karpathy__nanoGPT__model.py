"""Harness for karpathy/nanoGPT `model.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_GPT():
    m = load("karpathy__nanoGPT", "model.py")
    config = m.GPTConfig(block_size=8, vocab_size=32, n_layer=2, n_head=2, n_embd=32, dropout=0.0, bias=True)
    return m.GPT(config), (torch.randint(0, 32, (2, 8)),)
