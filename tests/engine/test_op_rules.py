"""The op-rule registry, and each rule family typed alone on a tiny graph.

Each family test exports a three-line module, types it and solves it, then asserts the
constraints the family is meant to impose (which axes are one type, which must differ),
without going through diagnostics.
"""

from __future__ import annotations

import os

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from typecheck_nn.engine.diagnose import _op_note
from typecheck_nn.engine.ir import OpKind
from typecheck_nn.engine.ops import REGISTRY, registry
from typecheck_nn.engine.recurrence import recurrence_summary
from typecheck_nn.engine.solve import solve
from typecheck_nn.engine.trace import trace
from typecheck_nn.engine.typegraph import build_typed_graph


class Typed:
    """A module traced, typed and solved: `same(a, b)` asks whether two axes are one type."""

    def __init__(self, module: nn.Module, *args):
        self.program = trace(module, args, {}, user_files={os.path.abspath(__file__)})
        self.tg = build_typed_graph(self.program)
        self.sol = solve(self.tg.constraints)
        self.uf = self.sol.solver
        graph = self.program.graph_module.graph
        out = next(n for n in graph.nodes if n.op == "output").args[0]
        self.outputs = [self.tg.values[o.name] for o in (out if isinstance(out, (list, tuple)) else [out])]
        self.inputs = [self.tg.values[n] for n in self.tg.inputs]

    def param(self, name: str):
        return next(p for p in self.tg.params if p.name == name)

    def same(self, a: int, b: int) -> bool:
        return bool(self.uf.atoms(a) & self.uf.atoms(b))

    @property
    def conflicts(self):
        return self.sol.conflicts

    def ops(self, target: str):
        return [op for op in self.tg.ops if op.target == target]


class Fn(nn.Module):
    def __init__(self, fn, **params):
        super().__init__()
        self.fn = fn
        for k, v in params.items():
            setattr(self, k, v)

    def forward(self, *args):
        return self.fn(self, *args)


# -- the registry ------------------------------------------------------------------------------
def test_duplicate_registration_fails_loudly():
    with pytest.raises(ValueError, match="registered twice"):
        registry.rule(torch.ops.aten.add, kind=OpKind.BINARY, note="x")(lambda r: None)


def test_rules_are_registered_on_op_objects_so_a_misspelling_fails_at_import():
    with pytest.raises(AttributeError):
        registry.rule(torch.ops.aten.addd, kind=OpKind.BINARY, note="x")  # noqa: B018 - the lookup is the test
    with pytest.raises(ValueError, match="register `torch.ops.aten.relu`"):
        registry.rule("relu", kind=OpKind.UNARY, note="x")(lambda r: None)


def test_metadata_lives_in_the_record_the_dispatcher_and_diagnostics_read():
    add, sub, mul = (REGISTRY.lookup(n) for n in ("add", "rsub", "mul_"))
    assert (add.symbol_for("add"), add.additive) == ("+", True)
    assert (sub.symbol_for("rsub"), sub.additive) == ("-", True)
    assert (mul.symbol_for("mul_"), mul.additive) == ("*", False)
    assert REGISTRY.lookup("clamp_.Tensor").symbol_for("clamp_") == "clamp"  # binary: one operation
    assert REGISTRY.lookup("copy_").symbol_for("copy_") == "copy_"  # a write keeps its name
    assert REGISTRY.lookup("sigmoid").gate is registry.Gate.MAKES
    assert REGISTRY.lookup("tanh").gate is registry.Gate.DROPS
    assert REGISTRY.lookup("clone").gate is registry.Gate.KEEPS
    assert REGISTRY.lookup("lstm").kind is OpKind.RECURRENT and REGISTRY.lookup("lstm").symbol_for("lstm") == "lstm"
    assert REGISTRY.lookup("gru_cell").symbol_for("gru_cell") == "gru"  # named by the cell it computes


def test_every_rule_has_kind_and_note():
    for fam in REGISTRY.families:
        assert isinstance(fam.kind, OpKind)
        assert "{sym}" in fam.note or "`" in fam.note, fam.family


