"""Harness for karpathy/minGPT `mingpt/model.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_GPT():
    m = load("karpathy__minGPT", "mingpt/model.py", "mingpt.model")
    config = m.GPT.get_default_config()
    config.model_type = None
    config.n_layer, config.n_head, config.n_embd = 2, 2, 32
    config.vocab_size, config.block_size = 32, 8
    return m.GPT(config), (torch.randint(0, 32, (2, 8)),)
