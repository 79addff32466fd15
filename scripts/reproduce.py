"""Reproduce every behaviour claim of the reference models on CPU and write docs/results.md.

    .venv/bin/python scripts/reproduce.py --quick          # <= 45 min on 2 cores
    .venv/bin/python scripts/reproduce.py                  # the full budgets (a few hours on 2 cores)
    .venv/bin/python scripts/reproduce.py --only copy      # one group; the others keep their last results
    .venv/bin/python scripts/reproduce.py --report-only    # rewrite docs/results.md from the runs on disk

Every training run is an ordinary ``reference-models train`` call (seeded, ``--log`` output
in ``<out>/<run>.log``), two at a time with one thread each, each capped in wall-clock
minutes so the mode's time bound holds on a loaded machine; a run that hits its cap
stops with a checkpoint and its metrics say how many steps it did. The learning rate
anneals over the steps or the cap, whichever ends first (``--schedule cosine-budget``). The speed claims
come from ``benchmarks/scan_vs_cudnn.py`` (interleaved, both threads, after the
training). Then ``docs/results.md`` is generated from the metrics files: one table row
per claim (metric, typed, classic, goal, met?), the plots it cites (written under
``docs/results/``), and the exact commands. Nothing in it is typed by hand.

Claims (see docs/reference-models.md for the models):
  char-lm   T-LSTM vs nn.LSTM at equal parameters: validation BPC and training loss
  copy      typed NTM < 0.1 bits/sequence on held-out lengths <= 20 at the final checkpoint
            (2,560 fixed sequences), and better than nn.LSTM at length 40 with the same
            budget; the classic NTM's learning curve, converged or not
  hm        HM-LSTM / typed HM-RNN boundary rates at word boundaries vs elsewhere (typed:
            >= 2x), with their learning curves (BPC and boundary rates every 500 steps)
  act       ACT parity (Graves 2016): the same cell with ACT beats it without, at equal
            parameters; mean ponder time grows with difficulty (Elman and typed T-RNN)
  attention reversal trained on lengths <= 10: at length 20 the model with attention is far
            above the same model without (GRU and typed T-GRU); attention heat-map
  speed     firmware overhead <= 1.10x and nn.LSTM / T-LSTM >= 0.9 x the ceiling measured
            in the same run (nn.LSTM / GEMMs only), CPU, T=256 B=32 D=H=256
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
HM_FULL_STEPS = 10_000


@dataclasses.dataclass(frozen=True)
class Run:
    """One training run: a name (its directory), the model and the CLI arguments after it."""

    group: str
    name: str
    model: str
    args: tuple[str, ...]
    minutes: float  # wall-clock cap (--max-minutes)


def plan(quick: bool, seed: int) -> list[Run]:
    """The runs behind the claims; --quick shortens every budget, nothing else changes."""
    cap = lambda full, q: q if quick else full  # noqa: E731
    lm = ("--task", "char-lm", "--batch-size", "32", "--seq-len", "128", "--eval-every", "100", "--seed", str(seed))
    lm_steps = ("--steps", str(cap(1500, 300)))
    copy_steps = "3000" if quick else "8000"
    cp = ("--task", "copy", "--steps", copy_steps, "--batch-size", "32", "--seq-len", "20", "--eval-every", "250")
    cp += ("--slots", "128", "--word", "20", "--lr", "1e-3", "--seed", str(seed))
    # HM: 10,000 steps of 64 x 100 characters (about 150 passes over the 418k training characters).
    # At one thread that is ~2 h for the typed HM-RNN and ~7.5 h for the HM-LSTM; the evaluations
    # every 500 steps record validation BPC and the boundary rates, the learning curves of the claim.
    hm = ("--task", "char-lm", "--steps", str(300 if quick else HM_FULL_STEPS), "--batch-size", "64")
    hm += ("--seq-len", "100", "--eval-every", "100" if quick else "500", "--layers", "2", "--hidden", "256")
    hm += ("--dropout", "0", "--weight-decay", "0", "--seed", str(seed))
    # ACT parity (Graves 2016, 16 bits here): the same cell with ACT (at most 10 ponder steps)
    # and without (--max-ponder 1), so the parameters are equal by construction.
    par = ("--task", "parity", "--steps", str(cap(6000, 2000)), "--batch-size", "128", "--seq-len", "16")
    par += ("--hidden", "128", "--eval-every", "250", "--lr", "1e-3", "--ponder-cost", "1e-3", "--seed", str(seed))
    # reversal: trained on lengths 1-10, evaluated at 10 and 20 (2x)
    rev = ("--task", "reverse", "--steps", str(cap(4000, 1500)), "--batch-size", "64", "--seq-len", "10")
    rev += ("--hidden", "64", "--eval-every", "250", "--lr", "3e-3", "--seed", str(seed))
    return [
        Run("act", "act-rnn", "act-rnn", (*par, "--max-ponder", "10"), cap(30, 3)),
        Run("act", "act-rnn-noact", "act-rnn", (*par, "--max-ponder", "1"), cap(30, 3)),
        Run("act", "t-act-rnn", "t-act-rnn", (*par, "--max-ponder", "10"), cap(30, 3)),
        Run("act", "t-act-rnn-noact", "t-act-rnn", (*par, "--max-ponder", "1"), cap(30, 3)),
        Run("attention", "attn-gru", "attn-gru", rev, cap(30, 3)),
        Run("attention", "attn-gru-noattn", "attn-gru", (*rev, "--no-attention"), cap(30, 3)),
        Run("attention", "t-attn-gru", "t-attn-gru", rev, cap(30, 3)),
        Run("attention", "t-attn-gru-noattn", "t-attn-gru", (*rev, "--no-attention"), cap(30, 3)),
        Run("copy", "copy-tntm", "t-ntm", (*cp, "--hidden", "100"), cap(120, 15)),
        Run("copy", "copy-lstm", "torch-lstm", (*cp, "--hidden", "256"), cap(60, 8)),
        Run("copy", "copy-ntm", "ntm", (*cp, "--hidden", "100"), cap(120, 15)),
        Run("char-lm", "lm-lstm-1x512", "torch-lstm", (*lm, *lm_steps, "--layers", "1", "--hidden", "512"), cap(60, 6)),
        Run(
            "char-lm",
            "lm-tlstm-2x-matched",
            "t-lstm",
            (*lm, *lm_steps, "--layers", "2", "--match-params", "torch-lstm:1x512"),
            cap(60, 6),
        ),
        Run("hm", "lm-hmlstm", "hm-lstm", hm, cap(540, 4)),
        Run("hm", "lm-thmrnn", "t-hmrnn", hm, cap(180, 4)),
    ]


def _train(run: Run, out: Path, cap_minutes: float | None = None) -> tuple[Run, int, float]:
    minutes = run.minutes if cap_minutes is None else min(run.minutes, cap_minutes)
    cmd = [PY, "-m", "reference_models.cli", "train", run.model, *run.args]
    cmd += ["--out", str(out / run.name), "--max-minutes", str(minutes), "--log", "--device", "cpu"]
    # anneal over steps or the time cap, whichever ends first: a capped run's final checkpoint is annealed
    cmd += ["--schedule", "cosine-budget"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    t0 = time.perf_counter()
    with open(out / f"{run.name}.log", "w") as log:
        log.write("$ " + " ".join(cmd) + "\n")
        log.flush()
        rc = subprocess.call(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    return run, rc, time.perf_counter() - t0


def _load(out: Path, name: str) -> dict | None:
    path = out / name / "metrics.json"
    return json.loads(path.read_text()) if path.exists() else None


# ------------------------------------------------------------------------------------------ report


@dataclasses.dataclass
class Row:
    claim: str
    metric: str
    typed: str
    classic: str
    goal: str
    met: bool | None  # None: not measured, or reported without a goal (see ``reported``)
    reported: bool = False

    def cells(self) -> list[str]:
        if self.met is None:
            met = "reported" if self.reported else "not run"
        else:
            met = "yes" if self.met else "**no**"
        return [self.claim, self.metric, self.typed, self.classic, self.goal, met]


def _f(value, fmt=".3f") -> str:
    return "—" if value is None else format(value, fmt)


def _fs(value, m: dict | None, fmt=".3f") -> str:
    """A value with the steps its run did: runs capped by time may differ in steps."""
    return _f(value, fmt) if m is None else f"{_f(value, fmt)} ({m['steps_done']} steps)"


def _runinfo(m: dict | None) -> str:
    if m is None:
        return "not run"
    capped = " (stopped by its time cap)" if m["steps_done"] < int(m["config"]["steps"]) else ""
    return (
        f"{m['model']}: {m['params_total']:,} parameters, {m['steps_done']}/{m['config']['steps']} steps{capped}, "
        f"{m['seconds_this_run'] / 60:.1f} min"
    )


def char_lm_rows(out: Path) -> list[Row]:
    lstm, tl = _load(out, "lm-lstm-1x512"), _load(out, "lm-tlstm-2x-matched")
    best = lambda m: None if m is None else (m.get("best_checkpoint") or m["final"])["valid_bpc"]  # noqa: E731
    train = lambda m: None if m is None else m["final_train_bpc_avg50"]  # noqa: E731
    measured = lstm is not None and tl is not None
    return [
        Row(
            "char-LM quality at equal parameters",
            "validation BPC, best checkpoint (lower is better)",
            _fs(best(tl), tl),
            _fs(best(lstm), lstm),
            "typed ≤ 1.05 × classic",
            (best(tl) <= 1.05 * best(lstm)) if measured else None,
        ),
        Row(
            "char-LM training loss at equal parameters",
            "train bits/char, mean of the last 50 steps (with dropout)",
            _fs(train(tl), tl),
            _fs(train(lstm), lstm),
            "typed ≤ 1.05 × classic",
            (train(tl) <= 1.05 * train(lstm)) if measured else None,
        ),
    ]


def copy_rows(out: Path) -> list[Row]:
    tntm, ntm, lstm = _load(out, "copy-tntm"), _load(out, "copy-ntm"), _load(out, "copy-lstm")
    err = lambda m: None if m is None else m["final"]["bits_error_1_20"]  # noqa: E731
    at40 = lambda m: None if m is None else m["final"]["bits_error_by_length"]["40"]  # noqa: E731
    return [
        Row(
            "copy task, held-out lengths ≤ 20",
            "bits wrong per sequence at the final checkpoint, 2,560 fixed sequences",
            _fs(err(tntm), tntm),
            f"{_fs(err(ntm), ntm)} (classic NTM)",
            "typed < 0.1",
            None if tntm is None else err(tntm) < 0.1,
        ),
        Row(
            "copy task, length 40 (2× the longest trained)",
            "bits wrong per sequence, final checkpoint, 256 sequences",
            _fs(at40(tntm), tntm),
            f"{_fs(at40(lstm), lstm)} (nn.LSTM), {_fs(at40(ntm), ntm)} (classic NTM)",
            "typed NTM < nn.LSTM, same steps and batch",
            None if tntm is None or lstm is None else at40(tntm) < at40(lstm),
        ),
        Row(
            "classic (LSTM-controller) NTM converges",
            "bits wrong per sequence, lengths ≤ 20, final checkpoint",
            "—",
            _fs(err(ntm), ntm),
            "< 1 bit (converged)",
            None if ntm is None else err(ntm) < 1.0,
        ),
    ]


def hm_rows(out: Path) -> list[Row]:
    rows = []
    rates = {}
    for name in ("lm-thmrnn", "lm-hmlstm"):
        m = _load(out, name)
        b = None if m is None else m["final"].get("boundaries", {}).get("layer1")
        rates[name] = b
    steps = {name: _load(out, name) for name in rates}
    fmt = lambda b: "—" if b is None else f"{b['rate_at_word_boundary']:.3f} vs {b['rate_elsewhere']:.3f}"  # noqa: E731
    fmt_steps = lambda name: (  # noqa: E731
        fmt(rates[name]) + ("" if steps[name] is None else f" ({steps[name]['steps_done']} steps)")
    )
    ok = lambda b: b is not None and b["rate_at_word_boundary"] >= 2 * max(b["rate_elsewhere"], 1e-9)  # noqa: E731
    rows.append(
        Row(
            "HM-RNN layer-1 boundaries mark words",
            "boundary rate at word boundaries vs elsewhere (validation text)",
            fmt_steps("lm-thmrnn"),
            fmt_steps("lm-hmlstm"),
            "at ≥ 2 × elsewhere, for the typed model",
            None if rates["lm-thmrnn"] is None else ok(rates["lm-thmrnn"]),
        )
    )
    vb = lambda m: None if m is None else m["final"]["valid_bpc"]  # noqa: E731
    t, c = steps["lm-thmrnn"], steps["lm-hmlstm"]
    rows.append(
        Row(
            "HM-RNN char-LM (reported with the boundaries)",
            "validation BPC, final checkpoint (no dropout)",
            _fs(vb(t), t),
            _fs(vb(c), c),
            "(reported)",
            None,
            reported=t is not None or c is not None,
        )
    )
    return rows


def _spearman(xs: list[float], ys: list[float]) -> float:
    """Rank correlation (no ties expected in the difficulties; ties in ys get their mean rank)."""

    def ranks(v):
        order = sorted(range(len(v)), key=lambda i: v[i])
        r = [0.0] * len(v)
        i = 0
        while i < len(v):
            j = i
            while j + 1 < len(v) and v[order[j + 1]] == v[order[i]]:
                j += 1
            for k in range(i, j + 1):
                r[order[k]] = (i + j) / 2
            i = j + 1
        return r

    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    var = (sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry)) ** 0.5
    return cov / var if var else 0.0


def ponder_trend(m: dict | None) -> float | None:
    """Spearman correlation of the mean ponder steps N with the difficulty k (held-out set)."""
    if m is None:
        return None
    by_k = m["final"]["by_difficulty"]
    ks = sorted(by_k, key=int)
    return _spearman([float(k) for k in ks], [by_k[k]["ponder"] for k in ks])


def act_rows(out: Path) -> list[Row]:
    rows = []
    err = lambda m: None if m is None else m["final"]["error"]  # noqa: E731
    for label, act, plain in (("Elman", "act-rnn", "act-rnn-noact"), ("T-RNN (typed)", "t-act-rnn", "t-act-rnn-noact")):
        a, b = _load(out, act), _load(out, plain)
        same = a is not None and b is not None and a["params_total"] == b["params_total"]
        margin = None
        if a is not None and b is not None:  # two standard errors of the difference of two error rates
            n = a["data"]["eval_vectors"]
            margin = 2 * ((err(a) * (1 - err(a)) + err(b) * (1 - err(b))) / n) ** 0.5
        rows.append(
            Row(
                f"ACT parity, {label} cell: ACT beats the same cell without it",
                "error rate, 4,096 held-out 16-bit vectors, final checkpoint (with ACT vs without; params equal)",
                _fs(err(a), a),
                _fs(err(b), b) + ("" if b is None else f", {b['params_total']:,} params each" if same else ""),
                "with ACT < without by more than 2 standard errors (same parameters)"
                + ("" if margin is None else f": {margin:.3f}"),
                None if a is None or b is None else (same and err(a) < err(b) - margin),
            )
        )
        trend = ponder_trend(a)
        mean = None if a is None else a["final"]["mean_ponder"]
        rows.append(
            Row(
                f"ACT parity, {label} cell: ponder time grows with difficulty",
                "Spearman correlation of mean ponder steps with the number of nonzero bits (mean N overall)",
                "—" if a is None else f"{trend:.2f} (mean N {mean:.2f}; {a['steps_done']} steps)",
                "—",
                "correlation ≥ 0.5",
                None if trend is None else trend >= 0.5,
            )
        )
    return rows


def attention_rows(out: Path) -> list[Row]:
    rows = []
    acc = lambda m, key: None if m is None else m["final"][key]  # noqa: E731
    for label, att, plain in (
        ("GRU", "attn-gru", "attn-gru-noattn"),
        ("T-GRU (typed)", "t-attn-gru", "t-attn-gru-noattn"),
    ):
        a, b = _load(out, att), _load(out, plain)
        rows.append(
            Row(
                f"attention, {label}: reversal at 2× the longest trained length",
                "per-symbol accuracy at length 20 (trained 1-10), 512 fixed sequences, final checkpoint "
                "(with attention vs without; chance 0.125)",
                _fs(acc(a, "accuracy_2x"), a) + ("" if a is None else f"; at length 10: {acc(a, 'accuracy_1x'):.3f}"),
                _fs(acc(b, "accuracy_2x"), b) + ("" if b is None else f"; at length 10: {acc(b, 'accuracy_1x'):.3f}"),
                "with ≥ without + 0.25 (far above)",
                None if a is None or b is None else acc(a, "accuracy_2x") >= acc(b, "accuracy_2x") + 0.25,
            )
        )
    return rows


def speed_rows(out: Path) -> list[Row]:
    path = out / "speed.json"
    if not path.exists():
        return [Row("CPU speed", "firmware overhead / speed-up over ceiling", "—", "—", "≤ 1.10× / ≥ 0.9", None)]
    bench = json.loads(path.read_text())
    rows = []
    for size, res in bench["sizes"].items():
        run = res["runs"]["fp32"]
        over, speed = run["firmware_overhead_median_of_rounds"], run["speedup_median_of_rounds"]
        ceiling = run.get("speedup_ceiling_median_of_rounds")
        T, B, D = size.split("x")
        primary = size == "256x32x256"
        rows.append(
            Row(
                f"CPU firmware overhead, T={T} B={B} D=H={D}",
                "T-LSTM time / its GEMMs alone (fwd+bwd, median of interleaved rounds)",
                f"{over:.2f}×",
                "—",
                "≤ 1.10×" if primary else "(second size, reported)",
                over <= 1.10 if primary else None,
                reported=not primary,
            )
        )
        rows.append(
            Row(
                f"CPU speed-up, T={T} B={B} D=H={D}",
                "nn.LSTM time / T-LSTM time (fwd+bwd, fp32, median of interleaved rounds)",
                f"{speed:.2f}×" + ("" if ceiling is None else f" (ceiling with free firmware: {ceiling:.2f}×)"),
                "1×",
                "≥ 0.9 × the ceiling of the same run" if primary else "(second size, reported)",
                (ceiling is not None and speed >= 0.9 * ceiling) if primary else None,
                reported=not primary,
            )
        )
        if primary and ceiling:
            rows[-1].typed += f"; speed-up / ceiling {speed / ceiling:.2f}"
    rows.append(
        Row(
            "GPU speed (H100): T-LSTM vs cuDNN",
            "forward+backward, four precisions (scripts/gpu_session.sh)",
            "unmeasured",
            "unmeasured",
            "—",
            None,
        )
    )
    return rows


def _plots(out: Path, docs: Path, suffix: str = "") -> list[str]:
    """Learning curves side by side, on shared labelled axes; returns the markdown image lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from reference_models.train import _running_mean

    figs = []
    target = docs / "results"
    target.mkdir(parents=True, exist_ok=True)
    groups = [
        (
            "copy",
            ["copy-tntm", "copy-ntm", "copy-lstm"],
            "bits_error_1_20",
            "bits wrong per sequence (periodic sample)",
            "train loss (BCE, nats/bit)",
            1.0,
        ),
        (
            "char_lm",
            ["lm-tlstm-2x-matched", "lm-lstm-1x512"],
            "valid_bpc",
            "validation bits per character",
            "train bits per character (with dropout)",
            1 / 0.6931471805599453,
        ),
    ]
    for fname, names, metric, eval_label, train_label, scale in groups:
        runs = [(n, _load(out, n)) for n in names]
        runs = [(n, m) for n, m in runs if m is not None]
        if not runs:
            continue
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
        for k, (_name, m) in enumerate(runs):
            steps = [h["step"] for h in m["history"]]
            loss = [h["loss"] * scale for h in m["history"]]
            left.plot(steps, _running_mean(loss, 50), color=f"C{k}", label=f"{m['model']}")
            right.plot([e["step"] for e in m["evals"]], [e[metric] for e in m["evals"]], "o-", color=f"C{k}", ms=3)
            right.plot([], [], "o-", color=f"C{k}", label=m["model"])
        left.set_xlabel("optimizer step")
        left.set_ylabel(train_label + ", running mean of 50")
        right.set_xlabel("optimizer step")
        right.set_ylabel(eval_label)
        if fname == "copy":
            right.set_yscale("symlog", linthresh=0.1)
        left.legend()
        right.legend()
        fig.tight_layout()
        path = target / f"{fname}{suffix}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        figs.append(f"![{fname}{suffix} learning curves](results/{path.name})")
    return figs


