"""Hand-built Reports for the HTML report's tests and benchmarks.

They do not run the checker: the renderer must be testable on its own, and the benchmark
must measure rendering, not tracing. The synthetic graph mimics a transformer's module
hierarchy (layers × attention heads / experts × ops) so collapsing and layout see the
shapes they will see in practice.
"""

from __future__ import annotations

from pathlib import Path

from typecheck_nn.core.model import (
    Diagnostic,
    FileError,
    GraphAttr,
    GraphEdge,
    GraphNode,
    GraphView,
    Location,
    ModelResult,
    RecurrenceSummary,
    Related,
    Report,
    Skipped,
)

LSTM_SOURCE = '''"""Classic LSTM written the common way: one Linear over [x; h], four chunks."""
import torch
from torch import nn


class ConcatLSTM(nn.Module):
    def __init__(self, d_in: int = 16, d_hidden: int = 32):
        super().__init__()
        self.d_hidden = d_hidden
        self.gates = nn.Linear(d_in + d_hidden, 4 * d_hidden)

    def forward(self, xs: torch.Tensor) -> torch.Tensor:
        batch = xs.shape[1]
        h = xs.new_zeros(batch, self.d_hidden)
        c = xs.new_zeros(batch, self.d_hidden)
        for x in xs.unbind(0):
            i, f, g, o = self.gates(torch.cat([x, h], dim=-1)).chunk(4, dim=-1)
            i, f, o = torch.sigmoid(i), torch.sigmoid(f), torch.sigmoid(o)
            g = torch.tanh(g)
            c = f * c + i * g
            h = o * torch.tanh(c)
        return h
'''


def split_type(type_: str) -> list[str]:
    """ "[batch, cod(W) ⊗ x]" -> ["batch", "cod(W) ⊗ x"]: axis names, commas inside () kept."""
    inner = type_[1:-1] if type_.startswith("[") and type_.endswith("]") else type_
    out, depth, cur = [], 0, ""
    for ch in inner:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


class GraphBuilder:
    """Appends nodes and edges; each op's output type flows along its out-edges.

    Parameters are nodes (as the checker's GraphView has them) and are also folded into the
    ops that read them as attributes, which is what the page draws.
    """

    def __init__(self) -> None:
        self.graph = GraphView()
        self.types: dict[str, str] = {}
        self.nodes: dict[str, GraphNode] = {}

    def add(
        self,
        op: str,
        module: str,
        type_: str,
        inputs=(),
        *,
        kind="op",
        role="learnware",
        location: Location | None = None,
        conflict=False,
    ) -> str:
        node_id = f"n{len(self.graph.nodes)}"
        axes = split_type(type_)
        shape = tuple(2 + (len(a) % 7) for a in axes)
        node = GraphNode(node_id, op, kind, module, type_, role, location, conflict, shape=shape, axes=axes)
        self.graph.nodes.append(node)
        self.nodes[node_id] = node
        self.types[node_id] = type_
        for src in inputs:
            self.graph.edges.append(GraphEdge(src, node_id, self.types[src], split_type(self.types[src])))
            p = self.nodes[src]
            if p.kind == "param":
                name = f"{p.module}.{p.op}" if p.module and not p.op.startswith(p.module) else p.op
                node.attrs.append(GraphAttr(name, p.shape or (), list(p.axes)))
        return node_id


