"""Harness for IBM/pytorch-seq2seq `seq2seq/models/attention.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_Attention():
    m = load("IBM__pytorch-seq2seq", "seq2seq/models/attention.py", "seq2seq.models.attention")
    return m.Attention(32), (torch.randn(2, 3, 32), torch.randn(2, 6, 32))