def _final_net(out: Path, name: str):
    """The run's network with its final weights (checkpoint.pt), rebuilt from its metrics' config."""
    import torch

    from reference_models.train import TrainConfig, build_core, make_task

    m = _load(out, name)
    if m is None or not (out / name / "checkpoint.pt").exists():
        return None, None
    c = m["config"]
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    cfg = TrainConfig(**{k: v for k, v in c.items() if k in fields and k not in ("out",)})
    cfg.device = "cpu"
    task = make_task(cfg, torch.device("cpu"))
    net = task.build(build_core(cfg, task.core_input))
    net.load_state_dict(torch.load(out / name / "checkpoint.pt", map_location="cpu", weights_only=False)["net"])
    return net.eval(), m


def _claim_plots(out: Path, docs: Path, suffix: str) -> list[str]:
    """Ponder time vs difficulty (ACT), attention heat-maps, HM learning curves with boundary rates."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import torch

    target = docs / "results"
    target.mkdir(parents=True, exist_ok=True)
    figs = []
    runs = [(n, _load(out, n)) for n in ("act-rnn", "act-rnn-noact", "t-act-rnn", "t-act-rnn-noact")]
    runs = [(n, m) for n, m in runs if m is not None]
    if runs:
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
        for k, (name, m) in enumerate(runs):
            by_k = m["final"]["by_difficulty"]
            ks = sorted(by_k, key=int)
            x = [int(d) for d in ks]
            if not name.endswith("noact"):
                left.plot(x, [by_k[d]["ponder"] for d in ks], "o-", color=f"C{k}", label=name)
            right.plot(x, [by_k[d]["error"] for d in ks], "o-", color=f"C{k}", label=name, ms=3)
        left.set_xlabel("difficulty: nonzero bits of the 16")
        left.set_ylabel("mean ponder steps N (held-out)")
        right.set_xlabel("difficulty: nonzero bits of the 16")
        right.set_ylabel("parity error rate (held-out)")
        left.legend()
        right.legend()
        fig.tight_layout()
        path = target / f"act_ponder{suffix}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        figs.append(f"![ACT ponder time and error vs difficulty{suffix}](results/{path.name})")
    nets = [(n, *_final_net(out, n)) for n in ("attn-gru", "t-attn-gru")]
    nets = [(n, net, m) for n, net, m in nets if net is not None]
    if nets:
        from reference_models.tasks.reversal import make_batch

        length = 2 * int(nets[0][2]["config"]["seq_len"])
        xs, _ = make_batch(length, 1, torch.Generator().manual_seed(7), "cpu")
        fig, axes = plt.subplots(1, len(nets), figsize=(5.5 * len(nets), 5), squeeze=False)
        for ax, (name, net, _m) in zip(axes[0], nets, strict=True):
            with torch.no_grad():
                _, _, alpha = net.core.forward_with_attention(xs)
            ax.imshow(alpha[:, :, 0].numpy(), cmap="viridis", vmin=0, vmax=1)
            ax.set_xlabel("source position s")
            ax.set_ylabel("output step t (target: source position L-1-t)")
            ax.set_title(f"{name}: attention at length {length} (2× trained)")
        fig.tight_layout()
        path = target / f"attention{suffix}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        figs.append(f"![attention heat-maps{suffix}](results/{path.name})")
    hm = [(n, _load(out, n)) for n in ("lm-thmrnn", "lm-hmlstm")]
    hm = [(n, m) for n, m in hm if m is not None and any("boundaries" in e for e in m["evals"])]
    if hm:
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
        for k, (_name, m) in enumerate(hm):
            evals = [e for e in m["evals"] if "boundaries" in e]
            steps = [e["step"] for e in evals]
            left.plot(steps, [e["valid_bpc"] for e in evals], "o-", color=f"C{k}", label=m["model"], ms=3)
            at = [e["boundaries"]["layer1"]["rate_at_word_boundary"] for e in evals]
            else_ = [e["boundaries"]["layer1"]["rate_elsewhere"] for e in evals]
            right.plot(steps, at, "o-", color=f"C{k}", ms=3, label=f"{m['model']}: at word boundaries")
            right.plot(steps, else_, "s--", color=f"C{k}", ms=3, label=f"{m['model']}: elsewhere")
        left.set_xlabel("optimizer step")
        left.set_ylabel("validation bits per character")
        right.set_xlabel("optimizer step")
        right.set_ylabel("layer-1 boundary rate (validation)")
        left.legend()
        right.legend()
        fig.tight_layout()
        path = target / f"hm_boundaries{suffix}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        figs.append(f"![HM-RNN learning curves and boundary rates{suffix}](results/{path.name})")
    return figs


_CARRIED = re.compile(r" \(carried from the report of (\d{4}-\d{2}-\d{2}); its runs are not on disk\)$")


def _earlier_rows(path: Path) -> dict[str, str]:
    """The measured rows of the report about to be replaced, by claim, marked as carried.

    Why: the runs behind a report live in runs/ (not in git); a report regenerated on
    another machine, or after a partial rerun, would otherwise turn every claim it did not
    rerun into *not run*, although its figures were measured and are still the latest."""
    if not path.exists():
        return {}
    text = path.read_text()
    date = re.search(r"^Generated by .* on (\d{4}-\d{2}-\d{2})", text, re.M)
    rows: dict[str, str] = {}
    for line in text.split("\n## ", 1)[0].splitlines():  # the main section's table only
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or cells[0] in ("claim", "---") or cells[5] in ("not run", "met?"):
            continue
        claim, when = cells[0], date.group(1) if date else "an earlier date"
        m = _CARRIED.search(claim)
        if m:
            claim, when = claim[: m.start()], m.group(1)
        cells[0] = f"{claim} (carried from the report of {when}; its runs are not on disk)"
        rows[claim] = "| " + " | ".join(cells) + " |"
    return rows


def _section(out: Path, docs: Path, mode: str, commands: list[str], level: str) -> list[str]:
    """One mode's table, runs, classic-NTM curve, speed details, plots and commands."""
    rows = char_lm_rows(out) + copy_rows(out) + hm_rows(out) + act_rows(out) + attention_rows(out) + speed_rows(out)
    if level != "##":  # the other mode's section lists only what was run in it
        rows = [r for r in rows if r.met is not None or r.reported]
    lines = ["| claim | metric | typed | classic | goal | met? |", "| --- | --- | --- | --- | --- | --- |"]
    earlier = _earlier_rows(docs / "results.md") if level == "##" else {}
    carried = 0
    for r in rows:
        old = earlier.get(r.claim) if r.met is None and not r.reported else None
        if old is not None:
            carried += 1
            lines.append(old)
        else:
            lines.append("| " + " | ".join(r.cells()) + " |")
    where = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
    if carried:
        lines += [
            "",
            f"Rows whose claim says *carried* have no run on disk in `{where}` for this report: they are the "
            "rows of the report named, unchanged (their runs, logs and curves are in that report's git history, "
            "`git log -p docs/results.md`).",
        ]
    if any(r.met is None and not r.reported for r in rows) and carried < sum(
        1 for r in rows if r.met is None and not r.reported
    ):
        lines += [
            "",
            f"Rows marked *not run* have no run on disk in `{where}` for this report; the figures of earlier "
            "reports stay in git history (`git log -p docs/results.md`).",
        ]
    lines += ["", f"{level} Runs ({mode})", ""]
    for run in plan(mode == "quick", 0):
        m = _load(out, run.name)
        if m is not None or mode == "quick":
            lines.append(f"- `{run.name}`: {_runinfo(m)}")
    ntm = _load(out, "copy-ntm")
    if ntm is not None:
        curve = ", ".join(f"{e['step']}: {e['bits_error_1_20']:.1f}" for e in ntm["evals"])
        lines += [
            "",
            f"{level} Classic NTM learning curve ({mode})",
            "",
            f"Periodic evaluation (step: bits wrong per sequence; 8 random lengths in 1-20, 64 sequences "
            f"each): {curve or 'none'}.",
            f"Final checkpoint, every length 1-20 with 128 fixed sequences each (longer lengths weigh more "
            f"than in the periodic sample): {ntm['final']['bits_error_1_20']:.2f} bits per sequence. "
            "The plot below has its training loss.",
        ]
    speed = out / "speed.json"
    if speed.exists():
        bench = json.loads(speed.read_text())
        lines += [
            "",
            f"{level} Speed ({mode})",
            "",
            f"threads {bench['threads']}, firmware {bench['firmware']}, torch {bench['torch']}.",
        ]
        for size, res in bench["sizes"].items():
            for name, r in res["runs"]["fp32"]["models"].items():
                lines.append(f"- {size} {name}: median {r['median_ms']:.1f} ms, min {r['min_ms']:.1f} ms")
    figs = _plots(out, docs, suffix="" if mode == "quick" else f"-{mode}")
    figs += _claim_plots(out, docs, suffix="" if mode == "quick" else f"-{mode}")
    if figs:
        lines += ["", f"{level} Learning curves ({mode})", "", *figs]
    invocations = out / "invocations.txt"
    commands = (invocations.read_text().splitlines() if invocations.exists() else []) + commands
    for run in plan(mode == "quick", 0):
        log = out / f"{run.name}.log"
        if log.exists():
            commands.append(log.read_text().splitlines()[0].removeprefix("$ ").replace(str(ROOT) + "/", ""))
    if (out / "speed.log").exists():
        commands.append("python benchmarks/scan_vs_cudnn.py --device cpu --threads 2 (see speed.log)")
    lines += ["", f"{level} Commands ({mode})", "", "```", *commands, "```", ""]
    return lines


