"""`--html FILE`: one self-contained page with the summary, each violation in its source, and
an interactive graph per model.

The page must open from disk on an air-gapped machine and survive hostile input, so the
script and styles are inlined from html_assets/, every string from the user's code is
escaped here (html.escape) or drawn by the script with textContent, and the graph data
travels as JSON that cannot close its <script> element.
"""

from __future__ import annotations

import functools
import html
import json
from collections import Counter
from pathlib import Path

from typecheck_nn.core import rules as rules_mod
from typecheck_nn.core.model import Diagnostic, ModelResult, Report
from typecheck_nn.report.common import built_with_text, display_path, location_text
from typecheck_nn.report.html_graph import graph_payload, type_color
from typecheck_nn.report.html_source import diagnostic_source_html

ASSETS = Path(__file__).with_name("html_assets")
ELK_ASSET = "elk.bundled.js"
SAFE_URL_PREFIXES = ("https://", "http://", "./", "../", "docs/")


@functools.lru_cache(maxsize=8)
def asset(name: str) -> str:
    """An asset shipped next to this module, to be inlined into the page (read once)."""
    return (ASSETS / name).read_text(encoding="utf-8")


def script_json(data: object) -> str:
    """JSON that is inert inside <script type="application/json">.

    `<`, `>` and `&` become \\u escapes, so `</script>` or `<!--` in a module name or type
    cannot end the element early; U+2028/2029 are escaped for older JS parsers.
    """
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    for raw, esc in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, esc)
    return text


def e(value: object) -> str:
    return html.escape(str(value), quote=True)


def safe_href(url: str) -> str | None:
    """Only plain web or relative links: a `javascript:` URL from a config must not run."""
    return url if url and url.startswith(SAFE_URL_PREFIXES) else None


def model_anchor(index: int) -> str:
    return f"model-{index}"


# --- summary ---------------------------------------------------------------------------


def verdict_badge(m: ModelResult) -> str:
    if m.error is not None or m.strongly_typed is None:
        return '<span class="badge badge-error">could not check</span>'
    if m.strongly_typed and not m.complete:
        ops = ", ".join(sorted({u.op for u in m.unchecked}))
        return f'<span class="badge badge-error" title="not checked: {html.escape(ops)}">strongly typed as far as checked</span>'
    if m.strongly_typed:
        return '<span class="badge badge-ok">strongly typed</span>'
    return '<span class="badge badge-bad">not strongly typed</span>'


def rule_counts_html(diags: list[Diagnostic]) -> str:
    counts = Counter((d.code, d.name, d.severity) for d in diags)
    if not counts:
        return '<span class="muted">none</span>'
    chips = [
        f'<span class="rule-chip sev-{e(sev)}" title="{e(name)}">{e(code)} <b>×{n}</b></span>'
        for (code, name, sev), n in sorted(counts.items())
    ]
    return " ".join(chips)


def scan_text(m: ModelResult) -> str:
    value = m.recurrence.scan_parallelizable
    if value is None:
        return '<span class="muted" title="no recurrence found">—</span>'
    if value:
        return '<span class="yes" title="all firmware is elementwise">yes</span>'
    kinds = ", ".join(m.recurrence.firmware_op_kinds)
    return f'<span class="no" title="non-elementwise firmware: {e(kinds)}">no</span>'


