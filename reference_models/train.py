"""The training loop shared by every (model, task) pair: seeding, AMP, checkpoints, metrics, plot.

What the user sees while it runs is ``progress.Reporter``'s business; this module only
calls it. ``--match-params`` (``TrainConfig.match_params``) picks the hidden size whose
total parameter count is closest to a partner model's, counted on the meta device (no
memory, no time), so typed/classic comparisons are parameter-matched by construction.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import math
import random
import time
from pathlib import Path

import torch

from . import MODELS
from .progress import Reporter, RunInfo
from .tasks import TASKS

SCHEDULES = ("cosine", "cosine-budget", "constant")


@dataclasses.dataclass
class TrainConfig:
    model: str
    task: str
    steps: int | None = None
    batch_size: int | None = None
    seq_len: int | None = None
    hidden: int = 256
    layers: int | None = None
    embed: int = 64
    dropout: float | None = None
    weight_decay: float | None = None
    slots: int = 128
    word: int = 20
    lr: float | None = None
    clip: float = 1.0
    schedule: str = "cosine"
    seed: int = 0
    device: str = "auto"
    out: Path | None = None
    checkpoint_every: int = 500
    eval_every: int = 250
    resume: bool = False
    max_minutes: float | None = None
    match_params: str | None = None  # "MODEL" or "MODEL:LAYERSxHIDDEN": choose hidden to match its parameters
    max_ponder: int | None = None  # ACT models: most ponder steps per input (1: the cell without ACT)
    ponder_cost: float = 1e-3  # ACT: tau, the weight of the ponder cost N + R in the loss (parity task)
    attention: bool = True  # encoder-decoders: False is the same model without attention

    def resolved(self, task_cls) -> TrainConfig:
        c = dataclasses.replace(self)
        c.steps = c.steps or task_cls.default_steps
        c.batch_size = c.batch_size or task_cls.default_batch_size
        c.seq_len = c.seq_len or task_cls.default_seq_len
        c.lr = c.lr or task_cls.default_lr
        c.dropout = getattr(task_cls, "default_dropout", 0.0) if c.dropout is None else c.dropout
        c.weight_decay = getattr(task_cls, "default_weight_decay", 0.0) if c.weight_decay is None else c.weight_decay
        c.out = Path(c.out or f"runs/{c.model}-{c.task}")
        return c


class UnknownName(ValueError):
    """An unknown model or task name; the message lists the valid ones."""


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda requested but CUDA is not available")
    if name not in ("cpu", "cuda"):
        raise ValueError(f"unknown device {name!r}; use auto, cpu or cuda")
    return torch.device(name)


def build_core(cfg: TrainConfig, d_in: int) -> torch.nn.Module:
    """Instantiate the model, passing only the constructor arguments it accepts."""
    cls = MODELS[cfg.model]
    wanted = {
        "d_in": d_in,
        "hidden": cfg.hidden,
        "num_layers": cfg.layers,
        "slots": cfg.slots,
        "word": cfg.word,
        "dropout": cfg.dropout or None,
        "max_ponder": cfg.max_ponder,
        "attention": None if cfg.attention else False,
    }
    params = inspect.signature(cls.__init__).parameters
    return cls(**{k: v for k, v in wanted.items() if k in params and v is not None})


@dataclasses.dataclass(frozen=True)
class Partner:
    """The model a run is parameter-matched to (``--match-params MODEL[:LAYERSxHIDDEN]``)."""

    model: str
    layers: int | None
    hidden: int

    @classmethod
    def parse(cls, spec: str, cfg: TrainConfig) -> Partner:
        name, _, shape = spec.partition(":")
        if name not in MODELS:
            raise UnknownName(f"unknown model {name!r} in --match-params; valid models: {', '.join(MODELS)}")
        if not shape:
            return cls(name, cfg.layers, cfg.hidden)
        layers, sep, hidden = shape.partition("x")
        if not (sep and layers.isdigit() and hidden.isdigit() and int(layers) > 0 and int(hidden) > 0):
            raise ValueError(f"--match-params {spec!r}: expected MODEL or MODEL:LAYERSxHIDDEN, e.g. torch-lstm:1x512")
        return cls(name, int(layers), int(hidden))


def count_params(cfg: TrainConfig, task) -> int:
    """Total parameters of the task's network around ``cfg``'s core, built on the meta device."""
    with torch.device("meta"):
        net = task.build(build_core(cfg, task.core_input))
    return sum(p.numel() for p in net.parameters())


def matched_hidden(cfg: TrainConfig, task, target: int, limit: int = 1 << 15) -> int:
    """The hidden size (same layers) whose total parameter count is closest to ``target``.

    Parameter counts grow monotonically with the hidden size, so a bisection finds the
    first size at or above the target; the answer is it or the size below.
    """
    count = lambda h: count_params(dataclasses.replace(cfg, hidden=h), task)  # noqa: E731
    lo, hi = 1, limit
    if count(hi) < target:
        return hi
    while lo < hi:
        mid = (lo + hi) // 2
        if count(mid) >= target:
            hi = mid
        else:
            lo = mid + 1
    if lo > 1 and abs(count(lo - 1) - target) <= abs(count(lo) - target):
        return lo - 1
    return lo


def seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)


def _running_mean(values: list[float], n: int) -> list[float]:
    out, total = [], 0.0
    for i, v in enumerate(values):
        total += v - (values[i - n] if i >= n else 0.0)
        out.append(total / min(i + 1, n))
    return out


@dataclasses.dataclass
class Curve:
    """A learning curve as plotted: the series with the units of their axes.

    Where the training loss converts to the evaluation metric's unit (char-lm: nats ->
    bits per character) both share one axis (``shared_axis``), so train and validation
    compare directly; otherwise (copy: BCE per bit against bits wrong per sequence)
    they are two differently labelled axes.
    """

    train_steps: list[int]
    train_values: list[float]
    train_label: str
    train_axis: str
    eval_steps: list[int]
    eval_values: list[float]
    eval_label: str
    eval_axis: str
    shared_axis: bool


def learning_curve(history: list[dict], evals: list[dict], task) -> Curve:
    scale = task.train_loss_to_metric
    losses = [h["loss"] for h in history]
    return Curve(
        train_steps=[h["step"] for h in history],
        train_values=losses if scale is None else [v * scale for v in losses],
        train_label="train, running mean of 50 steps" + ("" if scale is None else " (with dropout, if any)"),
        train_axis=f"train loss ({task.loss_unit})" if scale is None else task.metric_label,
        eval_steps=[e["step"] for e in evals],
        eval_values=[e[task.metric] for e in evals],
        eval_label=f"{task.metric} (held-out)",
        eval_axis=task.metric_label,
        shared_axis=scale is not None,
    )


def _plot(history: list[dict], evals: list[dict], task, path_png: Path, title: str) -> Path:
    """Learning curve as PNG (matplotlib, Agg); self-contained HTML if matplotlib is missing."""
    curve = learning_curve(history, evals, task)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        path = path_png.with_suffix(".html")
        pts = json.dumps(dataclasses.asdict(curve))
        path.write_text(
            f"<!doctype html><title>{title}</title><h1>{title}</h1><pre id=d></pre>"
            f"<script>document.getElementById('d').textContent=JSON.stringify({pts},null,1)</script>"
        )
        return path
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(curve.train_steps, curve.train_values, lw=0.5, alpha=0.35, color="C0")
    ax.plot(curve.train_steps, _running_mean(curve.train_values, 50), lw=1.2, color="C0", label=curve.train_label)
    ax.set_ylabel(curve.train_axis, color="black" if curve.shared_axis else "C0")
    eval_ax = ax if curve.shared_axis else ax.twinx()
    if curve.eval_steps:
        eval_ax.plot(curve.eval_steps, curve.eval_values, "o-", color="C1", label=curve.eval_label)
    if not curve.shared_axis:
        eval_ax.set_ylabel(curve.eval_axis, color="C1")
        eval_ax.set_ylim(bottom=0)
        if curve.eval_steps:
            eval_ax.legend(loc="upper right")
    ax.legend(loc="upper left" if not curve.shared_axis else "upper right")
    ax.set_xlabel("optimizer step")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path_png, dpi=110)
    plt.close(fig)
    return path_png


def _smoothed(history: list[dict], n: int = 50) -> float:
    tail = history[-n:]
    return sum(h["loss"] for h in tail) / max(len(tail), 1)


def _check_names(cfg: TrainConfig) -> None:
    if cfg.model not in MODELS:
        raise UnknownName(f"unknown model {cfg.model!r}; valid models: {', '.join(MODELS)}")
    if cfg.task not in TASKS:
        raise UnknownName(f"unknown task {cfg.task!r}; valid tasks: {', '.join(TASKS)}")
    if cfg.schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {cfg.schedule!r}; valid schedules: {', '.join(SCHEDULES)}")


def make_task(cfg: TrainConfig, device: torch.device):
    """The task object for a resolved config (data, heads, metrics)."""
    task_cls = TASKS[cfg.task]
    if cfg.task == "char-lm":
        extra = {"embed": cfg.embed, "dropout": cfg.dropout}
    elif cfg.task == "parity":
        extra = {"seed": cfg.seed, "tau": cfg.ponder_cost}
    else:
        extra = {"seed": cfg.seed}
    return task_cls(cfg.batch_size, cfg.seq_len, device, **extra)


def _match_params(cfg: TrainConfig, task) -> dict | None:
    """Apply ``--match-params`` (sets ``cfg.hidden``); returns the partner's description."""
    if not cfg.match_params:
        return None
    partner = Partner.parse(cfg.match_params, cfg)
    pcfg = dataclasses.replace(cfg, model=partner.model, layers=partner.layers, hidden=partner.hidden)
    target = count_params(pcfg, task)
    cfg.hidden = matched_hidden(cfg, task, target)
    return {**dataclasses.asdict(partner), "params_total": target}