def _core_forward_ops() -> set[str]:
    """Every registered aten op tagged core: enumerated from the dispatcher, not from
    `dir(torch.ops.aten)`, which lists only the packets loaded so far and so would make this
    test depend on which tests ran before it."""
    names = set()
    registered = {
        full[len("aten::") :].split(".")[0]
        for full in torch._C._dispatch_get_all_op_names()
        if full.startswith("aten::")
    }
    for attr in sorted(registered):
        packet = getattr(torch.ops.aten, attr, None)
        if packet is None or not hasattr(packet, "overloads"):
            continue
        for overload in packet.overloads():
            if torch.Tag.core in getattr(packet, overload).tags:
                names.add(attr)
    return {n for n in names if "backward" not in n}


# ops outside the Core ATen opset that real models reach (export keeps them, or the
# recorded path sees them at dispatch): each needs a rule as much as a core op does
REAL_MODEL_OPS = {
    "cosine_similarity",  # an NTM's content addressing
    "log_sigmoid_forward",  # xLSTM's sLSTM gates, on the recorded path
    "complex",  # an LRU's complex eigenvalues
    "polar",
    "pairwise_distance",
    "div",  # hyper-connections, everywhere
    "lstm_cell",
    "gru_cell",
    "rnn_tanh_cell",
    "rnn_relu_cell",
}


def test_every_core_aten_forward_op_has_a_rule_or_a_documented_reason():
    core = _core_forward_ops() | REAL_MODEL_OPS
    assert len(core) > 100  # the enumeration itself works
    missing = sorted(n for n in core if REGISTRY.lookup(n) is None and n not in REGISTRY.no_rule)
    assert not missing, f"core ATen ops with no typing rule and no documented reason: {missing}"
    for name, reason in REGISTRY.no_rule.items():
        assert len(reason) > 20, name


@pytest.mark.parametrize(
    "name",
    [
        "numpy_T",
        "mT",
        "__and__",
        "__or__",
        "diff",
        "hardswish_",
        "subtract",
        "multiply",
        "logcumsumexp",
        "histc",
        "im2col",
        "col2im",
        "fft_rfft",
        "real",
        "mkldnn_rnn_layer",
        "_grouped_mm",
        "uniform_",
    ],
)
def test_ops_met_in_real_models_have_rules(name):
    assert REGISTRY.lookup(name) is not None


# -- families ----------------------------------------------------------------------------------
def test_linear_contracts_and_changes_type():
    t = Typed(nn.Linear(4, 6), torch.randn(2, 4))
    w = t.param("weight")
    (x,) = t.inputs
    (y,) = t.outputs
    assert t.same(x.axes[-1], w.axes[1])
    assert t.same(y.axes[-1], w.axes[0])
    assert t.same(y.axes[0], x.axes[0])
    assert (0, w.axes[0], w.axes[1]) in {(p, a, b) for p, a, b, _ in t.tg.constraints.distinct}


@pytest.mark.parametrize(
    "spelling",
    [
        lambda m, x: x @ m.w.T,
        lambda m, x: x @ m.w.mT,
        lambda m, x: F.linear(x, m.w * 3.0),
        lambda m, x: torch.bmm(x.unsqueeze(1), m.w.t().expand(2, 4, 4)).squeeze(1),
    ],
    ids=["T", "mT", "scaled", "expand"],
)
def test_learned_operand_by_data_flow(spelling):
    """However a weight is spelled, adding its output to its input is a conflict."""
    t = Typed(Fn(lambda m, x: x + spelling(m, x), w=nn.Parameter(torch.randn(4, 4))), torch.randn(2, 4))
    assert len(t.conflicts) == 1


def test_input_computed_matrix_is_not_learned():
    """Attention scores (q @ k^T from the input) are no learned matrix: no conflict."""
    t = Typed(Fn(lambda m, x: x + x @ x.transpose(-1, -2) @ x), torch.randn(2, 3, 3))
    assert not t.conflicts


def test_binary_unifies_and_product_chooses():
    t = Typed(Fn(lambda m, x, y: (x + y, x * y)), torch.randn(2, 3), torch.randn(2, 3))
    x, y = t.inputs
    s, p = t.outputs
    assert t.same(x.axes[1], y.axes[1]) and t.same(s.axes[1], x.axes[1])
    assert t.ops("add")[0].binary and t.ops("add")[0].kind is OpKind.BINARY
    assert t.ops("mul")[0].kind is OpKind.PRODUCT


