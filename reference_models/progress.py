"""What a user sees while a reference model trains: a progress bar on a terminal, log lines elsewhere.

``train.train`` reports through a ``Reporter``: ``start`` once (what is being trained,
with the resolved step count, so nothing shows ``0/None``), ``step`` after every
optimizer step, ``evaluation`` after every periodic and the final evaluation, and
``done`` with the metrics. Two implementations:

* ``RichReporter`` - a rich progress bar (on a terminal), with each evaluation printed
  above it as a line.
* ``LogReporter`` - plain lines for CI logs and ``nohup``: one per evaluation, one at
  least every ``heartbeat_s`` seconds in between (so a long stretch without evaluation
  is not silent), and the final evaluation labelled as such.

Both end with ``summary_table`` (a rich table, readable in a log too). Throughput is
in the task's own unit (characters for char-lm, 8-bit vectors for copy).
"""

from __future__ import annotations

import dataclasses
import time
from typing import IO

from rich.console import Console
from rich.table import Table


@dataclasses.dataclass(frozen=True)
class RunInfo:
    """What ``start`` announces: enough to label every later line."""

    label: str  # "t-lstm / char-lm"
    total_steps: int
    start_step: int
    device: str
    params_total: int
    params_core: int
    unit: str  # what an item is, plural ("characters")
    loss_unit: str  # "nats per character"
    metric: str  # "valid_bpc"
    partner: str | None = None  # "torch-lstm 1x512: 1,243,175 parameters" when matched


class Reporter:
    """No output at all (``--quiet``, library use). Subclasses override what they show."""

    def start(self, info: RunInfo) -> None:
        pass

    def step(self, step: int, loss: float, rate: float) -> None:
        pass

    def evaluation(self, step: int, result: dict, final: bool) -> None:
        pass

    def done(self, metrics: dict) -> None:
        pass

    def close(self) -> None:
        pass


def _fmt_seconds(s: float) -> str:
    s = int(round(s))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}h{m:02d}m{sec:02d}s" if h else f"{m}m{sec:02d}s"


def format_evaluation(result: dict) -> str:
    """Scalar results as `name value` pairs; nested ones (per-length tables) are left to the summary."""
    return ", ".join(f"{k} {v:.4g}" for k, v in result.items() if isinstance(v, int | float) and k != "step")


class LogReporter(Reporter):
    """Plain, timestamp-free lines on ``stream``: safe for CI logs, files and pipes."""

    def __init__(self, stream: IO[str], heartbeat_s: float = 60.0):
        self.stream, self.heartbeat_s = stream, heartbeat_s
        self.info: RunInfo | None = None
        self.t0 = self.last_line = time.perf_counter()
        self.loss, self.rate = float("nan"), 0.0
        self.last_step = 0

    def _print(self, text: str) -> None:
        self.stream.write(f"[{self.info.label if self.info else 'train'}] {text}\n")
        self.stream.flush()
        self.last_line = time.perf_counter()

    def _progress(self, step: int) -> str:
        assert self.info is not None
        elapsed = time.perf_counter() - self.t0
        done = step - self.info.start_step
        left = self.info.total_steps - step
        eta = f", eta {_fmt_seconds(elapsed / done * left)}" if done > 0 and left > 0 else ""
        return (
            f"step {step}/{self.info.total_steps}: train loss {self.loss:.4f} {self.info.loss_unit}, "
            f"{self.rate:,.0f} {self.info.unit}/s, elapsed {_fmt_seconds(elapsed)}{eta}"
        )

    def start(self, info: RunInfo) -> None:
        self.info = info
        self.t0 = time.perf_counter()
        params = f"{info.params_total:,} parameters ({info.params_core:,} in the recurrent core)"
        resumed = f", resuming at step {info.start_step}" if info.start_step else ""
        self._print(f"training {info.total_steps} steps on {info.device}{resumed}; {params}")
        if info.partner:
            self._print(f"parameter-matched to {info.partner}")

    def step(self, step: int, loss: float, rate: float) -> None:
        self.loss, self.rate, self.last_step = loss, rate, step
        if time.perf_counter() - self.last_line >= self.heartbeat_s:
            self._print(self._progress(step))

    def evaluation(self, step: int, result: dict, final: bool) -> None:
        if final:
            self._print(f"final evaluation at step {step}: {format_evaluation(result)}")
        else:
            self._print(f"{self._progress(step)}; evaluation: {format_evaluation(result)}")


