"""Harness for stefanonardo/pytorch-esn `torchesn/nn/echo_state_network.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


class _NoWashout(torch.nn.Module):
    """ESN.forward takes a list of washout lengths per sample; the harness binds it to zeros."""

    def __init__(self, esn):
        super().__init__()
        self.esn = esn

    def forward(self, x):
        return self.esn(x, [0] * x.shape[1])


def make_ESN():
    m = load("stefanonardo__pytorch-esn", "torchesn/nn/echo_state_network.py", "torchesn.nn.echo_state_network")
    return _NoWashout(m.ESN(4, 32, 2)), (torch.randn(6, 2, 4),)