def lstm_report(path: Path) -> Report:
    """A not-strongly-typed LSTM with its source on disk, one TNN002 violation and notes."""
    path.write_text(LSTM_SOURCE, encoding="utf-8")
    p = str(path)
    loc = lambda line, col=1, end=None: Location(p, line, col, line, end)  # noqa: E731
    b = GraphBuilder()
    xs = b.add("input", "", "[time, batch, d_in]", kind="input", role="other")
    w = b.add("gates.weight", "gates", "cod(gates) ⊗ dom(gates)", kind="param", role="param")
    bias = b.add("gates.bias", "gates", "[cod(gates)]", kind="param", role="param")
    h = b.add("aten.new_zeros", "", "[batch, h]", location=loc(14), role="firmware")
    c = b.add("aten.new_zeros", "", "[batch, c]", location=loc(15), role="firmware")
    x = b.add("aten.unbind", "", "[batch, d_in]", [xs], location=loc(16))
    for step in range(2):
        cat = b.add(
            "aten.cat", "", "[batch, d_in ⊕ h]", [x, h], location=loc(17, 37, 62), role="firmware", conflict=True
        )
        lin = b.add(
            "aten.linear",
            "gates",
            "[batch, cod(gates)]",
            [cat, w, bias],
            location=loc(17, 26, 63),
            role="firmware",
            conflict=True,
        )
        ch = [
            b.add("aten.chunk", "", f"[batch, cod(gates)/{k}]", [lin], location=loc(17), role="firmware")
            for k in range(4)
        ]
        i_, f_, o_ = (
            b.add("aten.sigmoid", "", b.types[ch[k]], [ch[k]], location=loc(18), role="firmware") for k in (0, 1, 3)
        )
        g_ = b.add("aten.tanh", "", b.types[ch[2]], [ch[2]], location=loc(19), role="firmware")
        fc = b.add("aten.mul", "", "[batch, c]", [f_, c], location=loc(20), role="firmware")
        ig = b.add("aten.mul", "", b.types[i_], [i_, g_], location=loc(20), role="firmware")
        c = b.add("aten.add", "", "[batch, c]", [fc, ig], location=loc(20, 13, 26), role="firmware", conflict=True)
        tc = b.add("aten.tanh", "", "[batch, c]", [c], location=loc(21), role="firmware")
        h = b.add("aten.mul", "", "[batch, h]", [o_, tc], location=loc(21), role="firmware")
        if step == 0:
            x = b.add("aten.unbind", "", "[batch, d_in]", [xs], location=loc(16))
    b.add("output", "", "[batch, h]", [h], kind="output", role="other")
    violation = Diagnostic(
        code="TNN002",
        name="recurrent-state-retyped",
        severity="error",
        message="the recurrent state `h` passes through `self.gates` and flows back into itself",
        location=loc(17, 26, 63),
        model="ConcatLSTM",
        related=[
            Related(loc(20, 13, 26), "`c` mixes cod(gates) with its previous type"),
            Related(loc(21, 13, 34), "`h` becomes `o * tanh(c)` and is fed back into `self.gates`"),
        ],
        types=("h", "cod(gates)"),
        help="compute gates from the inputs only and update the state elementwise",
        url="https://github.com/typecheck-nn/typecheck-nn/blob/main/docs/rules/TNN002.md",
    )
    note = Diagnostic("TNN100", "unknown-op", "info", "no typing rule for aten.unbind", loc(16), model="ConcatLSTM")
    model = ModelResult(
        name="ConcatLSTM",
        path=p,
        strongly_typed=False,
        violations=[violation],
        notes=[note],
        recurrence=RecurrenceSummary(
            True, ["h", "c"], 2, len(b.graph.nodes) - 5, ["linear", "cat", "mul", "add"], False
        ),
        graph=b.graph,
        trace_method="export",
        seconds={"trace": 0.2, "solve": 0.01},
    )
    return Report([model])


def hostile_report(source: Path) -> Report:
    """Every user-controlled string tries to break out of its context."""
    source.write_text("x = '</script><script>alert(2)</script>'\ny = x + '<!--'\n", encoding="utf-8")
    evil = "<script>alert(1)</script>"
    b = GraphBuilder()
    a = b.add("<img src=x onerror=alert(3)>", evil, "</script><!--", kind="input")
    b.add("aten.add", evil + ".sub", "& \u2028 <b>", [a], location=Location(str(source), 1, 5, 1, 40), conflict=True)
    diag = Diagnostic(
        "TNN001",
        "mixed-type-binary-op",
        "error",
        f"message {evil}",
        Location(str(source), 1, 5, 1, 40),
        related=[Related(Location(str(source), 2, 5), f"related {evil}")],
        types=(evil, "</script>"),
        help=f"help {evil}",
        url="javascript:alert(4)",
    )
    model = ModelResult(evil, str(source), False, [diag], graph=b.graph)
    return Report([model], [Skipped(evil, "x.py", f"reason {evil}")], [FileError(evil, f"boom {evil}", 3)])


def _linear(b: GraphBuilder, module: str, x: str) -> str:
    w = b.add(f"{module}.weight", module, f"cod({module}) ⊗ dom({module})", kind="param", role="param")
    bias = b.add(f"{module}.bias", module, f"[cod({module})]", kind="param", role="param")
    return b.add("aten.linear", module, f"[batch, seq, cod({module})]", [x, w, bias])


