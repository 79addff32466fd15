"""`typecheck-nn lsp`: a Language Server Protocol server over stdio, built on pygls.

On open and on save of a Python file, the file's models are checked in a warm worker
(`warm.WarmChecker`: torch stays imported, results are cached by content) and the
diagnostics are published: code with a link to the rule's page, the user's span,
severity, message and help, and the conflicting operations as related information.
Hover on a line shows the tensors it produces (shape, per-axis types, learnware or
firmware); code actions add `# typecheck-nn: ignore[CODE]` or open the rule's page.

Nothing the user's code does can stop the server: checks run in worker processes under
the runner's timeouts, and any failure becomes a diagnostic on the file. The protocol's
stdout is kept apart from fd 1, which points at stderr, so a stray print cannot corrupt it.

The conversion functions (`lsp_diagnostics`, `hover_text`, `suppression_edit`) are plain
functions of the report, tested without a client; `serve()` wires them to pygls.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
import uuid
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import PositionCodec

from typecheck_nn.core.model import Diagnostic, GraphNode, Location, ModelResult, Report
from typecheck_nn.core.source import assigned_targets
from typecheck_nn.core.version import __version__
from typecheck_nn.policy.suppress import parse_directive
from typecheck_nn.run.warm import FileCheck, WarmChecker
from typecheck_nn.run.worker import RunOptions

SOURCE = "typecheck-nn"
OPEN_RULE = "typecheck-nn.openRule"
_SEVERITY = {
    "error": lsp.DiagnosticSeverity.Error,
    "warning": lsp.DiagnosticSeverity.Warning,
    "info": lsp.DiagnosticSeverity.Information,
}
HOVER_ROWS = 12
PROGRESS_CREATE_SECONDS = 2.0  # inner operations listed under the produced values

log = logging.getLogger(__name__)


# -- positions ---------------------------------------------------------------------------
class Lines:
    """Source lines of the files a report points into, read once per conversion."""

    def __init__(self) -> None:
        self._cache: dict[str, list[str]] = {}

    def get(self, path: str) -> list[str]:
        if path not in self._cache:
            try:
                self._cache[path] = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                self._cache[path] = []
        return self._cache[path]

    def line(self, path: str, line: int) -> str:
        lines = self.get(path)
        return lines[line - 1] if 1 <= line <= len(lines) else ""


def _units(text: str, column: int, codec: PositionCodec) -> int:
    """Client units before 1-based character `column` of `text`: the client counts in the
    negotiated position encoding (UTF-16 unless it asked for another)."""
    return codec.client_num_units(text[: max(column - 1, 0)])


def lsp_range(loc: Location | None, lines: Lines, codec: PositionCodec) -> lsp.Range:
    """The LSP range of a report location; the whole first line when none is known."""
    if loc is None:
        return lsp.Range(lsp.Position(0, 0), lsp.Position(1, 0))
    text = lines.line(loc.path, loc.line)
    start = lsp.Position(loc.line - 1, _units(text, loc.column, codec))
    end_line = max(loc.end_line or loc.line, loc.line)
    if loc.end_column is not None and (loc.end_line is not None or loc.end_column > loc.column):
        end_text = text if end_line == loc.line else lines.line(loc.path, end_line)
        end = lsp.Position(end_line - 1, _units(end_text, loc.end_column, codec))
    else:  # no span known: to the end of the line
        end = lsp.Position(loc.line - 1, codec.client_num_units(text))
    if (end.line, end.character) <= (start.line, start.character):
        end = lsp.Position(start.line, codec.client_num_units(text) or start.character + 1)
    return lsp.Range(start, end)


def _line_location(path: str, line: int | None) -> Location:
    return Location(path, line or 1)


def _definition_line(path: str, name: str, lines: Lines) -> int | None:
    pattern = re.compile(rf"^\s*(?:class|def)\s+{re.escape(name)}\b")
    for number, text in enumerate(lines.get(path), start=1):
        if pattern.match(text):
            return number
    return None


# -- diagnostics -------------------------------------------------------------------------
def _one(d: Diagnostic, m: ModelResult, lines: Lines, codec: PositionCodec) -> lsp.Diagnostic:
    related = [
        lsp.DiagnosticRelatedInformation(
            lsp.Location(from_fs_path(r.location.path) or r.location.path, lsp_range(r.location, lines, codec)),
            r.message,
        )
        for r in d.related
        if r.location is not None
    ]
    message = f"{d.message} [{m.name}]"
    if d.types:
        message += f"\ntypes: {d.types[0]} vs {d.types[1]}"
    if d.help:
        message += f"\nhelp: {d.help}"
    tags = [lsp.DiagnosticTag.Unnecessary] if d.name == "unused-suppression" else None
    return lsp.Diagnostic(
        range=lsp_range(d.location, lines, codec),
        message=message,
        severity=_SEVERITY[d.severity],
        code=d.code,
        code_description=lsp.CodeDescription(href=d.url) if d.url else None,
        source=SOURCE,
        related_information=related or None,
        tags=tags,
        data={"code": d.code, "url": d.url},
    )


def _could_not(path: str, loc: Location | None, message: str, lines: Lines, codec: PositionCodec) -> lsp.Diagnostic:
    return lsp.Diagnostic(
        range=lsp_range(loc or _line_location(path, None), lines, codec),
        message=message,
        severity=lsp.DiagnosticSeverity.Error,
        source=SOURCE,
    )


def lsp_diagnostics(report: Report, codec: PositionCodec | None = None) -> dict[str, list[lsp.Diagnostic]]:
    """One file's report as LSP diagnostics, by the path each one is located in.

    A violation inside a helper file goes to that file. What could not be checked says
    so: a load error (syntax error, failed import) is one diagnostic at its line; a model
    that failed, one at the line where it failed; an operation the checker could not
    type, an information diagnostic, since the verdict then holds only as far as checked.
    """
    codec = codec or PositionCodec()
    lines = Lines()
    out: dict[str, list[lsp.Diagnostic]] = defaultdict(list)

    def put(path: str, diag: lsp.Diagnostic) -> None:
        out[os.path.abspath(path)].append(diag)

    for e in report.errors:
        put(
            e.path,
            _could_not(
                e.path,
                _line_location(e.path, e.line),
                f"typecheck-nn could not check this file: {e.message}",
                lines,
                codec,
            ),
        )
    for s in report.skipped:
        if not s.name:  # a file with no model: nothing to say in an editor
            continue
        line = _definition_line(s.path, s.name, lines)
        put(
            s.path,
            lsp.Diagnostic(
                range=lsp_range(_line_location(s.path, line), lines, codec),
                message=f"{s.name} not checked: {s.reason}",
                severity=lsp.DiagnosticSeverity.Information,
                source=SOURCE,
            ),
        )
    for m in report.models:
        if m.error is not None:
            loc = m.error_location
            put(
                loc.path if loc else m.path,
                _could_not(m.path, loc, f"{m.name} could not be checked: {m.error}", lines, codec),
            )
            continue
        for d in [*m.violations, *m.notes]:
            put(d.location.path if d.location else m.path, _one(d, m, lines, codec))
        for u in m.unchecked:
            put(
                u.location.path if u.location else m.path,
                lsp.Diagnostic(
                    range=lsp_range(u.location, lines, codec),
                    message=f"{m.name}: `{u.op}` not checked ({u.reason}); the verdict holds only as far as checked",
                    severity=lsp.DiagnosticSeverity.Information,
                    source=SOURCE,
                ),
            )
    return dict(out)


# -- hover -------------------------------------------------------------------------------
def _span(node: GraphNode) -> tuple[int, int]:
    loc = node.location
    assert loc is not None
    end = loc.end_column if loc.end_column is not None and (loc.end_line or loc.line) == loc.line else 1 << 30
    return loc.column, end


def _inside(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Span `a` lies strictly inside span `b`."""
    return b[0] <= a[0] and a[1] <= b[1] and a != b