def make_optimizer(net: torch.nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    """Adam, or AdamW with decoupled decay on matrices only (not biases, gains or embeddings)."""
    if not cfg.weight_decay:
        return torch.optim.Adam(net.parameters(), lr=cfg.lr)
    decay = [p for n, p in net.named_parameters() if p.dim() >= 2 and not n.startswith("embed")]
    rest = [p for n, p in net.named_parameters() if not (p.dim() >= 2 and not n.startswith("embed"))]
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": rest, "weight_decay": 0.0}], lr=cfg.lr
    )


@dataclasses.dataclass
class _Run:
    """Everything one training run mutates: the model, its optimizer, the task, progress so far."""

    cfg: TrainConfig
    device: torch.device
    task: object
    net: torch.nn.Module
    opt: torch.optim.Optimizer
    step: int = 0
    history: list = dataclasses.field(default_factory=list)
    evals: list = dataclasses.field(default_factory=list)

    @property
    def amp(self) -> bool:
        return self.device.type == "cuda"

    @property
    def ckpt_path(self) -> Path:
        return self.cfg.out / "checkpoint.pt"

    @property
    def best_path(self) -> Path:  # early stopping: weights at the best periodic validation score
        return self.cfg.out / "best.pt"

    def autocast(self):
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.amp)

    def save_checkpoint(self) -> None:
        torch.save(
            {
                "net": self.net.state_dict(),
                "opt": self.opt.state_dict(),
                "task": self.task.state_dict(),
                "step": self.step,
                "history": self.history,
                "evals": self.evals,
                "rng": torch.get_rng_state(),
                "config": {k: str(v) for k, v in dataclasses.asdict(self.cfg).items()},
            },
            self.ckpt_path,
        )

    def resume(self) -> None:
        ckpt = torch.load(self.ckpt_path, map_location=self.device, weights_only=False)
        self.net.load_state_dict(ckpt["net"])
        self.opt.load_state_dict(ckpt["opt"])
        self.task.load_state_dict(ckpt["task"])
        self.step, self.history, self.evals = ckpt["step"], ckpt["history"], ckpt["evals"]
        torch.set_rng_state(ckpt["rng"])

    def save_best(self) -> None:
        torch.save({"net": self.net.state_dict(), "step": self.step}, self.best_path)

    def set_learning_rate(self, t0: float, deadline: float | None) -> None:
        cfg = self.cfg
        if cfg.schedule == "constant":
            return
        # cosine: a function of the step alone, so --resume continues it exactly.
        # cosine-budget: over whichever budget runs out first, steps or --max-minutes, so
        # a run stopped by its time cap still ends annealed (its final checkpoint is not
        # taken at full learning rate); not step-reproducible across machine speeds.
        progress = self.step / cfg.steps
        if cfg.schedule == "cosine-budget" and deadline is not None:
            progress = max(progress, (time.perf_counter() - t0) / (deadline - t0))
        for group in self.opt.param_groups:
            group["lr"] = cfg.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))

    def optimizer_step(self) -> int:
        """One step: loss, backward, clipping, update. Returns the items it counted."""
        with self.autocast():
            loss, n_items = self.task.loss(self.net, self.step)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.net.parameters(), self.cfg.clip)
        self.opt.step()
        self.step += 1
        self.history.append({"step": self.step, "loss": loss.item()})
        return n_items

    def periodic_evaluation(self, reporter: Reporter) -> None:
        task = self.task
        self.net.eval()
        with self.autocast():
            self.evals.append({"step": self.step, **task.evaluate(self.net, final=False)})
        scores = [e[task.metric] for e in self.evals]
        if self.evals[-1][task.metric] == (min if task.metric_lower_is_better else max)(scores):
            self.save_best()
        reporter.evaluation(self.step, self.evals[-1], final=False)
        self.net.train()

    def final_and_best(self) -> tuple[dict, dict]:
        """The final evaluation and the best checkpoint's (early stopping by validation score)."""
        task, net = self.task, self.net
        net.eval()
        with self.autocast():
            final = task.evaluate(net, final=True)
        if not self.evals or not self.best_path.exists():
            # the final evaluation is the only one: it is the best checkpoint by definition
            self.save_best()
            return final, {"step": self.step, **final}
        best = (min if task.metric_lower_is_better else max)(e[task.metric] for e in self.evals)
        final[f"best_periodic_{task.metric}"] = best
        better = (best < final[task.metric]) if task.metric_lower_is_better else (best > final[task.metric])
        if not better:
            self.save_best()  # the final weights are the best
            return final, {"step": self.step, **final}
        # report the best checkpoint on every split
        saved = torch.load(self.best_path, map_location=self.device, weights_only=False)
        last = {k: v.clone() for k, v in net.state_dict().items()}
        net.load_state_dict(saved["net"])
        with self.autocast():
            best_info = {"step": saved["step"], **task.evaluate(net, final=True)}
        net.load_state_dict(last)
        return final, best_info