def test_gate_acts_on_the_value():
    t = Typed(Fn(lambda m, g, v: torch.sigmoid(g) * v), torch.randn(2, 3), torch.randn(2, 3))
    g, v = t.inputs
    (out,) = t.outputs
    assert t.same(out.axes[1], v.axes[1]) and not t.same(out.axes[1], g.axes[1])


def test_cat_builds_a_direct_sum_and_chunk_takes_it_apart():
    t = Typed(Fn(lambda m, a, b: torch.cat([a, b], -1).chunk(2, -1)[1]), torch.randn(2, 3), torch.randn(2, 3))
    a, b = t.inputs
    (out,) = t.outputs
    assert t.same(out.axes[1], b.axes[1]) and not t.same(out.axes[1], a.axes[1])


def test_view_builds_a_product():
    t = Typed(Fn(lambda m, x: x.view(2, 12).view(2, 3, 4)), torch.randn(2, 3, 4))
    (x,) = t.inputs
    (out,) = t.outputs
    assert all(t.same(out.axes[i], x.axes[i]) for i in range(3))


def test_pad_and_unpadded_conv_give_new_position_types():
    t = Typed(
        Fn(
            lambda m, x: (F.pad(x, (1, 1)), F.conv1d(x, m.k), F.conv1d(x, m.k, padding=1)),
            k=nn.Parameter(torch.randn(2, 2, 3)),
        ),
        torch.randn(1, 2, 5),
    )
    (x,) = t.inputs
    padded, short, same = t.outputs
    assert not t.same(padded.axes[-1], x.axes[-1])
    assert not t.same(short.axes[-1], x.axes[-1])
    assert t.same(same.axes[-1], x.axes[-1])


def test_row_write_is_read_back_and_joins_the_whole_when_used_whole():
    def f(m, dest, src):
        dest = dest.clone()
        dest[0] = src
        return dest[0], dest.sum(0)

    t = Typed(Fn(f), torch.randn(3, 2, 4), torch.randn(2, 4))
    dest, src = t.inputs
    row, total = t.outputs
    assert t.same(row.axes[1], src.axes[1])  # the row holds what was written
    assert t.same(src.axes[1], dest.axes[2]) and t.same(src.axes[0], dest.axes[1])  # used whole: one type


def test_slice_write_unifies_written_value_with_region():
    def f(m, dest, src):
        dest = dest.clone()
        dest[:, :, :2] = src
        return dest

    t = Typed(Fn(f), torch.randn(3, 2, 4), torch.randn(3, 2, 2))
    dest, src = t.inputs
    assert t.same(src.axes[1], dest.axes[1]) and t.same(src.axes[0], dest.axes[0])
    assert OpKind.WRITE in {op.kind for op in t.tg.ops}


def test_grouped_conv_is_block_diagonal():
    t = Typed(nn.Conv1d(8, 8, 1, groups=2), torch.randn(1, 8, 5))
    (x,) = t.inputs
    (y,) = t.outputs
    # group index kept, per-group channels changed: channel types differ but share the group atom
    assert not t.uf.atoms(x.axes[1]) == t.uf.atoms(y.axes[1])
    assert t.same(x.axes[1], y.axes[1])
    assert t.tg.constraints.distinct


def test_reduction_keeps_remaining_axes():
    t = Typed(Fn(lambda m, x: x.sum(1)), torch.randn(2, 3, 4))
    (x,) = t.inputs
    (out,) = t.outputs
    assert t.same(out.axes[0], x.axes[0]) and t.same(out.axes[1], x.axes[2])


def test_unknown_op_makes_the_verdict_incomplete():
    lib = torch.library.Library("tnn_test", "FRAGMENT")  # noqa: F841 - keeps the op alive
    torch.library.define("tnn_test::blackbox", "(Tensor x) -> Tensor", lib=lib)
    torch.library.impl("tnn_test::blackbox", "default", lambda x: x.clone(), lib=lib)
    torch.library.register_fake("tnn_test::blackbox", lambda x: torch.empty_like(x), lib=lib)
    t = Typed(Fn(lambda m, x: m.lin(torch.ops.tnn_test.blackbox(x)), lin=nn.Linear(4, 4)), torch.randn(2, 4))
    holes = [u for u in t.tg.unknown if u.hole]
    assert [u.target for u in holes] == ["blackbox"]