def _shape(node: GraphNode) -> str:
    return (
        "(" + ", ".join(str(n) for n in node.shape) + ("," if len(node.shape) == 1 else "") + ")"
        if node.shape is not None
        else "?"
    )


def _types(node: GraphNode) -> str:
    return "[" + ", ".join(node.axes) + "]" if node.axes else node.type or "?"


def _role(node: GraphNode) -> str:
    return {"learnware": "learnware", "firmware": "firmware (depends on the recurrent state)"}.get(node.role, "")


def _op_label(node: GraphNode) -> str:
    return f"{node.op} ({node.module})" if node.module else node.op


def hover_text(models: Iterable[ModelResult], path: str, line: int, line_text: str) -> str | None:
    """Markdown for a hover on 1-based `line` of `path`: what the line computes, per model.

    The values a line *produces* are its outermost operations (no other operation on the
    line spans them): `h` in `h = tanh(W(x) + V(h))` is the tanh. Unrolled loops run one
    line many times; copies of one operation are shown once, with their count."""
    path = os.path.abspath(path)
    sections = []
    for m in models:
        if m.graph is None:
            continue
        sites: dict[str, list[GraphNode]] = {}
        for n in m.graph.nodes:
            loc = n.location
            if n.kind == "op" and loc is not None and loc.line == line and os.path.abspath(loc.path) == path:
                sites.setdefault(n.site or n.id, []).append(n)
        if not sites:
            continue
        spans = {s: _span(ns[0]) for s, ns in sites.items()}
        outer = [s for s in sites if not any(_inside(spans[s], spans[o]) for o in sites)]
        inner = [s for s in sites if s not in outer]
        names = assigned_targets(line_text)
        out = [f"**{m.name}**"]
        for i, s in enumerate(outer):
            node = sites[s][0]
            name = names[i] if len(outer) == len(names) or (len(names) == 1 and i == 0) else _op_label(node)
            count = f" · ×{len(sites[s])} (unrolled)" if len(sites[s]) > 1 else ""
            role = f" · {_role(node)}" if _role(node) else ""
            out.append(f"`{name}: {_shape(node)} : {_types(node)}`{role}{count}")
        if inner:
            out += ["", "| operation | shape | axis types | role |", "|---|---|---|---|"]
            for s in sorted(inner, key=lambda s: spans[s])[:HOVER_ROWS]:
                node = sites[s][0]
                out.append(
                    f"| `{_op_label(node)}` | {_shape(node)} | `{_types(node)}` | {node.role if node.role in ('learnware', 'firmware') else ''} |"
                )
            if len(inner) > HOVER_ROWS:
                out.append(f"| … {len(inner) - HOVER_ROWS} more | | | |")
        sections.append("\n".join(out))
    return "\n\n---\n\n".join(sections) if sections else None


