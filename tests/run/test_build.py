"""Building models without a harness (run/build.py, run/plan.py): constructor arguments,
configs, choices as variants, top-level models, and never passing on nothing."""

from __future__ import annotations

import json
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pytest
import torch
from torch import nn
from typer.testing import CliRunner

from typecheck_nn.cli import check_app
from typecheck_nn.run.build import AutoConfig, Sizes, build_config, plan_constructor

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "build"


def run(*args: str):
    result = CliRunner().invoke(check_app, [*map(str, args), "--format", "json", "-j1"])
    data = json.loads(result.stdout) if result.stdout.strip().startswith("{") else None
    return result.exit_code, data, result


def models(data) -> dict:
    return {m["name"]: m for m in data["models"]}


def build(cls, ns=None):
    plans = plan_constructor(cls, ns or {})
    assert plans.reason is None, plans.reason
    with torch.device("meta"):
        return plans.plans[0].construct(cls), plans.plans[0]


# ------------------------------------------------------------------ constructor arguments


def test_integers_by_name_divide_cleanly():
    class Attn(nn.Module):
        def __init__(self, d_model, n_head, n_layers, vocab_size, block_size, *, kernel_size, dropout):
            super().__init__()
            assert d_model % n_head == 0 and n_layers == 2 and vocab_size >= 32 and kernel_size == 3
            assert dropout == 0.0
            self.attn = nn.MultiheadAttention(d_model, n_head)

    model, plan = build(Attn)
    assert plan.shown == {
        "d_model": "64",
        "n_head": "2",
        "n_layers": "2",
        "vocab_size": "32",
        "block_size": "64",
        "kernel_size": "3",
        "dropout": "0.0",
    }


def test_counts_of_parallel_copies_are_small():
    """Residual streams, branches and fractions fold into the batch (`(b s) d`) or divide a
    width: filled as counts (2), not as widths (hyper-connections' num_streams)."""

    class Streams(nn.Module):
        def __init__(self, num_streams, dim, num_fracs, num_branches):
            super().__init__()
            assert num_streams == num_fracs == num_branches == 2 and dim % num_fracs == 0
            self.proj = nn.Linear(dim, dim)

    _, plan = build(Streams)
    assert plan.shown == {"num_streams": "2", "dim": "64", "num_fracs": "2", "num_branches": "2"}


def test_widths_are_multiples_of_a_default_head_count():
    class Attn(nn.Module):
        def __init__(self, dim, heads=12):
            super().__init__()
            self.attn = nn.MultiheadAttention(dim, heads)

    _, plan = build(Attn)
    assert int(plan.shown["dim"]) % 12 == 0 and int(plan.shown["dim"]) % 64 == 0


def test_list_and_pair_parameters_follow_the_constructors_code():
    class Net(nn.Module):
        def __init__(self, num_channels, input_size, dtype, device):
            super().__init__()
            self.h, self.w = input_size
            self.convs = nn.ModuleList(nn.Conv2d(3, c, 3, dtype=dtype, device=device) for c in num_channels)

    _, plan = build(Net)
    assert plan.shown["num_channels"] == "[64, 64]"
    assert plan.shown["input_size"] == "(32, 32)"
    assert plan.shown["dtype"] == "torch.float32"


def test_a_parameter_called_as_a_class_cannot_be_filled_and_is_named():
    class Stack(nn.Module):
        def __init__(self, block, depth):
            super().__init__()
            self.layers = nn.ModuleList([block() for _ in range(depth)])

    plans = plan_constructor(Stack, {})
    assert plans.plans == [] and plans.missing == ["block"]
    assert "`block`: it is called" in (plans.reason or "")


@dataclass
class DataclassConfig:
    n_embd: int
    n_layer: int = 24


class TupleConfig(NamedTuple):
    width: int = 64
    num_layers: int = 12


@pytest.mark.parametrize("cfg_cls", [DataclassConfig, TupleConfig])
def test_config_classes_are_built_from_their_defaults_with_layers_shrunk(cfg_cls):
    cfg, text = build_config(cfg_cls, Sizes(), {})
    layers = cfg.n_layer if hasattr(cfg, "n_layer") else cfg.num_layers
    assert layers == 2 and text.startswith(cfg_cls.__name__)


def test_a_pydantic_config_is_built(tmp_path):
    pydantic = pytest.importorskip("pydantic")

    class Cfg(pydantic.BaseModel):
        hidden_size: int = 32
        num_hidden_layers: int = 12

    cfg, _ = build_config(Cfg, Sizes(), {})
    assert cfg.num_hidden_layers == 2 and cfg.hidden_size == 32


def test_a_transformers_config_subclass_is_built_with_layers_shrunk():
    transformers = pytest.importorskip("transformers")
    cfg, text = build_config(transformers.GPT2Config, Sizes(), {})
    assert cfg.n_layer == 2 and "n_layer=2" in text


