"""``reference-models`` command line: ``list`` the models, ``train MODEL --task TASK``.

``main(argv)`` returns an exit code and never lets a traceback escape for user
errors (unknown names, bad devices); the typecheck-nn CLI delegates here.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Train the reference models.")


@app.command("list")
def list_models() -> None:
    """List the models, their expected typing verdict and the tasks."""
    from . import MODELS
    from .tasks import TASKS

    table = Table("name", "class", "strongly typed (expected)", "summary")
    for name, cls in MODELS.items():
        table.add_row(
            name,
            cls.__name__,
            "yes" if cls.expected_strongly_typed else "no",
            (cls.__doc__ or "").strip().splitlines()[0],
        )
    Console().print(table)
    Console().print(f"tasks: {', '.join(TASKS)}")


@app.command("train")
def train_command(
    model: str = typer.Argument(..., help="model name (see `list`)"),
    task: str = typer.Option(..., "--task", help="char-lm, copy, parity or reverse"),
    steps: int | None = typer.Option(None, help="optimizer steps (task default if omitted)"),
    batch_size: int | None = typer.Option(None, "--batch-size"),
    seq_len: int | None = typer.Option(None, "--seq-len", help="BPTT window (char-lm) / max train length (copy)"),
    hidden: int = typer.Option(256, help="hidden size of the recurrent core"),
    layers: int | None = typer.Option(None, help="layers, for models that stack"),
    embed: int = typer.Option(64, help="character embedding size (char-lm)"),
    dropout: float | None = typer.Option(
        None, help="dropout on the core's inputs/outputs and between layers (char-lm default 0.2)"
    ),
    weight_decay: float | None = typer.Option(
        None, "--weight-decay", help="AdamW decoupled weight decay on matrices (char-lm default 0.1)"
    ),
    slots: int = typer.Option(128, help="NTM memory slots N"),
    word: int = typer.Option(20, help="NTM word size M"),
    lr: float | None = typer.Option(None, help="Adam learning rate (task default if omitted)"),
    schedule: str = typer.Option(
        "cosine",
        help="learning-rate schedule: cosine (to 5% over --steps), cosine-budget (over --steps or --max-minutes, "
        "whichever ends first) or constant",
    ),
    seed: int = typer.Option(0),
    device: str = typer.Option("auto", help="auto|cpu|cuda"),
    out: Path | None = typer.Option(None, help="output dir (default runs/<model>-<task>)"),
    checkpoint_every: int = typer.Option(500, "--checkpoint-every"),
    eval_every: int = typer.Option(250, "--eval-every"),
    resume: bool = typer.Option(False, "--resume", help="continue from <out>/checkpoint.pt"),
    max_minutes: float | None = typer.Option(
        None, "--max-minutes", help="stop early (with checkpoint) after this long"
    ),
    match_params: str | None = typer.Option(
        None,
        "--match-params",
        help="choose --hidden so the total parameter count matches MODEL (with this run's --layers/--hidden) "
        "or MODEL:LAYERSxHIDDEN, e.g. torch-lstm:1x512",
    ),
    max_ponder: int | None = typer.Option(
        None, "--max-ponder", help="ACT models: most ponder steps per input (1: the same cell without ACT)"
    ),
    ponder_cost: float = typer.Option(1e-3, "--ponder-cost", help="ACT: tau, the ponder cost's weight (parity)"),
    attention: bool = typer.Option(
        True, "--attention/--no-attention", help="encoder-decoders: with or without attention"
    ),
    quiet: bool = typer.Option(False, help="no progress output (the summary table is still printed)"),
    log: bool | None = typer.Option(
        None,
        "--log/--bar",
        help="plain log lines (one per evaluation and at least one a minute) or a progress bar; "
        "default: a bar on a terminal, log lines otherwise (CI, nohup, pipes)",
    ),
) -> None:
    """Train MODEL on TASK; writes metrics.json, learning_curve.png, checkpoint.pt and best.pt to --out."""
    import sys

    from .progress import LogReporter, Reporter, RichReporter, summary_table
    from .train import TrainConfig, UnknownName, train

    cfg = TrainConfig(
        model=model,
        task=task,
        steps=steps,
        batch_size=batch_size,
        seq_len=seq_len,
        hidden=hidden,
        layers=layers,
        embed=embed,
        dropout=dropout,
        weight_decay=weight_decay,
        slots=slots,
        word=word,
        lr=lr,
        schedule=schedule,
        seed=seed,
        device=device,
        out=out,
        checkpoint_every=checkpoint_every,
        eval_every=eval_every,
        resume=resume,
        max_minutes=max_minutes,
        match_params=match_params,
        max_ponder=max_ponder,
        ponder_cost=ponder_cost,
        attention=attention,
    )
    console = Console(stderr=True)
    from . import MODELS
    from .tasks import TASKS

    for kind, name, valid in (("model", model, MODELS), ("task", task, TASKS)):
        if name not in valid:
            console.print(f"[red]error:[/red] unknown {kind} {name!r}; valid {kind}s: {', '.join(valid)}")
            raise typer.Exit(2)
    use_log = not console.is_terminal if log is None else log
    reporter: Reporter
    if quiet:
        reporter = Reporter()
    elif use_log:
        reporter = LogReporter(sys.stderr)
    else:
        reporter = RichReporter(console)
    try:
        metrics = train(cfg, reporter)
    except (UnknownName, ValueError) as err:
        console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(2) from err
    finally:
        reporter.close()
    console.print(summary_table(metrics))


def main(argv: list[str] | None = None) -> int:
    """Entry point for the console script and for ``typecheck-nn train``; returns the exit code."""
    try:
        app(args=argv, prog_name="reference-models", standalone_mode=True)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