# -- code actions ------------------------------------------------------------------------
def suppression_edit(line_text: str, line: int, code: str, codec: PositionCodec | None = None) -> lsp.TextEdit | None:
    """The edit that adds `code` to the line's `# typecheck-nn: ignore[...]`, or appends one.

    `line` is 0-based. None when a bare `ignore` (every rule) is already there, or the code
    already is."""
    codec = codec or PositionCodec()
    hash_at = _comment_start(line_text)
    if hash_at is not None:
        found = parse_directive(line_text[hash_at:])
        if found is not None:
            start, end, codes = found
            if codes is None or code in codes:
                return None
            directive = f"# typecheck-nn: ignore[{', '.join([*codes, code])}]"
            a, b = hash_at + start, hash_at + end
            return lsp.TextEdit(
                lsp.Range(
                    lsp.Position(line, codec.client_num_units(line_text[:a])),
                    lsp.Position(line, codec.client_num_units(line_text[:b])),
                ),
                directive,
            )
    at = lsp.Position(line, codec.client_num_units(line_text.rstrip()))
    line_end = lsp.Position(line, codec.client_num_units(line_text))
    return lsp.TextEdit(lsp.Range(at, line_end), f"  # typecheck-nn: ignore[{code}]")


def _comment_start(line_text: str) -> int | None:
    """Index of the `#` that starts the line's comment, outside string literals."""
    import io
    import tokenize

    try:
        for tok in tokenize.generate_tokens(io.StringIO(line_text + "\n").readline):
            if tok.type == tokenize.COMMENT:
                return tok.start[1]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return line_text.find("#") if "#" in line_text else None
    return None