def _norm(b: GraphBuilder, module: str, x: str) -> str:
    t = b.types[x]
    mean = b.add("aten.mean", module, "[batch, seq]", [x])
    cen = b.add("aten.sub", module, t, [x, mean])
    var = b.add("aten.mean", module, "[batch, seq]", [b.add("aten.pow", module, t, [cen])])
    inv = b.add("aten.rsqrt", module, "[batch, seq]", [b.add("aten.add", module, "[batch, seq]", [var])])
    w = b.add(f"{module}.weight", module, f"[{t}]", kind="param", role="param")
    return b.add("aten.mul", module, t, [b.add("aten.mul", module, t, [cen, inv]), w])


def synthetic_report(n_nodes: int = 5000, n_layers: int = 12, heads: int = 8) -> Report:
    """A transformer-shaped model of about n_nodes drawn nodes (ops, inputs, outputs; its
    parameters are folded into the ops): heads and MoE experts per layer."""
    fixed = 25 + heads * 8  # drawn nodes per layer besides the experts (5 each, plus 4 parameters)
    experts = max(1, (n_nodes // n_layers - fixed) // 5)
    b = GraphBuilder()
    x = b.add("input", "", "[batch, seq, d_model]", kind="input", role="other")
    x = b.add(
        "aten.embedding",
        "embed",
        "[batch, seq, d_model]",
        [x, b.add("embed.weight", "embed", "vocab ⊗ d_model", kind="param", role="param")],
    )
    for layer in range(n_layers):
        m = f"layers.{layer}"
        y = _norm(b, f"{m}.norm1", x)
        q, k, v = (_linear(b, f"{m}.attn.{p}_proj", y) for p in "qkv")
        outs = []
        for hd in range(heads):
            hm = f"{m}.attn.heads.{hd}"
            qs, ks, vs = (b.add("aten.slice", hm, b.types[t], [t]) for t in (q, k, v))
            s = b.add(
                "aten.div",
                hm,
                "[batch, seq, seq]",
                [b.add("aten.matmul", hm, "[batch, seq, seq]", [qs, b.add("aten.transpose", hm, b.types[ks], [ks])])],
            )
            p = b.add("aten.softmax", hm, "[batch, seq, seq]", [s])
            outs.append(b.add("aten.matmul", hm, b.types[vs], [p, vs]))
        cat = b.add("aten.cat", f"{m}.attn", f"[batch, seq, cod({m}.attn.v_proj)]", outs)
        x = b.add("aten.add", m, b.types[x], [x, _linear(b, f"{m}.attn.out_proj", cat)])
        y = _norm(b, f"{m}.norm2", x)
        gate = b.add("aten.softmax", f"{m}.moe.router", "[batch, seq, experts]", [_linear(b, f"{m}.moe.router", y)])
        acc = None
        for ex in range(experts):
            em = f"{m}.moe.experts.{ex}"
            hmid = b.add("aten.gelu", em, f"[batch, seq, cod({em}.fc1)]", [_linear(b, f"{em}.fc1", y)])
            out = b.add("aten.mul", em, b.types[x], [_linear(b, f"{em}.fc2", hmid), gate])
            acc = out if acc is None else b.add("aten.add", f"{m}.moe", b.types[x], [acc, out])
        x = b.add("aten.add", m, b.types[x], [x, acc])
    nodes = b.graph.nodes
    bad = nodes[len(nodes) // 2]
    nodes[len(nodes) // 2] = GraphNode(
        bad.id, bad.op, bad.kind, bad.module, bad.type, bad.role, Location("model.py", 42), True
    )
    b.add("output", "", b.types[x], [x], kind="output", role="other")
    diag = Diagnostic(
        "TNN003",
        "matrix-output-added-to-input",
        "error",
        "x + f(W x) changes type",
        Location("model.py", 42, 9, 42, 30),
        types=("[batch, seq, d_model]", "[batch, seq, cod(W)]"),
        help="map the skip path into the same type",
        url="https://github.com/typecheck-nn/typecheck-nn/blob/main/docs/rules/TNN003.md",
    )
    model = ModelResult(
        f"SyntheticTransformer{n_nodes}",
        "model.py",
        False,
        [diag],
        recurrence=RecurrenceSummary(False, [], len(nodes), 0),
        graph=b.graph,
    )
    return Report([model])
