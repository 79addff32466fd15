"""Command line: flags and dispatch only; every decision lives in the pipeline modules.

`typecheck-nn FILE...` checks (the default command, like mypy); `typecheck-nn rule CODE`
prints a rule's documentation; `typecheck-nn train ...` forwards to reference_models.

Nothing here imports torch: `--help`, `--version`, `rule`, configuration errors and bad
paths answer at once, and checking itself happens in worker processes (runner.py).
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

import typer
from rich.console import Console

from typecheck_nn.core.version import __version__
from typecheck_nn.report.common import escape_control

SUBCOMMANDS = ("rule", "train", "watch", "lsp")
EPILOG = (
    "Other commands:  typecheck-nn rule CODE | --all  (a rule's documentation);  "
    "typecheck-nn watch PATH...  (re-check on change, print what changed);  "
    "typecheck-nn lsp  (language server for editors, see docs/editor.md);  "
    "typecheck-nn train MODEL --task TASK  (train a reference model; see typecheck-nn train --help)."
)
CONTEXT = {"help_option_names": ["-h", "--help"]}
TIMEOUT_HELP = "seconds allowed to import a file and to check each model (0: no limit)"

check_app = typer.Typer(add_completion=False, rich_markup_mode=None, context_settings=CONTEXT)
rule_app = typer.Typer(add_completion=False, rich_markup_mode=None, context_settings=CONTEXT)
watch_app = typer.Typer(add_completion=False, rich_markup_mode=None, context_settings=CONTEXT)
lsp_app = typer.Typer(add_completion=False, rich_markup_mode=None, context_settings=CONTEXT)


def _version(value: bool) -> None:
    if value:
        print(f"typecheck-nn {__version__}")
        raise typer.Exit(0)


def color_wanted(stream) -> bool:
    """NO_COLOR (https://no-color.org) wins, then FORCE_COLOR, then whether it is a terminal."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, no_color=not color_wanted(sys.stderr), soft_wrap=True)


def _fail(message: str) -> typer.Exit:
    """One line on stderr and exit code 2: the run could not be done as asked."""
    _stderr().print(f"[red]error[/]: {escape_control(message)}", markup=True)
    return typer.Exit(2)


def write_text(text: str, stream=None) -> None:
    """Write to stdout whatever the text holds (lone surrogates from undecodable file
    names included): encoding errors never crash the report."""
    stream = stream or sys.stdout
    data = text.encode("utf-8", "backslashreplace")
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        stream.flush()
        buffer.write(data)
        buffer.flush()
    else:
        stream.write(data.decode("utf-8"))


def _prepare_file(path: Path, option: str) -> None:
    """Create the folder of an output file; fail in one line when it cannot be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _fail(f"{option} {path}: cannot create {path.parent}: {exc.strerror or exc}") from None
    if path.is_dir():
        raise _fail(f"{option} {path}: is a directory")


def _preflight(targets: list[str], select: str | None, ignore: str | None, baseline: Path | None) -> bool:
    """Problems that make checking pointless, found before any model is imported.

    Returns whether a config of the targets asks for `strict = true`."""
    from typecheck_nn.policy.config import ConfigError, config_for, parse_selectors

    strict = False
    try:
        if select is not None:
            parse_selectors(select, "--select")
        if ignore is not None:
            parse_selectors(ignore, "--ignore")
        for target in targets:
            path = target.partition("::")[0]
            if os.path.exists(path):
                strict = config_for(path).strict or strict
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    if baseline is not None and not baseline.is_file():
        raise _fail(f"{baseline}: baseline file not found (create it with --write-baseline {baseline})")
    return strict


def _joined(values: list[str] | None) -> str | None:
    """Repeated options accumulate, and each may be a comma list: `--ignore A --ignore B,C`."""
    if not values:
        return None
    return ",".join(values)


@check_app.command(
    help="Check that every model in FILE(s) is strongly typed. "
    "Targets: FILE.py, DIR, FILE.py::ModelClass, FILE.py::factory_function. "
    "Checking imports each model file (as pytest imports test files): keep scripts' work under "
    '`if __name__ == "__main__":`. In folders, only files whose source defines an nn.Module subclass '
    "or example inputs are imported. "
    "Exit 0: all strongly typed; 1: violations; 2: something could not be checked.",
    epilog=EPILOG,
)
def check(
    targets: list[str] = typer.Argument(..., help="files, directories or FILE::NAME"),
    output_format: str = typer.Option("full", "--format", help="full, concise, json, github, sarif, junit"),
    output_file: Path | None = typer.Option(
        None, "-o", "--output-file", help="write the report here instead of stdout (folders are created)"
    ),
    html: Path | None = typer.Option(None, "--html", help="also write a self-contained HTML report"),
    select: list[str] | None = typer.Option(
        None, "--select", help="rule codes, prefixes or names to report; repeat or comma-separate (overrides config)"
    ),
    ignore: list[str] | None = typer.Option(
        None, "--ignore", help="rule codes, prefixes or names to drop; repeat or comma-separate (overrides config)"
    ),
    baseline: Path | None = typer.Option(
        None, "--baseline", help="report only violations not recorded in this baseline"
    ),
    write_baseline: Path | None = typer.Option(None, "--write-baseline", help="record today's violations to this file"),
    jobs: int = typer.Option(
        0,
        "-j",
        "--jobs",
        min=0,
        help="worker processes (default: one per core); -j1 checks in this process, for debugging",
    ),
    timeout: float = typer.Option(300.0, "--timeout", min=0, help=TIMEOUT_HELP),
    timings: bool = typer.Option(False, "--timings", help="include per-stage timings in the report"),
    strict: bool = typer.Option(
        False, "--strict", help="exit 2 when a model could be checked only in part (config: strict = true)"
    ),
    no_progress: bool = typer.Option(False, "--no-progress", help="no progress display on stderr"),
    debug: bool = typer.Option(
        False, "--debug", help="show what model code printed, torch's own logs, and tracebacks of internal errors"
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="print the version and exit"
    ),
) -> None:
    render = _renderer(output_format)
    select_text, ignore_text = _joined(select), _joined(ignore)
    strict = _preflight(targets, select_text, ignore_text, baseline) or strict
    for path, option in ((output_file, "-o"), (html, "--html"), (write_baseline, "--write-baseline")):
        if path is not None:
            _prepare_file(path, option)
    stderr = _stderr()
    report = _check_targets(
        targets, stderr, jobs=jobs, timeout=timeout, debug=debug, html=html, no_progress=no_progress
    )
    report = _configured(report, targets, select_text, ignore_text, baseline, write_baseline, timings=timings)
    report = replace(report, strict=strict)
    if not report.models and not report.errors and not report.skipped:
        stderr.print("[yellow]warning[/]: no models found (an nn.Module subclass with example inputs is checked)")
    _write_reports(report, render, output_file, html)
    raise typer.Exit(report.exit_code)


def _renderer(output_format: str):
    """The renderer of `--format`, checked before anything is imported or checked."""
    from typecheck_nn.report import renderers

    table = renderers()
    if output_format not in table:
        raise _fail(f"unknown format {output_format!r}; choose from {', '.join(table)}")
    return table[output_format]


def _check_targets(
    targets: list[str], stderr: Console, *, jobs: int, timeout: float, debug: bool, html: Path | None, no_progress: bool
):
    """Check the targets in worker processes, with a progress bar when stderr is a terminal."""
    from typecheck_nn.run.runner import check_files, default_jobs
    from typecheck_nn.run.worker import RunOptions

    options = RunOptions(timeout=timeout or None, debug=debug, with_graph=html is not None)
    progress, stop_progress = _progress(stderr) if not no_progress and stderr.is_terminal else (None, None)
    try:
        return check_files(
            targets,
            options,
            jobs=jobs or default_jobs(),
            progress=progress,
            on_output=_show_output(stderr) if debug else None,
        )
    finally:
        if stop_progress is not None:
            stop_progress()


def _configured(
    report,
    targets: list[str],
    select: str | None,
    ignore: str | None,
    baseline: Path | None,
    write_baseline: Path | None,
    *,
    timings: bool,
):
    """The report as the user configured it (selection, suppressions, baseline), without
    timings unless asked: machine formats are then byte-identical across runs."""
    from typecheck_nn.policy.policies import apply

    report = apply(
        report,
        targets=targets,
        select=select,
        ignore=ignore,
        baseline=baseline,
        write_baseline=write_baseline,
    )
    if not timings:  # machine formats are byte-identical across runs without --timings
        report = replace(report, models=[replace(m, seconds={}) for m in report.models])
    return report


def _write_reports(report, render, output_file: Path | None, html: Path | None) -> None:
    """Write the report (to `-o` or stdout, coloured only on a terminal) and the HTML one;
    a report that cannot be written fails the run in one line."""
    root = Path.cwd()
    color = output_file is None and color_wanted(sys.stdout)
    text = render(report, root=root, color=color)
    if text and not text.endswith("\n"):
        text += "\n"
    try:
        if output_file is not None:
            output_file.write_bytes(text.encode("utf-8", "backslashreplace"))
        else:
            write_text(text)
        if html is not None:
            from typecheck_nn.report import html as html_report

            html.write_bytes(html_report.render(report, root=root).encode("utf-8", "backslashreplace"))
    except OSError as exc:
        raise _fail(f"cannot write the report: {exc.strerror or exc}: {exc.filename}") from None


def _progress(console: Console):
    """A progress bar over files on stderr; returns (factory for runner, stop)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("checking"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )

    def start(total: int):
        bar.start()
        task = bar.add_task("", total=total)

        def advance(label: str) -> None:
            bar.update(task, description=escape_control(Path(label).name))
            bar.advance(task)

        return advance

    return start, bar.stop


def _show_output(console: Console):
    def show(label: str, text: str) -> None:
        console.print(f"[dim]--- output of {escape_control(label)} ---[/]")
        console.print(escape_control(text.rstrip("\n"), keep_newlines=True), markup=False)

    return show


@rule_app.command(help="Print the documentation of a rule (code or name), or list them all with --all.")
def rule(
    code: str | None = typer.Argument(None, help="rule code (TNN002) or name (recurrent-state-retyped)"),
    all_rules: bool = typer.Option(False, "--all", help="list every rule"),
) -> None:
    from typecheck_nn.report.rule_docs import print_rule, print_rule_table

    console = Console()
    if all_rules or code is None:
        print_rule_table(console)
        raise typer.Exit(0)
    raise typer.Exit(print_rule(console, code))


@watch_app.command(
    help="Check PATH(s), then re-check whenever a Python file under them changes and print only what "
    "changed: new and fixed violations, and the closing tally. Torch stays imported between checks, and "
    "unchanged files come from a cache, so a re-check takes about the time of the check itself. Ctrl-C stops.",
)
def watch(
    targets: list[str] = typer.Argument(..., help="files or directories"),
    select: list[str] | None = typer.Option(None, "--select", help="rule codes, prefixes or names to report"),
    ignore: list[str] | None = typer.Option(None, "--ignore", help="rule codes, prefixes or names to drop"),
    jobs: int = typer.Option(1, "-j", "--jobs", min=1, help="warm worker processes"),
    timeout: float = typer.Option(300.0, "--timeout", min=0, help=TIMEOUT_HELP),
) -> None:
    from typecheck_nn.editor.watch import Watcher
    from typecheck_nn.run.worker import RunOptions

    select_text, ignore_text = _joined(select), _joined(ignore)
    _preflight(targets, select_text, ignore_text, None)
    missing = [t for t in targets if not os.path.exists(t.partition("::")[0])]
    if missing:
        raise _fail(f"{missing[0]}: no such file or directory")

    def write(text: str) -> None:
        write_text(text)
        sys.stdout.flush()

    watcher = Watcher(
        targets,
        RunOptions(timeout=timeout or None, with_graph=False),
        write,
        select=select_text,
        ignore=ignore_text,
        jobs=jobs,
    )
    try:
        watcher.run()
    except KeyboardInterrupt:
        pass
    finally:
        watcher.close()
    raise typer.Exit(0)


@lsp_app.command(
    help="Run the language server on stdin/stdout (Language Server Protocol): diagnostics on open and save, "
    "types on hover, code actions to suppress a rule or open its documentation. See docs/editor.md.",
)
def lsp_command(
    timeout: float = typer.Option(60.0, "--timeout", min=0, help=TIMEOUT_HELP),
    log_file: Path | None = typer.Option(None, "--log-file", help="write the server's log here (default: stderr)"),
    verbose: bool = typer.Option(False, "-v", "--verbose", help="log every check and its time"),
) -> None:
    import logging

    from typecheck_nn.editor.lsp import serve
    from typecheck_nn.run.worker import RunOptions

    handler: logging.Handler = logging.FileHandler(log_file) if log_file else logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    serve(RunOptions(timeout=timeout or None, with_graph=True))


def _train(args: list[str]) -> int:
    """`typecheck-nn train ...`: the reference models' trainer under this program's name.
    Every error (unknown model or task, missing --task, an absent device) exits non-zero."""
    from reference_models.cli import app

    try:
        app(args=["train", *args], prog_name="typecheck-nn", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "rule":
        rule_app(args[1:], prog_name="typecheck-nn rule")
    elif args and args[0] == "train":
        raise SystemExit(_train(args[1:]))
    elif args and args[0] == "watch":
        watch_app(args[1:], prog_name="typecheck-nn watch")
    elif args and args[0] == "lsp":
        lsp_app(args[1:], prog_name="typecheck-nn lsp")
    else:
        check_app(args, prog_name="typecheck-nn")


if __name__ == "__main__":
    main()