# -- the server ---------------------------------------------------------------------------
@dataclass
class _State:
    checker: WarmChecker | None = None
    executor: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="check"))
    results: dict[str, FileCheck] = field(default_factory=dict)  # checked path -> outcome
    contributions: dict[str, dict[str, list[lsp.Diagnostic]]] = field(default_factory=dict)  # checked -> uri -> diags
    generation: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class TypecheckServer(LanguageServer):
    def __init__(self, options: RunOptions):
        super().__init__("typecheck-nn", __version__)
        self.options = options
        self.state = _State()

    @property
    def codec(self) -> PositionCodec:
        return PositionCodec(self.server_capabilities.position_encoding or lsp.PositionEncodingKind.Utf16)

    def start_checker(self) -> None:
        if self.state.checker is None:
            self.state.checker = WarmChecker(self.options)

    def _check(self, path: str) -> FileCheck:
        self.start_checker()
        assert self.state.checker is not None
        return self.state.checker.check([path])[0]

    async def check(self, uri: str) -> None:
        path = _python_path(uri)
        if path is None:
            return
        state = self.state
        state.generation[path] += 1
        mine = state.generation[path]
        loop = asyncio.get_running_loop()
        token = await self._progress_begin(path)
        try:
            result = await loop.run_in_executor(state.executor, self._check, path)
        except Exception as exc:  # noqa: BLE001 - the server outlives any failure of a check
            log.exception("checking %s failed", path)
            diag = lsp.Diagnostic(
                range=lsp.Range(lsp.Position(0, 0), lsp.Position(1, 0)),
                message=f"typecheck-nn failed on this file: {type(exc).__name__}: {exc}",
                severity=lsp.DiagnosticSeverity.Error,
                source=SOURCE,
            )
            self._publish(path, {path: [diag]})
            return
        finally:
            if token is not None:
                self.work_done_progress.end(token, lsp.WorkDoneProgressEnd(message="done"))
        if state.generation[path] != mine:
            return  # saved again meanwhile: that check publishes
        state.results[path] = result
        self._publish(path, lsp_diagnostics(result.report, self.codec))
        log.info("checked %s in %.2f s%s", path, result.seconds, " (cached)" if result.cached else "")

    async def _progress_begin(self, path: str) -> str | None:
        """Show "checking FILE" in the editor's status bar, when the client supports it
        (a first check imports torch and takes seconds)."""
        window = self.client_capabilities.window
        if window is None or not window.work_done_progress:
            return None
        token = f"typecheck-nn/{uuid.uuid4()}"
        try:
            # a client that never answers must not hold the check up
            await asyncio.wait_for(self.work_done_progress.create_async(token), PROGRESS_CREATE_SECONDS)
        except Exception:  # noqa: BLE001 - progress is a courtesy; the check goes on without it
            return None
        self.work_done_progress.begin(
            token, lsp.WorkDoneProgressBegin(title="typecheck-nn", message=f"checking {os.path.basename(path)}")
        )
        return token

    def _publish(self, checked: str, by_path: dict[str, list[lsp.Diagnostic]]) -> None:
        """Publish `checked`'s diagnostics, merged with other checks' for the same files,
        and clear what it published before and no longer reports."""
        state = self.state
        before = set(state.contributions.get(checked, {}))
        by_path = dict(by_path)
        by_path.setdefault(checked, [])
        state.contributions[checked] = by_path
        for target in before | set(by_path):
            merged: list[lsp.Diagnostic] = []
            seen = set()
            for contribution in state.contributions.values():
                for diag in contribution.get(target, []):
                    key = (diag.range.start.line, diag.range.start.character, diag.code, diag.message)
                    if key not in seen:
                        seen.add(key)
                        merged.append(diag)
            uri = from_fs_path(target) or target
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=merged))

    def forget(self, uri: str) -> None:
        path = _python_path(uri)
        if path is None:
            return
        self.state.results.pop(path, None)
        self._publish(path, {})
        self.state.contributions.pop(path, None)

    def line_text(self, uri: str, line: int) -> str:
        doc = self.workspace.get_text_document(uri)
        lines = doc.lines
        return lines[line].rstrip("\r\n") if 0 <= line < len(lines) else ""

    def shutdown_checker(self) -> None:
        """Stop the check in progress, if any (its workers are killed), then the pool."""
        checker = self.state.checker
        if checker is not None:
            self.state.checker = None
            checker.pool.abort()
            try:
                self.state.executor.submit(checker.close).result(timeout=30)
            except Exception:  # noqa: BLE001 - exiting anyway; workers are daemons of this process
                log.exception("stopping the workers failed")


def _python_path(uri: str) -> str | None:
    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    if path is None or not path.endswith((".py", ".pyw")):
        return None
    return os.path.abspath(path)