def test_an_unknown_config_answers_by_attribute_name():
    cfg = AutoConfig(Sizes())
    assert (cfg.n_layer, cfg.n_head, cfg.dropout, cfg.vocab_size, cfg.n_embd) == (2, 2, 0.0, 32, 64)
    assert "n_layer=2" in repr(cfg)


def test_config_dataclass_found_by_name_and_shrunk():
    code, data, _ = run(FIXTURES / "gpt_dataclass.py")
    assert code == 0
    gpt = models(data)["GPT"]
    assert gpt["strongly_typed"] is True
    assert gpt["built_with"]["config"] == "GPTConfig(n_layer=2)"
    assert gpt["built_with"]["inputs"] == ["long[2, 8]"]
    assert [(s["name"], s["reason"]) for s in data["skipped"]] == [
        ("Block", "a submodule of GPT: checked as part of it")
    ]


def test_class_method_default_config_with_none_fields_filled():
    code, data, _ = run(FIXTURES / "default_config.py")
    lm = models(data)["LM"]
    assert lm["error"] is None if "error" in lm else True
    config = lm["built_with"]["config"]
    assert config.startswith("LM.get_default_config() with SimpleNamespace(")
    assert "n_layer=2" in config and "vocab_size=32" in config and "model_type=None" in config
    assert code == 1 and {v["rule"] for v in lm["violations"]} == {"TNN003"}


def test_string_choices_become_variants():
    code, data, _ = run(FIXTURES / "rnn_choices.py")
    assert code == 1
    got = models(data)
    assert list(got) == ["RNNModel[LSTM]", "RNNModel[GRU]", "RNNModel[RNN_TANH]", "RNNModel[RNN_RELU]"]
    for name, m in got.items():
        assert {v["rule"] for v in m["violations"]} == {"TNN002"}, name
        assert m["built_with"]["kwargs"]["rnn_type"] == repr(name[9:-1])
        assert m["built_with"]["inputs"][0] == "long[8, 2]"  # time-first, as nn.LSTM wants
        assert "init_hidden(2)" in m["built_with"]["strategy"]


def test_list_of_widths_builds_a_tcn():
    code, data, _ = run(FIXTURES / "tcn_lists.py")
    tcn = models(data)["TemporalConvNet"]
    assert tcn["built_with"]["kwargs"]["num_channels"] == "[64, 64]"
    assert tcn["built_with"]["inputs"] == ["float[2, 64, 32]"]
    assert code == 1 and tcn["strongly_typed"] is False


def test_unpacked_size_is_a_pair():
    code, data, _ = run(FIXTURES / "convgru_pair.py")
    cell = models(data)["ConvGRUCell"]
    assert code == 0 and cell["strongly_typed"] is True
    assert cell["built_with"]["kwargs"]["input_size"] == "(32, 32)"


# ------------------------------------------------------------------ never pass on nothing


def test_helpers_beside_a_checked_model_are_listed_not_errors():
    code, data, _ = run(FIXTURES / "helpers_beside_model.py")
    assert code == 0 and data["errors"] == []
    assert list(models(data)) == ["Net"]
    assert {s["name"]: s["reason"] for s in data["skipped"]} == {
        "MLP": "a submodule of Residual: checked as part of it",
        "Residual": "a submodule of Net: checked as part of it",
    }


def test_a_file_whose_models_cannot_be_built_is_exit_2_saying_what_to_add():
    path = FIXTURES / "not_buildable.py"
    for extra in ([], ["--strict"]):
        code, data, _ = run(path, *extra)
        assert code == 2 and data["models"] == []
        errors = {e["line"]: e["message"] for e in data["errors"]}
        assert errors[7].startswith("could not check Stack: constructor: cannot fill `block`")
        assert 'kwargs = {...}` under [tool.typecheck-nn.models."not_buildable.py::Stack"]' in errors[7]
        assert errors[18].startswith("could not check Reader: Reader: cannot infer forward argument `batch`")
        assert "add `def example_inputs(self)" in errors[18]


def test_a_file_without_modules_stays_exit_0(tmp_path):
    path = tmp_path / "helpers.py"
    path.write_text("import torch\n\ndef helper(x):\n    return torch.relu(x)\n")
    code, data, _ = run(path)
    assert code == 0 and data["models"] == [] and data["errors"] == []


