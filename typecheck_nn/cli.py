"""Command line: flags and dispatch only; every decision lives in the pipeline modules.

`typecheck-nn FILE...` checks (the default command, like mypy); `typecheck-nn rule CODE`
prints a rule's documentation; `typecheck-nn train ...` forwards to reference_models.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from . import api
from .report import renderers

SUBCOMMANDS = ("rule", "train")

check_app = typer.Typer(add_completion=False, rich_markup_mode="rich")
rule_app = typer.Typer(add_completion=False)


@check_app.command(
    help="Check that every model in FILE(s) is strongly typed. "
    "Targets: FILE.py, DIR, FILE.py::ModelClass, FILE.py::factory_function. "
    "Exit 0: all strongly typed; 1: violations; 2: something could not be checked."
)
def check(
    targets: list[str] = typer.Argument(..., help="files, directories or FILE::NAME"),
    output_format: str = typer.Option("full", "--format", help="full, concise, json, github, sarif, junit"),
    output_file: Path | None = typer.Option(
        None, "-o", "--output-file", help="write the report here instead of stdout"
    ),
    html: Path | None = typer.Option(None, "--html", help="also write a self-contained HTML report"),
    select: str | None = typer.Option(
        None, "--select", help="comma-separated rule codes to report (overrides config)"
    ),
    ignore: str | None = typer.Option(
        None, "--ignore", help="comma-separated rule codes to drop (overrides config)"
    ),
    baseline: Path | None = typer.Option(
        None, "--baseline", help="report only violations not recorded in this baseline"
    ),
    write_baseline: Path | None = typer.Option(
        None, "--write-baseline", help="record today's violations to this file"
    ),
    no_progress: bool = typer.Option(False, "--no-progress", help="no progress display on stderr"),
    debug: bool = typer.Option(False, "--debug", help="show tracebacks for internal errors"),
) -> None:
    table = renderers()
    if output_format not in table:
        Console(stderr=True).print(f"[red]error[/]: unknown format {output_format!r}; choose from {', '.join(table)}")
        raise typer.Exit(2)
    stderr = Console(stderr=True)
    show_progress = not no_progress and stderr.is_terminal
    report = api.check_paths(targets, progress=stderr if show_progress else None, debug=debug)
    report = api.apply_policies(
        report,
        targets=targets,
        select=select,
        ignore=ignore,
        baseline=baseline,
        write_baseline=write_baseline,
    )
    if not report.models and not report.errors and not report.skipped:
        stderr.print("[yellow]warning[/]: no models found (an nn.Module subclass with example_inputs() is checked)")
    root = Path.cwd()
    to_terminal = output_file is None
    color = to_terminal and Console().is_terminal
    text = table[output_format](report, root=root, color=color)
    if output_file is not None:
        output_file.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    if html is not None:
        from .report import html as html_report

        html.write_text(html_report.render(report, root=root), encoding="utf-8")
    raise typer.Exit(report.exit_code)


@rule_app.command(help="Print the documentation of a rule (code or name), or list them all with --all.")
def rule(
    code: str | None = typer.Argument(None, help="rule code (TNN002) or name (recurrent-state-retyped)"),
    all_rules: bool = typer.Option(False, "--all", help="list every rule"),
) -> None:
    from .rule_docs import print_rule, print_rule_table

    console = Console()
    if all_rules or code is None:
        print_rule_table(console)
        raise typer.Exit(0)
    raise typer.Exit(print_rule(console, code))


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "rule":
        rule_app(args[1:], prog_name="typecheck-nn rule")
    elif args and args[0] == "train":
        from reference_models.cli import main as train_main

        train_main(["train", *args[1:]])
    else:
        check_app(args, prog_name="typecheck-nn")


if __name__ == "__main__":
    main()
