"""Harness for IBM/pytorch-seq2seq `seq2seq/models/EncoderRNN.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_EncoderRNN():
    m = load("IBM__pytorch-seq2seq", "seq2seq/models/EncoderRNN.py", "seq2seq.models.EncoderRNN")
    return m.EncoderRNN(30, 6, 32, n_layers=2, rnn_cell="gru"), (torch.randint(0, 30, (2, 6)),)
