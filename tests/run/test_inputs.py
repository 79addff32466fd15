"""Input inference for models without example_inputs() (run/inputs.py), strategy by strategy."""

from __future__ import annotations

import json
import textwrap

import pytest
import torch
from torch import nn
from typer.testing import CliRunner

from typecheck_nn.cli import check_app
from typecheck_nn.run.inputs import describe_inputs, input_plans


def first(model: nn.Module) -> tuple[str, list[str]]:
    plans = input_plans(model)
    assert plans.plans, plans.reason
    args, kwargs = plans.plans[0].make(model)
    return plans.plans[0].strategy, describe_inputs(args, kwargs)


def all_inputs(model: nn.Module) -> list[list[str]]:
    return [describe_inputs(*p.make(model)) for p in input_plans(model).plans]


def test_example_inputs_come_first():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x):
            return self.fc(x)

        def example_inputs(self):
            return (torch.randn(3, 4),)

    assert first(M()) == ("example_inputs()", ["float[3, 4]"])


def test_lightning_example_input_array():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.example_input_array = torch.randn(5, 4)

        def forward(self, x):
            return x

    assert first(M()) == ("example_input_array", ["float[5, 4]"])


def test_transformers_dummy_inputs_by_main_input_name():
    transformers = pytest.importorskip("transformers")
    config = transformers.GPT2Config(n_layer=1, n_embd=32, n_head=2, vocab_size=64, n_positions=32)
    strategy, inputs = first(transformers.GPT2Model(config))
    assert strategy == "transformers dummy_inputs"
    assert inputs[0].startswith("input_ids=long[")


def test_timm_default_cfg_input_size():
    class Net(nn.Module):
        default_cfg = {"input_size": (3, 48, 48)}

        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 8, 3)

        def forward(self, x):
            return self.stem(x)

    assert first(Net()) == ("timm default_cfg input_size", ["float[2, 3, 48, 48]"])