def _run_info(cfg: TrainConfig, run: _Run, partner_info: dict | None) -> RunInfo:
    task = run.task
    return RunInfo(
        label=f"{cfg.model} / {cfg.task}",
        total_steps=cfg.steps,
        start_step=run.step,
        device=str(run.device),
        params_total=sum(p.numel() for p in run.net.parameters()),
        params_core=sum(p.numel() for p in run.net.core.parameters()),
        unit=task.item_unit,
        loss_unit=task.loss_unit,
        metric=task.metric,
        partner=None
        if partner_info is None
        else f"{partner_info['model']} {partner_info['layers']}x{partner_info['hidden']} "
        f"({partner_info['params_total']:,} parameters; this model: hidden {cfg.hidden})",
    )


def _metrics(run: _Run, info: RunInfo, partner_info, start_step, elapsed, items, final, best_info) -> dict:
    cfg, task, net = run.cfg, run.task, run.net
    metrics = {
        "model": cfg.model,
        "model_class": type(net.core).__name__,
        "task": cfg.task,
        "expected_strongly_typed": type(net.core).expected_strongly_typed,
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in dataclasses.asdict(cfg).items()},
        "device": str(run.device),
        "amp_bf16": run.amp,
        "torch": torch.__version__,
        "params_total": info.params_total,
        "params_core": info.params_core,
        "param_match": partner_info,
        "item_unit": task.item_unit,
        "loss_unit": task.loss_unit,
        "metric": task.metric,
        "data": task.sizes,
        "steps_done": run.step,
        "steps_this_run": run.step - start_step,
        "seconds_this_run": elapsed,
        "items_per_second": items / max(elapsed, 1e-9),
        "final_train_loss_avg50": _smoothed(run.history),
        "final": final,
        "best_checkpoint": best_info,
        "evals": run.evals,
        "history": run.history,
    }
    if cfg.task == "char-lm":
        metrics["final_train_bpc_avg50"] = metrics["final_train_loss_avg50"] / math.log(2)
    return metrics


