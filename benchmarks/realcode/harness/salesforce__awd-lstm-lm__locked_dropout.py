"""Harness for salesforce/awd-lstm-lm `locked_dropout.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


def make_LockedDropout():
    m = load("salesforce__awd-lstm-lm", "locked_dropout.py")
    return m.LockedDropout(), (torch.randn(6, 2, 16),)
