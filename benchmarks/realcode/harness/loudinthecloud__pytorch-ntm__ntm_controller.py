"""Harness for loudinthecloud/pytorch-ntm `ntm/controller.py` (fetched verbatim; see ../manifest.toml)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcode import load  # noqa: E402


class _Unrolled(torch.nn.Module):
    """LSTMController.forward is one time step; the NTM feeds the state back."""

    def __init__(self, controller):
        super().__init__()
        self.controller = controller

    def forward(self, xs):
        state = self.controller.create_new_state(xs.shape[1])
        outputs = []
        for t in range(xs.shape[0]):
            o, state = self.controller(xs[t], state)
            outputs.append(o)
        return torch.stack(outputs)


def make_LSTMController():
    m = load("loudinthecloud__pytorch-ntm", "ntm/controller.py", "ntm.controller")
    return _Unrolled(m.LSTMController(8, 32, 1)), (torch.randn(4, 2, 8),)
