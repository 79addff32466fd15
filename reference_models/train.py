"""The training loop shared by every (model, task) pair: seeding, AMP, checkpoints, metrics, plot."""

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
from .tasks import TASKS


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
    }
    params = inspect.signature(cls.__init__).parameters
    return cls(**{k: v for k, v in wanted.items() if k in params and v is not None})


def seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)


def _plot(history: list[dict], evals: list[dict], metric: str, path_png: Path, title: str) -> Path:
    """Learning curve as PNG (matplotlib, Agg); self-contained HTML if matplotlib is missing."""
    steps = [h["step"] for h in history]
    losses = [h["loss"] for h in history]
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        path = path_png.with_suffix(".html")
        pts = json.dumps({"steps": steps, "loss": losses, "evals": evals})
        path.write_text(
            f"<!doctype html><title>{title}</title><h1>{title}</h1><pre id=d></pre>"
            f"<script>document.getElementById('d').textContent=JSON.stringify({pts},null,1)</script>"
        )
        return path
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(steps, losses, lw=0.8, label="train loss")
    ax.set_xlabel("step")
    ax.set_ylabel("train loss")
    if evals:
        ax2 = ax.twinx()
        ax2.plot([e["step"] for e in evals], [e[metric] for e in evals], "o-", color="C1", label=metric)
        ax2.set_ylabel(metric)
        ax2.legend(loc="upper right")
    ax.legend(loc="upper left")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path_png, dpi=110)
    plt.close(fig)
    return path_png


def _smoothed(history: list[dict], n: int = 50) -> float:
    tail = history[-n:]
    return sum(h["loss"] for h in tail) / max(len(tail), 1)