def test_jaxtyping_style_annotations(tmp_path, monkeypatch):
    (tmp_path / "annotated_net.py").write_text(
        textwrap.dedent(
            """
            import torch
            from torch import nn, Tensor

            class _Dims:
                def __class_getitem__(cls, item):
                    return Tensor

            Float = _Dims

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(16, 16)

                def forward(self, x: Float[Tensor, "b t d"]):
                    return self.fc(x)
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import annotated_net

    net = annotated_net.Net()
    plans = input_plans(net).plans
    assert plans[0].strategy == "shape annotations on forward"
    assert describe_inputs(*plans[0].make(net)) == ["float[2, 8, 16]"]


def test_embedding_gives_long_ids_below_num_embeddings_and_below_block_size():
    class LM(nn.Module):
        def __init__(self):
            super().__init__()
            self.block_size = 5
            self.tok = nn.Embedding(11, 8)

        def forward(self, idx):
            return self.tok(idx)

    lm = LM()
    plans = input_plans(lm).plans
    (ids,), _ = plans[0].make(lm)
    assert ids.dtype == torch.long and tuple(ids.shape) == (2, 5) and int(ids.max()) < 11
    assert all_inputs(lm)[1] == ["long[5, 2]"]  # time-first is the next candidate


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        (nn.Linear(12, 3), ["float[2, 12]"]),
        (nn.Conv1d(6, 3, 3), ["float[2, 6, 32]"]),
        (nn.Conv2d(5, 3, 3), ["float[2, 5, 32, 32]"]),
        (nn.Conv3d(2, 3, 3), ["float[2, 2, 32, 32, 32]"]),
        (nn.LSTM(7, 4), ["float[8, 2, 7]"]),
        (nn.GRU(7, 4, batch_first=True), ["float[2, 8, 7]"]),
        (nn.LayerNorm(10), ["float[2, 8, 10]"]),
    ],
)
def test_first_use_of_a_layer(layer, expected):
    class Wrap(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = layer

        def forward(self, x):
            return self.layer(x)

    strategy, inputs = first(Wrap())
    assert inputs == expected and strategy.startswith("inferred from forward")


def test_bilinear_gives_each_argument_its_own_features():
    class Bi(nn.Module):
        def __init__(self):
            super().__init__()
            self.bi = nn.Bilinear(3, 5, 2)

        def forward(self, a, b):
            return self.bi(a, b)

    assert first(Bi())[1] == ["float[2, 3]", "float[2, 5]"]


def test_rank_from_unpacking_and_steps_undone():
    class Ctrl(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(6, 4)

        def forward(self, x, prev_state=None):
            x = x.unsqueeze(0)
            out, state = self.lstm(x, prev_state)
            return out.squeeze(0), state

    assert first(Ctrl())[1] == ["float[2, 6]"]  # one step of (T, B, 6), optional state left out


def test_loop_over_time_adds_a_leading_axis_and_custom_submodules_are_followed():
    class Cell(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm = nn.LayerNorm(9)

        def forward(self, x):
            return self.norm(x)

    class Loop(nn.Module):
        def __init__(self):
            super().__init__()
            self.cell = Cell()

        def forward(self, xs):
            outs = []
            for x in xs:
                outs.append(self.cell(x))
            return torch.stack(outs)

    assert first(Loop())[1] == ["float[8, 2, 8, 9]"]  # T steps of (B, T', 9) for a LayerNorm


def test_hidden_state_from_the_models_init_hidden():
    class RNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.GRU(4, 6)

        def forward(self, x, hidden):
            return self.rnn(x, hidden)

        def init_hidden(self, bsz):
            return torch.zeros(1, bsz, 6)

    strategy, inputs = first(RNN())
    assert inputs == ["float[8, 2, 4]", "float[1, 2, 6]"] and "init_hidden(2)" in strategy


def test_no_inference_names_the_argument():
    class Reader(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 8)

        def forward(self, batch):
            return self.fc(batch["x"])

    plans = input_plans(Reader())
    assert plans.plans == []
    assert (plans.reason or "").startswith("cannot infer forward argument `batch` (Reader.forward, line")


def test_a_failed_candidate_moves_on_to_the_next(tmp_path):
    """ids (B, T) fail in a time-first LSTM with a hidden state of batch 2; (T, B) traces."""
    path = tmp_path / "lm.py"
    path.write_text(
        textwrap.dedent(
            """
            import torch
            from torch import nn

            class LM(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.emb = nn.Embedding(20, 8)
                    self.rnn = nn.LSTM(8, 8)

                def forward(self, tokens, hidden):
                    return self.rnn(self.emb(tokens), hidden)

                def init_hidden(self, bsz):
                    return (torch.zeros(1, bsz, 8), torch.zeros(1, bsz, 8))
            """
        )
    )
    result = CliRunner().invoke(check_app, [str(path), "--format", "json", "-j1"])
    (model,) = json.loads(result.stdout)["models"]
    assert model["built_with"]["inputs"] == ["long[8, 2]", "(float[1, 2, 8], float[1, 2, 8])"]
    assert result.exit_code == 1 and {v["rule"] for v in model["violations"]} == {"TNN002"}


def test_reshaped_to_constant_sizes_gives_that_shape():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.LSTM(28, 16, batch_first=True)

        def forward(self, input):
            input = input.reshape(-1, 28, 28)
            return self.rnn(input)[0]

    strategy, inputs = first(Net())
    assert inputs == ["float[2, 28, 28]"] and "reshaped to (-1, 28, 28)" in strategy


def test_image_sizes_are_tried_until_the_flatten_fits():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 4, 3)
            self.fc = nn.Linear(4 * 26 * 26, 10)

        def forward(self, x):
            return self.fc(torch.flatten(self.conv(x), 1))

    shapes = [inputs for inputs in all_inputs(Net())]
    assert shapes[:3] == [["float[2, 1, 32, 32]"], ["float[2, 1, 64, 64]"], ["float[2, 1, 28, 28]"]]


def test_non_tensor_argument_typed_in_the_forward_docstring():
    class ESN(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.RNN(4, 8)

        def forward(self, input, washout, h_0=None):
            """Forward pass.

            Args:
                input (Tensor): input sequences
                washout (list of int): washout lengths per batch sample
            """
            return self.rnn(input)[0][max(washout) :]

    strategy, inputs = first(ESN())
    assert inputs == ["float[8, 2, 4]", "[0, 0]"] and "`washout (list of int)` in forward's docstring" in strategy
