"""`typecheck-nn rule CODE`: a rule's long-form documentation in the terminal.

The pages live in typecheck_nn/docs/rules/<CODE>.md, package data shipped in the wheel,
so the repository and the CLI show one text wherever the checker is installed. For a
rule without a page the text is built from the rule registry's summary and help.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table
from rich.text import Text

from typecheck_nn.core.rules import ALL_RULES, DOCS_DIR, Rule, rule_by_code


def rule_markdown(rule: Rule, docs_dir: Path = DOCS_DIR) -> str:
    """The rule's page from docs/rules, or a short page built from the registry."""
    try:
        return (docs_dir / f"{rule.code}.md").read_text(encoding="utf-8")
    except OSError:
        return (
            f"# {rule.code} ({rule.name})\n\n"
            f"Default severity: {rule.severity}\n\n"
            f"## What it does\n\n{rule.summary}\n\n"
            f"## How to fix\n\n{rule.help[:1].upper() + rule.help[1:]}.\n"
        )


def suggestions(query: str) -> list[str]:
    """Codes and names close to a mistyped `query`, closest first."""
    key = query.strip()
    candidates = {r.code: r.code for r in ALL_RULES} | {r.name: r.code for r in ALL_RULES}
    close = difflib.get_close_matches(key.upper(), list(candidates), n=3, cutoff=0.6)
    close += difflib.get_close_matches(key.lower(), list(candidates), n=3, cutoff=0.6)
    seen: list[str] = []
    for match in close:
        label = f"{candidates[match]} ({rule_by_code(candidates[match]).name})"  # type: ignore[union-attr]
        if label not in seen:
            seen.append(label)
    return seen


def print_rule(console: Console, code_or_name: str) -> int:
    """Print one rule's page; exit code 0 when found, 2 (usage error) when not."""
    rule = rule_by_code(code_or_name)
    if rule is None:
        console.print(Text.assemble(("error", "red"), f": unknown rule {code_or_name!r}"), highlight=False)
        close = suggestions(code_or_name)
        if close:
            console.print(f"did you mean: {', '.join(close)}?", highlight=False, markup=False)
        console.print("list all rules with: typecheck-nn rule --all", highlight=False, markup=False)
        return 2
    console.print(Markdown(rule_markdown(rule)))
    return 0


def print_rule_table(console: Console) -> None:
    table = Table(title="typecheck-nn rules", show_lines=False)
    table.add_column("Code", style="bold", no_wrap=True)
    table.add_column("Name", no_wrap=True)
    table.add_column("Severity", no_wrap=True)
    table.add_column("Summary")
    for rule in ALL_RULES:
        table.add_row(rule.code, rule.name, rule.severity, rule.summary)
    console.print(table)
