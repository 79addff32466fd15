"""Harness for jacobkimmel/pytorch_convgru `convgru.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


class _Unrolled(torch.nn.Module):
    """ConvGRU.forward is one time step; the caller loops, feeding the hidden states back.

    The first step gets zero states: the file's own zero-state branch calls `Variable`,
    which it never imports (a NameError in the fetched file).
    """

    def __init__(self, step):
        super().__init__()
        self.step = step

    def forward(self, frames):
        batch, _, _, height, width = frames.shape
        hidden = [frames.new_zeros(batch, size, height, width) for size in self.step.hidden_sizes]
        for t in range(frames.shape[1]):
            hidden = self.step(frames[:, t], hidden)
        return hidden[-1]


def make_ConvGRU():
    m = load("jacobkimmel__pytorch_convgru", "convgru.py")
    model = m.ConvGRU(3, [16, 16], [3, 3], 2)
    return _Unrolled(model), (torch.randn(2, 4, 3, 8, 8),)