def train(cfg: TrainConfig, progress=None) -> dict:
    """Run (or resume) training; returns the metrics written to <out>/metrics.json."""
    if cfg.model not in MODELS:
        raise UnknownName(f"unknown model {cfg.model!r}; valid models: {', '.join(MODELS)}")
    if cfg.task not in TASKS:
        raise UnknownName(f"unknown task {cfg.task!r}; valid tasks: {', '.join(TASKS)}")
    task_cls = TASKS[cfg.task]
    cfg = cfg.resolved(task_cls)
    device = resolve_device(cfg.device)
    seed_everything(cfg.seed)
    task = task_cls(
        cfg.batch_size,
        cfg.seq_len,
        device,
        **({"embed": cfg.embed, "dropout": cfg.dropout} if cfg.task == "char-lm" else {"seed": cfg.seed}),
    )
    net = task.build(build_core(cfg, task.core_input)).to(device)
    if cfg.weight_decay:  # decoupled decay on matrices only (not biases, gains or embeddings' rows alike)
        decay = [p for n, p in net.named_parameters() if p.dim() >= 2 and not n.startswith("embed")]
        rest = [p for n, p in net.named_parameters() if not (p.dim() >= 2 and not n.startswith("embed"))]
        opt = torch.optim.AdamW(
            [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": rest, "weight_decay": 0.0}], lr=cfg.lr
        )
    else:
        opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    cfg.out.mkdir(parents=True, exist_ok=True)
    ckpt_path = cfg.out / "checkpoint.pt"
    best_path = cfg.out / "best.pt"  # early stopping: weights at the best periodic validation score
    step, history, evals = 0, [], []
    if cfg.resume and ckpt_path.exists():
        ckpt = torch.load(ckpt_path, map_location=device, weights_only=False)
        net.load_state_dict(ckpt["net"])
        opt.load_state_dict(ckpt["opt"])
        task.load_state_dict(ckpt["task"])
        step, history, evals = ckpt["step"], ckpt["history"], ckpt["evals"]
        torch.set_rng_state(ckpt["rng"])
    amp = device.type == "cuda"
    anneal = hasattr(net.core, "set_slope")

    def save_checkpoint():
        torch.save(
            {
                "net": net.state_dict(),
                "opt": opt.state_dict(),
                "task": task.state_dict(),
                "step": step,
                "history": history,
                "evals": evals,
                "rng": torch.get_rng_state(),
                "config": {k: str(v) for k, v in dataclasses.asdict(cfg).items()},
            },
            ckpt_path,
        )

    start_step, t0, items = step, time.perf_counter(), 0
    net.train()
    deadline = None if cfg.max_minutes is None else t0 + 60 * cfg.max_minutes
    while step < cfg.steps:
        if deadline is not None and time.perf_counter() > deadline:
            save_checkpoint()
            break
        if anneal:  # Chung et al.: slope from 1 to 5 over training
            net.core.set_slope(min(5.0, 1.0 + 4.0 * step / max(cfg.steps - 1, 1)))
        if cfg.schedule == "cosine":  # a function of the step alone, so --resume continues it exactly
            for group in opt.param_groups:
                group["lr"] = cfg.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * step / cfg.steps)))
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            loss, n_items = task.loss(net, step)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), cfg.clip)
        opt.step()
        step += 1
        items += n_items
        history.append({"step": step, "loss": loss.item()})
        rate = items / max(time.perf_counter() - t0, 1e-9)
        if progress is not None:
            progress(step, cfg.steps, history[-1]["loss"], rate)
        if step % cfg.eval_every == 0:
            net.eval()
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
                evals.append({"step": step, **task.evaluate(net, final=False)})
            scores = [e[task.metric] for e in evals]
            if evals[-1][task.metric] == (min if task.metric_lower_is_better else max)(scores):
                torch.save({"net": net.state_dict(), "step": step}, best_path)
            net.train()
        if step % cfg.checkpoint_every == 0 or step == cfg.steps:
            save_checkpoint()
    elapsed = time.perf_counter() - t0
    net.eval()
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
        final = task.evaluate(net, final=True)
    best_info = None
    if evals:
        best = (min if task.metric_lower_is_better else max)(e[task.metric] for e in evals)
        final[f"best_periodic_{task.metric}"] = min(best, final[task.metric])
        better = (lambda a, b: a < b) if task.metric_lower_is_better else (lambda a, b: a > b)
        if best_path.exists() and better(best, final[task.metric]):
            # Early stopping by validation score: report the best checkpoint on every split.
            saved = torch.load(best_path, map_location=device, weights_only=False)
            last = {k: v.clone() for k, v in net.state_dict().items()}
            net.load_state_dict(saved["net"])
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
                best_info = {"step": saved["step"], **task.evaluate(net, final=True)}
            net.load_state_dict(last)
        else:
            best_info = {"step": step, **final}
    core_params = sum(p.numel() for p in net.core.parameters())
    metrics = {
        "model": cfg.model,
        "model_class": type(net.core).__name__,
        "task": cfg.task,
        "expected_strongly_typed": type(net.core).expected_strongly_typed,
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in dataclasses.asdict(cfg).items()},
        "device": str(device),
        "amp_bf16": amp,
        "torch": torch.__version__,
        "params_total": sum(p.numel() for p in net.parameters()),
        "params_core": core_params,
        "data": task.sizes,
        "steps_done": step,
        "steps_this_run": step - start_step,
        "seconds_this_run": elapsed,
        "items_per_second": items / max(elapsed, 1e-9),
        "final_train_loss_avg50": _smoothed(history),
        "final": final,
        "best_checkpoint": best_info,
        "evals": evals,
        "history": history,
    }
    if cfg.task == "char-lm":
        metrics["final_train_bpc_avg50"] = metrics["final_train_loss_avg50"] / math.log(2)
    (cfg.out / "metrics.json").write_text(json.dumps(metrics, indent=1))
    metrics["plot"] = str(
        _plot(history, evals, task.metric, cfg.out / "learning_curve.png", f"{cfg.model} on {cfg.task}")
    )
    return metrics