def summary_table(report: Report, root: Path | None) -> str:
    rows = []
    for i, m in enumerate(report.models):
        rec = m.recurrence
        rows.append(
            "<tr>"
            f'<td><a href="#{model_anchor(i)}">{e(m.name)}</a></td>'
            f'<td class="path">{e(display_path(m.path, root))}</td>'
            f"<td>{verdict_badge(m)}</td>"
            f"<td>{rule_counts_html(m.violations)}</td>"
            f'<td class="num">{rec.learnware_ops}</td>'
            f'<td class="num">{rec.firmware_ops}</td>'
            f"<td>{scan_text(m)}</td>"
            "</tr>"
        )
    if not rows:
        return '<p class="muted">No models were checked.</p>'
    return (
        '<table class="summary"><thead><tr><th>Model</th><th>File</th><th>Verdict</th><th>Violations</th>'
        '<th class="num" title="operations that do not depend on the recurrent state">Learnware</th>'
        '<th class="num" title="operations that depend on the recurrent state">Firmware</th>'
        '<th title="all firmware elementwise: the recurrence is a parallel scan">Scan-parallel</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def stat_cards(report: Report) -> str:
    checked = [m for m in report.models if m.error is None]
    strong = sum(1 for m in checked if m.strongly_typed)
    errors = len(report.errors) + sum(1 for m in report.models if m.error is not None)
    cards = [
        ("models", len(report.models), ""),
        ("strongly typed", strong, "ok" if strong == len(report.models) and report.models else ""),
        ("violations", len(report.violations), "bad" if report.violations else "ok"),
        ("skipped", len(report.skipped), "warn" if report.skipped else ""),
        ("errors", errors, "bad" if errors else ""),
    ]
    return (
        '<div class="stats">'
        + "".join(
            f'<div class="stat {cls}"><div class="stat-n">{n}</div><div class="stat-l">{e(label)}</div></div>'
            for label, n, cls in cards
        )
        + "</div>"
    )


def rules_table(report: Report) -> str:
    counts = Counter(d.code for d in report.violations)
    if not counts:
        return ""
    rows = []
    for code, n in sorted(counts.items()):
        rule = rules_mod.rule_by_code(code)
        name = rule.name if rule else ""
        summary = rule.summary if rule else ""
        href = safe_href(rule.url) if rule else None
        code_html = f'<a href="{e(href)}">{e(code)}</a>' if href else e(code)
        rows.append(f"<tr><td>{code_html}</td><td>{e(name)}</td><td class='num'>{n}</td><td>{e(summary)}</td></tr>")
    return (
        '<h2>Violations by rule</h2><table class="summary rules"><thead><tr><th>Rule</th><th>Name</th>'
        f"<th class='num'>Count</th><th>What it means</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def skipped_html(report: Report, root: Path | None) -> str:
    if not report.skipped:
        return ""
    rows = "".join(
        f"<tr><td>{e(s.name)}</td><td class='path'>{e(display_path(s.path, root))}</td><td>{e(s.reason)}</td></tr>"
        for s in report.skipped
    )
    return (
        f'<h2 id="skipped">Skipped ({len(report.skipped)})</h2><table class="summary"><thead><tr><th>Class</th>'
        f"<th>File</th><th>Reason</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def errors_html(report: Report, root: Path | None) -> str:
    if not report.errors:
        return ""
    rows = "".join(
        f"<tr><td class='path'>{e(display_path(err.path, root))}{'' if err.line is None else ':' + str(err.line)}</td>"
        f"<td><pre class='error-text'>{e(err.message)}</pre></td></tr>"
        for err in report.errors
    )
    return (
        f'<h2 id="errors">Errors ({len(report.errors)})</h2><table class="summary"><thead><tr><th>File</th>'
        f"<th>Message</th></tr></thead><tbody>{rows}</tbody></table>"
    )


# --- per model -------------------------------------------------------------------------


def type_chip(type_name: str, model_index: int | None = None) -> str:
    """A type as the graph names and colours it; with a graph, clicking it highlights its edges."""
    link = "" if model_index is None else f' data-model="{model_index}" data-type="{e(type_name)}" role="button"'
    title = "click to highlight its edges in the graph" if model_index is not None else type_name
    return (
        f'<code class="type-chip" style="background:{type_color(type_name)}" title="{e(title)}"{link}>'
        f"{e(type_name)}</code>"
    )


def diagnostic_html(d: Diagnostic, model_index: int, diag_index: int | None, root: Path | None, cache: dict) -> str:
    href = safe_href(d.url)
    code = (
        f'<a class="code" href="{e(href)}" title="rule documentation">{e(d.code)}</a>'
        if href
        else f'<span class="code">{e(d.code)}</span>'
    )
    graph_button = ""
    if diag_index is not None:
        graph_button = (
            f'<button type="button" class="btn btn-small show-in-graph" data-model="{model_index}" '
            f'data-violation="{diag_index}">Show in graph</button>'
        )
    types = ""
    if d.types:
        m = model_index if diag_index is not None else None
        types = (
            f'<div class="types">{type_chip(d.types[0], m)}<span class="neq">≠</span>{type_chip(d.types[1], m)}</div>'
        )
    help_html = f'<p class="help"><b>help:</b> {e(d.help)}</p>' if d.help else ""
    return (
        f'<article class="diag sev-{e(d.severity)}">'
        f'<header><span class="sev">{e(d.severity)}</span>{code}<span class="rule-name">{e(d.name)}</span>'
        f'<span class="loc">{e(location_text(d.location, "", root))}</span>{graph_button}</header>'
        f'<p class="msg">{e(d.message)}</p>{types}'
        f"{diagnostic_source_html(d, root, cache)}{help_html}</article>"
    )


def recurrence_html(m: ModelResult) -> str:
    rec = m.recurrence
    if not rec.has_recurrence:
        return (
            f'<p class="recurrence">No recurrence found · {rec.learnware_ops} learnware ops, '
            f"{rec.firmware_ops} firmware ops.</p>"
        )
    states = ", ".join(rec.state_values) or "—"
    kinds = ", ".join(rec.firmware_op_kinds) or "—"
    return (
        '<dl class="recurrence">'
        f"<dt>Recurrent state</dt><dd><code>{e(states)}</code></dd>"
        f"<dt>Learnware / firmware</dt><dd>{rec.learnware_ops} / {rec.firmware_ops} ops</dd>"
        f"<dt>Firmware op kinds</dt><dd><code>{e(kinds)}</code></dd>"
        f"<dt>Parallel scan</dt><dd>{scan_text(m)}</dd></dl>"
    )


def model_section(i: int, m: ModelResult, root: Path | None, cache: dict) -> str:
    meta = [e(display_path(m.path, root))]
    if m.trace_method:
        meta.append(f"traced with {e(m.trace_method)}")
    if m.seconds:
        meta.append(f"{sum(m.seconds.values()):.2f} s")
    parts = [
        f'<section class="model" id="{model_anchor(i)}">',
        f'<h2>{e(m.name)} {verdict_badge(m)}</h2><div class="meta">{" · ".join(meta)}</div>',
    ]
    if m.built_with:  # the checker built it: say with what, so it can be reproduced
        parts.append(f'<div class="meta built-with">built with: {e(built_with_text(m))}</div>')
    if m.error is not None:
        where = location_text(m.error_location, "", root)
        parts.append(
            f'<div class="error-box"><b>Could not check</b> {e(where)}<pre class="error-text">{e(m.error)}</pre></div>'
        )
    parts.append(recurrence_html(m))
    if m.violations:
        parts.append(f"<h3>Violations ({len(m.violations)})</h3>")
        has_graph = m.graph is not None
        parts += [diagnostic_html(d, i, j if has_graph else None, root, cache) for j, d in enumerate(m.violations)]
    elif m.error is None:
        parts.append('<p class="all-good">No type violations.</p>')
    if m.notes:
        notes = "".join(diagnostic_html(d, i, None, root, cache) for d in m.notes)
        parts.append(f'<details class="notes"><summary>Notes ({len(m.notes)})</summary>{notes}</details>')
    if m.graph is not None:
        n, k = len(m.graph.nodes), len(m.graph.edges)
        parts.append(
            f'<h3>Graph <span class="muted">{n:,} nodes · {k:,} edges</span></h3>'
            f'<div class="graph" data-model="{i}"><noscript>The graph needs JavaScript.</noscript></div>'
        )
    parts.append("</section>")
    return "".join(parts)


def elk_script(report: Report) -> str:
    """The layout engine (elkjs, EPL-2.0), inlined as inert text only when there is a graph
    to lay out: report.js starts it in a Web Worker made from this text."""
    if not any(m.graph is not None and m.graph.nodes for m in report.models):
        return ""
    return f'<script type="text/plain" id="tcnn-elk">{asset(ELK_ASSET)}</script>'


def page_data(report: Report) -> dict:
    return {
        "version": 1,
        "models": [
            None if m.graph is None else {"name": m.name, **graph_payload(m.graph, m.violations)} for m in report.models
        ],
    }


def render(report: Report, *, root: Path | None = None, color: bool = False) -> str:
    """The whole page. `color` is accepted for the renderer signature; HTML is always colour."""
    from typecheck_nn.core.version import __version__

    cache: dict[str, list[str] | None] = {}
    sections = "".join(model_section(i, m, root, cache) for i, m in enumerate(report.models))
    verdict = (
        "all models strongly typed"
        if report.exit_code == 0
        else ("violations found" if report.exit_code == 1 else "some targets could not be checked")
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light">'
        f"<title>typecheck-nn report — {e(verdict)}</title>"
        f"<style>{asset('report.css')}</style></head><body>"
        '<header class="top"><div class="wrap"><span class="logo">typecheck-nn</span>'
        f'<span class="top-verdict exit-{report.exit_code}">{e(verdict)}</span></div></header>'
        '<main class="wrap">'
        f"<h1>Type-consistency report</h1>{stat_cards(report)}"
        f"<h2>Models</h2>{summary_table(report, root)}{rules_table(report)}"
        f"{skipped_html(report, root)}{errors_html(report, root)}{sections}"
        "</main>"
        f'<footer class="wrap muted">Generated by typecheck-nn {e(__version__)} · strongly typed '
        "architectures after Balduzzi &amp; Ghifary (2016)</footer>"
        f'<script type="application/json" id="tcnn-data">{script_json(page_data(report))}</script>'
        f"{elk_script(report)}<script>{asset('report.js')}</script></body></html>\n"
    )