def build_server(options: RunOptions) -> TypecheckServer:
    """The server with its handlers, registered in the order the protocol meets them:
    workers start when the editor is ready and stop when it shuts the server down."""
    server = TypecheckServer(options)

    @server.feature(lsp.INITIALIZED)
    def initialized(ls: TypecheckServer, params: lsp.InitializedParams) -> None:
        ls.start_checker()  # workers import torch while the editor opens its first file

    _register_documents(server)
    _register_language_features(server)

    @server.feature(lsp.SHUTDOWN)
    def shutdown(ls: TypecheckServer, params: None) -> None:
        ls.shutdown_checker()

    return server


def _register_documents(server: TypecheckServer) -> None:
    """Check on open and save, forget on close (the text of unsaved edits is not checked)."""

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: TypecheckServer, params: lsp.DidOpenTextDocumentParams) -> None:
        await ls.check(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE, lsp.SaveOptions(include_text=False))
    async def did_save(ls: TypecheckServer, params: lsp.DidSaveTextDocumentParams) -> None:
        saved = _python_path(params.text_document.uri)
        await ls.check(params.text_document.uri)
        if saved is None:
            return
        # a helper changed: the models beside it that are open in the editor are re-checked
        # (the cache re-checks only those whose folder holds the saved file)
        for uri in list(ls.workspace.text_documents):
            other = _python_path(uri)
            if other is not None and other != saved and os.path.dirname(other) == os.path.dirname(saved):
                await ls.check(uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: TypecheckServer, params: lsp.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)


def _register_language_features(server: TypecheckServer) -> None:
    """Types on hover, and code actions to suppress a rule or open its documentation."""

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls: TypecheckServer, params: lsp.HoverParams) -> lsp.Hover | None:
        path = _python_path(params.text_document.uri)
        if path is None:
            return None
        line = params.position.line
        models = [m for r in ls.state.results.values() for m in r.report.models]
        text = hover_text(models, path, line + 1, ls.line_text(params.text_document.uri, line))
        if text is None:
            return None
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text))

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]),
    )
    def code_action(ls: TypecheckServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        uri = params.text_document.uri
        actions: list[lsp.CodeAction] = []
        seen: set[tuple[int, str]] = set()
        for diag in params.context.diagnostics:
            if diag.source != SOURCE or not isinstance(diag.code, str):
                continue
            if (diag.range.start.line, diag.code) in seen:
                continue
            seen.add((diag.range.start.line, diag.code))
            actions += _actions_for(ls, uri, diag, diag.code)
        return actions

    @server.command(OPEN_RULE)
    async def open_rule(ls: TypecheckServer, url: str) -> None:
        await ls.window_show_document_async(lsp.ShowDocumentParams(uri=url, take_focus=True))


def _actions_for(ls: TypecheckServer, uri: str, diag: lsp.Diagnostic, code: str) -> list[lsp.CodeAction]:
    """The quick fixes for one of our diagnostics: an inline suppression (when the line
    can take one) and a link to the rule's documentation (when it has one)."""
    line = diag.range.start.line
    url = diag.code_description.href if diag.code_description else None
    actions: list[lsp.CodeAction] = []
    edit = suppression_edit(ls.line_text(uri, line), line, code, ls.codec)
    if edit is not None:
        actions.append(
            lsp.CodeAction(
                title=f"Ignore {code} on this line",
                kind=lsp.CodeActionKind.QuickFix,
                diagnostics=[diag],
                edit=lsp.WorkspaceEdit(changes={uri: [edit]}),
            )
        )
    if url:
        actions.append(
            lsp.CodeAction(
                title=f"Open the documentation of {code}",
                kind=lsp.CodeActionKind.QuickFix,
                diagnostics=[diag],
                command=lsp.Command(title=f"Open {code}", command=OPEN_RULE, arguments=[url]),
            )
        )
    return actions


def serve(options: RunOptions) -> None:
    """Run the server on stdin/stdout until the client says exit."""
    protocol_out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # anything else written to fd 1 (a worker before it redirects) goes to stderr
    sys.stdout = sys.stderr
    server = build_server(options)
    try:
        server.start_io(sys.stdin.buffer, protocol_out)
    finally:
        server.shutdown_checker()