class RichReporter(Reporter):
    """A progress bar on a terminal; evaluations are printed above it as they happen."""

    def __init__(self, console: Console):
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.console = console
        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} steps"),
            TextColumn("{task.fields[loss]}"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=console,
        )
        self.job = None
        self.info: RunInfo | None = None

    def start(self, info: RunInfo) -> None:
        self.info = info
        self.console.print(
            f"[bold]{info.label}[/bold]: {info.total_steps} steps on {info.device}, "
            f"{info.params_total:,} parameters ({info.params_core:,} in the recurrent core)"
            + (f"; matched to {info.partner}" if info.partner else "")
        )
        self.bar.start()
        self.job = self.bar.add_task(
            info.label, total=info.total_steps, completed=info.start_step, loss="loss -", rate="starting"
        )

    def step(self, step: int, loss: float, rate: float) -> None:
        assert self.info is not None and self.job is not None
        self.bar.update(
            self.job,
            completed=step,
            loss=f"loss {loss:.4f} {self.info.loss_unit}",
            rate=f"{rate:,.0f} {self.info.unit}/s",
        )

    def evaluation(self, step: int, result: dict, final: bool) -> None:
        label = "final evaluation" if final else "evaluation"
        self.console.print(f"{label} at step {step}: {format_evaluation(result)}")

    def close(self) -> None:
        self.bar.stop()


def summary_table(metrics: dict) -> Table:
    """The end-of-run summary: one row per fact, in words and units, not a raw dict."""
    table = Table(title=f"{metrics['model']} on {metrics['task']}", show_header=True)
    table.add_column("")
    table.add_column("value", overflow="fold")
    unit = metrics.get("item_unit", "items")
    table.add_row("model", f"{metrics['model_class']} (strongly typed: {metrics['expected_strongly_typed']})")
    table.add_row(
        "parameters", f"{metrics['params_total']:,} in total, {metrics['params_core']:,} in the recurrent core"
    )
    partner = metrics.get("param_match")
    if partner:
        table.add_row(
            "matched to",
            f"{partner['model']} {partner['layers']}x{partner['hidden']}: {partner['params_total']:,} parameters "
            f"({100 * (metrics['params_total'] / partner['params_total'] - 1):+.2f}%)",
        )
    table.add_row("device", metrics["device"] + (" (bf16 autocast)" if metrics.get("amp_bf16") else ""))
    table.add_row(
        "steps",
        f"{metrics['steps_done']} ({metrics['steps_this_run']} this run, {_fmt_seconds(metrics['seconds_this_run'])}, "
        f"{metrics['items_per_second']:,.0f} {unit}/s)",
    )
    table.add_row(
        "train loss (last 50 steps)", f"{metrics['final_train_loss_avg50']:.4f} {metrics.get('loss_unit', '')}".strip()
    )
    if "final_train_bpc_avg50" in metrics:
        table.add_row("train bits per character (last 50 steps)", f"{metrics['final_train_bpc_avg50']:.4f}")
    for key, value in metrics["final"].items():
        if isinstance(value, int | float):
            table.add_row(f"final {key}", f"{value:.4f}")
    best = metrics.get("best_checkpoint")
    if best:
        metric = metrics.get("metric", "")
        if metric in best:
            table.add_row("best checkpoint", f"step {best['step']}: {metric} {best[metric]:.4f}")
    table.add_row("outputs", ", ".join(metrics.get("outputs", [])))
    return table
