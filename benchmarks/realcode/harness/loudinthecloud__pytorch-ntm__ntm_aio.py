"""Harness for loudinthecloud/pytorch-ntm `ntm/aio.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


class _Unrolled(torch.nn.Module):
    """EncapsulatedNTM.forward is one time step that keeps its state on the module."""

    def __init__(self, ntm):
        super().__init__()
        self.ntm = ntm

    def forward(self, xs):
        self.ntm.init_sequence(xs.shape[1])
        outputs = []
        for t in range(xs.shape[0]):
            o, _ = self.ntm(xs[t])
            outputs.append(o)
        return torch.stack(outputs)


def make_EncapsulatedNTM():
    m = load("loudinthecloud__pytorch-ntm", "ntm/aio.py", "ntm.aio")
    model = m.EncapsulatedNTM(8, 8, 32, 1, 1, 16, 8)
    return _Unrolled(model), (torch.randn(4, 2, 8),)
