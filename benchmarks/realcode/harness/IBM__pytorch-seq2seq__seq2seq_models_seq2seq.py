"""Harness for IBM/pytorch-seq2seq `seq2seq/models/seq2seq.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_Seq2seq():
    s2s = load("IBM__pytorch-seq2seq", "seq2seq/models/seq2seq.py", "seq2seq.models.seq2seq")
    enc = load("IBM__pytorch-seq2seq", "seq2seq/models/EncoderRNN.py", "seq2seq.models.EncoderRNN")
    dec = load("IBM__pytorch-seq2seq", "seq2seq/models/DecoderRNN.py", "seq2seq.models.DecoderRNN")
    encoder = enc.EncoderRNN(30, 6, 32, n_layers=2, rnn_cell="gru")
    decoder = dec.DecoderRNN(30, 4, 32, sos_id=1, eos_id=2, n_layers=2, rnn_cell="gru", use_attention=True)
    return s2s.Seq2seq(encoder, decoder), (torch.randint(0, 30, (2, 6)),)
