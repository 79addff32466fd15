"""Harness for IBM/pytorch-seq2seq `seq2seq/models/DecoderRNN.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_DecoderRNN():
    m = load("IBM__pytorch-seq2seq", "seq2seq/models/DecoderRNN.py", "seq2seq.models.DecoderRNN")
    model = m.DecoderRNN(30, 4, 32, sos_id=1, eos_id=2, n_layers=2, rnn_cell="gru", use_attention=True)
    encoder_hidden = torch.randn(2, 2, 32)
    encoder_outputs = torch.randn(2, 6, 32)
    return model, (None, encoder_hidden, encoder_outputs)
