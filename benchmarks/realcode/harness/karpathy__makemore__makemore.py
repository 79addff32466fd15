"""Harness for karpathy/makemore `makemore.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def _m():
    return load("karpathy__makemore", "makemore.py")


def _config(m):
    return m.ModelConfig(block_size=8, vocab_size=27, n_layer=2, n_embd=32, n_embd2=32, n_head=2)


def _idx():
    return (torch.randint(0, 27, (2, 8)),)


def make_Transformer():
    m = _m()
    return m.Transformer(_config(m)), _idx()


def make_BoW():
    m = _m()
    return m.BoW(_config(m)), _idx()


def make_RNN():
    m = _m()
    return m.RNN(_config(m), cell_type="rnn"), _idx()


def make_MLP():
    m = _m()
    return m.MLP(_config(m)), _idx()


def make_Bigram():
    m = _m()
    return m.Bigram(_config(m)), _idx()