# -- metadata read by diagnostics ------------------------------------------------------------------
def test_notes_come_from_the_registry():
    t = Typed(Fn(lambda m, x: x.narrow(1, 0, 2) + x.tensor_split(2, 1)[0]), torch.randn(2, 4))
    for target in ("narrow", "tensor_split", "slice"):
        for op in t.ops(target):
            assert "part of a direct sum" in _op_note(op, "W", -1, "cod(W)", "dom(W)")


def test_casts_and_dropout_in_firmware_keep_it_elementwise():
    class TRNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.z, self.f = nn.Linear(4, 8), nn.Linear(4, 8)
            self.drop = nn.Dropout(0.1)

        def forward(self, xs):
            h = torch.zeros(2, 8)
            for t in range(3):
                f = torch.sigmoid(self.f(xs[t]))
                h = (f * h.clone().float() + (1 - f) * self.drop(self.z(xs[t]))).contiguous()
            return h

    from typecheck_nn.engine.recurrence import firmware_ops, state_producers

    t = Typed(TRNN(), torch.randn(3, 2, 4))
    fw = firmware_ops(t.tg)
    summary = recurrence_summary(t.tg, fw, state_producers(t.tg, fw))
    assert summary.has_recurrence and summary.firmware_elementwise is True


def test_semantics_doc_table_matches_the_registry():
    from pathlib import Path

    from typecheck_nn.engine.ops.registry import markdown_table

    doc = (Path(__file__).parents[2] / "docs" / "semantics.md").read_text()
    start = doc.index("<!-- BEGIN generated op table -->\n") + len("<!-- BEGIN generated op table -->\n")
    end = doc.index("<!-- END generated op table -->")
    assert doc[start:end] == markdown_table(REGISTRY), "regenerate with `python scripts/regen_op_table.py`"


def test_scan_needs_firmware_linear_in_the_state():
    """c = f * c + u is a linear scan; a gate computed from c (SRU's forget gate) is not."""
    from typecheck_nn.engine.recurrence import firmware_ops, state_producers

    class Cell(nn.Module):
        def __init__(self, gate_from_state: bool):
            super().__init__()
            self.z, self.f = nn.Linear(4, 8), nn.Linear(4, 8)
            self.v = nn.Parameter(torch.ones(8))
            self.gate_from_state = gate_from_state

        def forward(self, xs):
            c = torch.zeros(2, 8)
            for t in range(3):
                pre = self.f(xs[t]) + (c * self.v if self.gate_from_state else 0)
                f = torch.sigmoid(pre)
                c = f * c + (1 - f) * self.z(xs[t])
            return c

    for gate_from_state, scan in ((False, True), (True, False)):
        t = Typed(Cell(gate_from_state), torch.randn(3, 2, 4))
        fw = firmware_ops(t.tg)
        summary = recurrence_summary(t.tg, fw, state_producers(t.tg, fw))
        assert summary.firmware_elementwise is True
        assert summary.scan_parallelizable is scan


def test_fixed_matrix_keeps_basis():
    """Identity, permutation and diagonal buffers keep the type; general, rectangular,
    unknown (meta) ones are matrices that change it."""
    import torch

    from typecheck_nn.engine.fixed import keeps_basis

    assert keeps_basis(torch.eye(4))
    assert keeps_basis(torch.eye(4)[[1, 2, 3, 0]])
    assert keeps_basis(torch.diag(torch.tensor([1.0, 2.0, 3.0])))
    assert keeps_basis(torch.eye(3).expand(2, 3, 3))
    assert not keeps_basis(torch.ones(3, 3))
    assert not keeps_basis(torch.tril(torch.ones(3, 3)))
    assert not keeps_basis(torch.randn(3, 4))
    assert not keeps_basis(torch.eye(4, device="meta"))
    assert not keeps_basis(None)