def test_pyproject_overrides_kwargs_and_inputs(tmp_path):
    shutil.copy(FIXTURES / "not_buildable.py", tmp_path / "model.py")
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [tool.typecheck-nn.models."model.py::Reader"]
            inputs = ["float[2, 8]"]
            """
        )
    )
    code, data, _ = run(f"{tmp_path / 'model.py'}::Reader")
    assert code == 2  # the dict argument is indexed: the given input is not a dict
    reader = models(data)["Reader"]
    assert reader["built_with"]["inputs"] == ["float[2, 8]"]
    assert reader["built_with"]["strategy"] == "defaults; inputs: inputs from pyproject.toml"


def test_pyproject_kwargs_build_the_model(tmp_path):
    (tmp_path / "model.py").write_text(
        textwrap.dedent(
            """
            from torch import nn

            class Gated(nn.Module):
                def __init__(self, spec):
                    super().__init__()
                    self.w = nn.Linear(spec["width"], spec["width"])
                    self.f = nn.Linear(spec["width"], spec["width"])

                def forward(self, x):
                    f = self.f(x).sigmoid()
                    return f * self.w(x)
            """
        )
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.typecheck-nn.models."model.py::Gated"]\nkwargs = { spec = { width = 16 } }\ninputs = ["float[2, 16]"]\n'
    )
    code, data, _ = run(tmp_path / "model.py")
    gated = models(data)["Gated"]
    assert code == 0 and gated["strongly_typed"] is True
    assert gated["built_with"]["kwargs"] == {"spec": "{'width': 16}"}
    assert gated["built_with"]["inputs"] == ["float[2, 16]"]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[tool.typecheck-nn.models."model.py"]\ninputs = []\n', "the key must be PATH::NAME"),
        ('[tool.typecheck-nn.models."m.py::A"]\ninputs = ["float(2, 3)"]\n', "expected DTYPE[D1, D2, ...]"),
        ('[tool.typecheck-nn.models."m.py::A"]\ninputs = ["complex[2]"]\n', "unknown dtype 'complex'"),
        ('[tool.typecheck-nn.models."m.py::A"]\nkwargs = 3\n', "kwargs: expected a table"),
        ('[tool.typecheck-nn.models."m.py::A"]\nshape = 3\n', "unknown key 'shape'"),
    ],
)
def test_bad_model_overrides_are_clear_config_errors(tmp_path, table, message):
    from typecheck_nn.policy.config import ConfigError, config_for

    (tmp_path / "pyproject.toml").write_text(table)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("(", r"\(")):
        config_for(tmp_path)


def test_state_set_up_by_the_models_own_method_before_forward():
    """forward reads `self.previous_state`, which only `init_sequence(batch_size)` sets: the
    builder calls it (read from the class's source) as a training loop would. The guessed
    input that fits is one whose trace fails on the meta device only because the model
    makes its state on the CPU, so it is retried with real tensors."""
    code, data, _ = run(FIXTURES / "state_set_up_by_a_method.py")
    cell = models(data)["SteppedCell"]
    assert code == 1 and not cell.get("error")
    assert cell["built_with"]["inputs"] == ["float[2, 64]"]
    assert "state set up by the model's init_sequence(2)" in cell["built_with"]["strategy"]
    assert {v["rule"] for v in cell["violations"]} == {"TNN002"}  # tanh(W [x, h]) read as a step


def test_sequence_setup_is_read_from_the_source_not_a_name():
    from typecheck_nn.run.inputs import sequence_setup

    class SetInInit(nn.Module):  # the constructor sets the state: nothing to call
        def __init__(self):
            super().__init__()
            self.state = None

        def reset(self):
            self.state = None

        def forward(self, x):
            return x if self.state is None else x + self.state

    class SetLater(SetInInit):
        def __init__(self):
            nn.Module.__init__(self)

        def begin(self, n):
            self.state = torch.zeros(n)

    assert sequence_setup(SetInInit) is None
    setup = sequence_setup(SetLater)
    assert setup is not None and setup.name in ("reset", "begin")


# ------------------------------------------------------------------ import side effects


def test_argparse_at_import_gets_its_defaults(tmp_path):
    path = tmp_path / "train.py"
    path.write_text((FIXTURES / "argparse_script.py").read_text().replace("REQUIRED", "False"))
    code, data, _ = run(path)
    assert code == 1 and models(data)["Model"]["built_with"]["inputs"] == ["float[2, 32]"]


def test_a_script_that_exits_at_import_says_so(tmp_path):
    path = tmp_path / "train.py"
    path.write_text((FIXTURES / "argparse_script.py").read_text().replace("REQUIRED", "True"))
    code, data, _ = run(path)
    assert code == 2
    (error,) = data["errors"]
    assert error["line"] == 10
    assert "the file exited while being imported at line 10" in error["message"]
    assert "the following arguments are required: --data" in error["message"]


def test_syntax_error_in_an_imported_module_is_reported_there(tmp_path):
    (tmp_path / "helpers.py").write_text("def f(:\n    pass\n")
    (tmp_path / "model.py").write_text("import helpers\nfrom torch import nn\n\nclass M(nn.Module):\n    pass\n")
    code, data, _ = run(tmp_path / "model.py")
    assert code == 2
    (error,) = data["errors"]
    assert error["path"] == str(tmp_path / "helpers.py") and error["line"] == 1
    assert "imports" in error["message"]
