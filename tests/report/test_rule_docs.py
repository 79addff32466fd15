"""Rule documentation: a page per rule in ruff's layout, and `typecheck-nn rule` printing it."""

from __future__ import annotations

import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console

from typecheck_nn.core.rules import ALL_RULES, RECURRENT_STATE
from typecheck_nn.report.rule_docs import DOCS_DIR, print_rule, print_rule_table, rule_markdown

REPO = Path(__file__).resolve().parents[2]
SECTIONS = ["## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Options", "## Suppression"]


def _console() -> tuple[Console, StringIO]:
    sink = StringIO()
    return Console(file=sink, width=100, force_terminal=False, color_system=None), sink


def test_docs_ship_inside_the_package():
    import typecheck_nn

    assert DOCS_DIR == Path(typecheck_nn.__file__).parent / "docs" / "rules"
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '"typecheck_nn" = ["docs/rules/*.md"]' in pyproject  # package data: in the wheel


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_urls_point_at_pages_that_exist(rule):
    from urllib.parse import unquote, urlparse

    url = urlparse(rule.url)
    assert url.scheme == "file" and Path(unquote(url.path)).is_file()


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_every_rule_has_a_page_in_ruff_format(rule):
    text = (DOCS_DIR / f"{rule.code}.md").read_text(encoding="utf-8")
    assert text.splitlines()[0] == f"# {rule.code} ({rule.name})"
    positions = [text.find(s) for s in SECTIONS]
    assert all(p > 0 for p in positions) and positions == sorted(positions), positions
    assert f"**{rule.severity}**" in text  # the documented default matches the registry
    example = text[text.index("## Example") : text.index("## Use instead")]
    assert "```python" in example


def test_no_stray_pages():
    assert {p.stem for p in DOCS_DIR.glob("*.md")} == {r.code for r in ALL_RULES}


def test_fallback_page_when_docs_are_not_shipped(tmp_path):
    text = rule_markdown(RECURRENT_STATE, docs_dir=tmp_path)
    assert text.startswith("# TNN002 (recurrent-state-retyped)")
    assert RECURRENT_STATE.summary in text and "## How to fix" in text


@pytest.mark.parametrize("query", ["TNN002", "tnn002", "recurrent-state-retyped"])
def test_print_rule_by_code_or_name(query):
    console, sink = _console()
    assert print_rule(console, query) == 0
    out = sink.getvalue()
    assert "TNN002 (recurrent-state-retyped)" in out and "Why is this bad?" in out


def test_unknown_rule_suggests_close_matches():
    console, sink = _console()
    assert print_rule(console, "recurent-state-retyped") == 2
    out = sink.getvalue()
    assert "unknown rule 'recurent-state-retyped'" in out
    assert "did you mean: TNN002 (recurrent-state-retyped)?" in out


def test_rule_table_lists_every_rule():
    console, sink = _console()
    print_rule_table(console)
    out = sink.getvalue()
    for rule in ALL_RULES:
        assert re.search(rf"{rule.code}\s+│\s+{re.escape(rule.name)}\s+│\s+{rule.severity}", out), rule.code


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "typecheck_nn.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        env={"COLUMNS": "100", "PATH": "/usr/bin:/bin"},
    )


@pytest.mark.process
def test_cli_rule_subcommand():
    shown = _cli("rule", "TNN002")
    assert shown.returncode == 0 and "Use instead" in shown.stdout
    listed = _cli("rule", "--all")
    assert listed.returncode == 0 and all(r.code in listed.stdout for r in ALL_RULES)
    unknown = _cli("rule", "XYZ")
    assert unknown.returncode == 2 and "unknown rule 'XYZ'" in unknown.stdout