def train(cfg: TrainConfig, reporter: Reporter | None = None) -> dict:
    """Run (or resume) training; returns the metrics written to <out>/metrics.json."""
    reporter = reporter or Reporter()
    _check_names(cfg)
    cfg = cfg.resolved(TASKS[cfg.task])
    device = resolve_device(cfg.device)
    seed_everything(cfg.seed)
    task = make_task(cfg, device)
    partner_info = _match_params(cfg, task)
    net = task.build(build_core(cfg, task.core_input)).to(device)
    run = _Run(cfg, device, task, net, make_optimizer(net, cfg))
    cfg.out.mkdir(parents=True, exist_ok=True)
    if cfg.resume and run.ckpt_path.exists():
        run.resume()
    anneal = hasattr(net.core, "set_slope")
    start_step, t0, items = run.step, time.perf_counter(), 0
    info = _run_info(cfg, run, partner_info)
    reporter.start(info)
    net.train()
    deadline = None if cfg.max_minutes is None else t0 + 60 * cfg.max_minutes
    while run.step < cfg.steps:
        if deadline is not None and time.perf_counter() > deadline:
            run.save_checkpoint()
            break
        if anneal:  # Chung et al.: slope from 1 to 5 over training
            net.core.set_slope(min(5.0, 1.0 + 4.0 * run.step / max(cfg.steps - 1, 1)))
        run.set_learning_rate(t0, deadline)
        items += run.optimizer_step()
        reporter.step(run.step, run.history[-1]["loss"], items / max(time.perf_counter() - t0, 1e-9))
        if run.step % cfg.eval_every == 0:
            run.periodic_evaluation(reporter)
        if run.step % cfg.checkpoint_every == 0 or run.step == cfg.steps:
            run.save_checkpoint()
    elapsed = time.perf_counter() - t0
    final, best_info = run.final_and_best()
    reporter.evaluation(run.step, final, final=True)
    metrics = _metrics(run, info, partner_info, start_step, elapsed, items, final, best_info)
    plot = _plot(run.history, run.evals, task, cfg.out / "learning_curve.png", f"{cfg.model} on {cfg.task}")
    metrics["plot"] = str(plot)
    metrics["outputs"] = [str(cfg.out / "metrics.json"), str(plot), str(run.ckpt_path), str(run.best_path)]
    (cfg.out / "metrics.json").write_text(json.dumps(metrics, indent=1))
    reporter.done(metrics)
    return metrics