def write_report(out: Path, docs: Path, mode: str, commands: list[str]) -> Path:
    """docs/results.md: this mode's section, then the other mode's if it has runs on disk."""
    lines = [
        "# Reference models: reproduced claims",
        "",
        f"Generated by `scripts/reproduce.py` ({mode} mode) on {datetime.date.today().isoformat()}; "
        "do not edit by hand — rerun the script. CPU only; the machine may have been shared, "
        "see the speed section. Figures in parentheses are the steps each run completed: a run "
        "stopped by its time cap did fewer than planned.",
        "",
        *_section(out, docs, mode, commands, "##"),
    ]
    other = "full" if mode == "quick" else "quick"
    other_out = out.parent / other
    if other_out.is_dir() and any(other_out.glob("*/metrics.json")):
        lines += [
            f"## Also on disk: {other} mode",
            "",
            f"Runs found in `{other_out.relative_to(ROOT) if other_out.is_relative_to(ROOT) else other_out}`.",
            "",
            *_section(other_out, docs, other, [], "###"),
        ]
    readings = docs / "results" / "readings.md"
    if readings.exists():  # the one hand-written part: what the figures above mean, and why a claim failed
        lines += ["## Readings (hand-written: docs/results/readings.md)", "", readings.read_text().strip(), ""]
    path = docs / "results.md"
    path.write_text("\n".join(lines))
    return path


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="short budgets: within 45 min on a 2-core CPU")
    p.add_argument("--only", default=None, help="comma list of groups to run: char-lm,copy,hm,act,attention,speed")
    p.add_argument("--out", type=Path, default=ROOT / "runs" / "reproduce")
    p.add_argument("--docs", type=Path, default=ROOT / "docs")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=2, help="training runs at a time (one thread each)")
    p.add_argument("--report-only", action="store_true", help="only regenerate docs/results.md from --out")
    p.add_argument("--runs", default=None, help="comma list of run names (within --only's groups) to train")
    p.add_argument(
        "--cap-minutes",
        type=float,
        default=None,
        help="lower every run's wall-clock cap to this (a session with less time than the full budget); "
        "the report gives the steps each run reached",
    )
    a = p.parse_args(argv)
    mode = "quick" if a.quick else "full"
    out = a.out / mode
    out.mkdir(parents=True, exist_ok=True)
    groups = set(a.only.split(",")) if a.only else {"char-lm", "copy", "hm", "act", "attention", "speed"}
    runs = [r for r in plan(a.quick, a.seed) if r.group in groups]
    if a.runs:
        runs = [r for r in runs if r.name in set(a.runs.split(","))]
    invocation = "python scripts/reproduce.py " + " ".join(argv if argv is not None else sys.argv[1:])
    commands = [f"{invocation}  # this report"] if a.report_only else []
    sys.path.insert(0, str(ROOT))
    if not a.report_only:
        with open(out / "invocations.txt", "a") as log:
            log.write(f"{invocation}  # {datetime.datetime.now().isoformat(timespec='seconds')}\n")
        t0 = time.perf_counter()
        with ThreadPoolExecutor(a.jobs) as pool:
            for run, rc, secs in pool.map(lambda r: _train(r, out, a.cap_minutes), runs):
                status = "ok" if rc == 0 else f"FAILED (exit {rc}, see {out / run.name}.log)"
                print(f"[reproduce] {run.name}: {status} in {secs / 60:.1f} min", flush=True)
        if "speed" in groups:
            bench = [PY, str(ROOT / "benchmarks" / "scan_vs_cudnn.py"), "--device", "cpu", "--threads", "2"]
            bench += ["--repeats", "9" if a.quick else "21", "--json", str(out / "speed.json")]
            with open(out / "speed.log", "w") as log:
                subprocess.call(bench, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
            print(f"[reproduce] speed: {out / 'speed.log'}", flush=True)
        print(f"[reproduce] all runs took {(time.perf_counter() - t0) / 60:.1f} min", flush=True)
    path = write_report(out, a.docs, mode, commands)
    print(f"[reproduce] wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
