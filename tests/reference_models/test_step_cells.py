"""The new models' step cells (forward(x, h) -> h', one step) get the unrolled models' verdicts.

The checker does not detect step cells on its own yet (another issue adds that), so each
cell is checked inside a tiny wrapper that unrolls it for 3 steps, written to a temporary
module and given to ``typecheck-nn`` like any model file.
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reference_models.act import TACTRNN, ACTElman, ElmanPonderCell, TRNNPonderCell
from reference_models.seq2seq import AttentionGRU, AttentionTGRU, GRUAttentionDecoderCell, TGRUAttentionDecoderCell

CHECKER = Path(sys.executable).parent / "typecheck-nn"
ROOT = Path(__file__).resolve().parents[2]

# wrapper class -> (step cell, model whose verdict it must share)
CELLS = {
    "UnrolledElmanPonder": (ElmanPonderCell, ACTElman),
    "UnrolledTRNNPonder": (TRNNPonderCell, TACTRNN),
    "UnrolledGRUAttentionDecoder": (GRUAttentionDecoderCell, AttentionGRU),
    "UnrolledTGRUAttentionDecoder": (TGRUAttentionDecoderCell, AttentionTGRU),
}

WRAPPERS = """
import torch
from torch import nn

from reference_models.act import ElmanPonderCell, TRNNPonderCell
from reference_models.seq2seq import GRUAttentionDecoderCell, TGRUAttentionDecoderCell


class UnrolledElmanPonder(nn.Module):
    def __init__(self):
        super().__init__()
        self.cell = ElmanPonderCell(4, 8, max_ponder=3)

    def forward(self, xs):
        h = xs.new_zeros(xs.shape[1], 8)
        for t in range(3):
            h = self.cell(xs[t], h)
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class UnrolledTRNNPonder(UnrolledElmanPonder):
    def __init__(self):
        super().__init__()
        self.cell = TRNNPonderCell(4, 8, max_ponder=3)


class UnrolledGRUAttentionDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.cell = GRUAttentionDecoderCell(8)

    def forward(self, enc):
        d = enc.new_zeros(enc.shape[1], 8)
        for _ in range(3):
            d = self.cell(enc, d)
        return d

    def example_inputs(self):
        return (torch.randn(5, 2, 16),)


class UnrolledTGRUAttentionDecoder(UnrolledGRUAttentionDecoder):
    def __init__(self):
        super().__init__()
        self.cell = TGRUAttentionDecoderCell(8)
"""


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    if not CHECKER.exists():
        pytest.skip(f"typecheck-nn console script not installed at {CHECKER} (pip install -e .)")
    path = tmp_path_factory.mktemp("cells") / "unrolled_cells.py"
    path.write_text(textwrap.dedent(WRAPPERS))
    proc = subprocess.run(
        [str(CHECKER), str(path), "--format", "json"], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert proc.stdout.strip(), f"no JSON from typecheck-nn (rc={proc.returncode}): {proc.stderr[-2000:]}"
    return {m["name"]: m for m in json.loads(proc.stdout)["models"]}


@pytest.mark.parametrize("wrapper", list(CELLS))
def test_step_cell_has_the_models_verdict(verdicts, wrapper):
    cell, model = CELLS[wrapper]
    entry = verdicts[wrapper]
    assert not entry.get("error"), entry["error"]
    assert entry["complete"], entry
    assert entry["strongly_typed"] is model.expected_strongly_typed, (wrapper, entry["violations"][:2])
    if not model.expected_strongly_typed:  # the culprit is in the cell's own file, on its U line
        source = Path(sys.modules[cell.__module__].__file__).resolve()
        lines = {v["line"] for v in entry["violations"] if Path(v["path"]).resolve() == source}
        text = source.read_text().splitlines()
        assert any("self.U(" in text[line - 1] for line in lines), entry["violations"]
