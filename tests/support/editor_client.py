"""An editor stand-in: pygls's client driving `typecheck-nn lsp` in a real subprocess.

Shared by tests/editor/test_lsp.py and benchmarks/editor_latency.py. It records every
`publishDiagnostics` and every `window/showDocument`, and lets a caller wait for the next
diagnostics of a file.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any, Union

from lsprotocol import types as lsp
from lsprotocol.converters import get_converter
from pygls.lsp.client import LanguageClient

SERVER = [sys.executable, "-m", "typecheck_nn.cli", "lsp"]


def _converter():
    """lsprotocol's converter, with the spec's rule for a code action list's items.

    lsprotocol 2025.0.0 reads any item with a `command` key as a Command, but a CodeAction
    may carry a command too; the spec tells them apart by whether `command` is a string
    (as VS Code does)."""
    converter = get_converter()

    def code_action(obj: Any, _: type) -> lsp.Command | lsp.CodeAction:
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, lsp.Command)
        return converter.structure(obj, lsp.CodeAction)

    converter.register_structure_hook(Union[lsp.Command, lsp.CodeAction], code_action)  # noqa: UP007
    return converter


class Editor:
    def __init__(self) -> None:
        self.client = LanguageClient("test-editor", "1", converter_factory=_converter)
        self.published: dict[str, list[lsp.PublishDiagnosticsParams]] = {}
        self.shown: list[str] = []
        self.progress: list[str] = []  # kinds of $/progress values: begin, report, end
        self._arrived = asyncio.Condition()

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        async def diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
            async with self._arrived:
                self.published.setdefault(params.uri, []).append(params)
                self._arrived.notify_all()

        @self.client.feature(lsp.WINDOW_SHOW_DOCUMENT)
        def show(params: lsp.ShowDocumentParams) -> lsp.ShowDocumentResult:
            self.shown.append(params.uri)
            return lsp.ShowDocumentResult(success=True)

        @self.client.feature(lsp.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def create(params: lsp.WorkDoneProgressCreateParams) -> None:
            return None

        @self.client.feature(lsp.PROGRESS)
        def progress(params: lsp.ProgressParams) -> None:
            value = params.value
            self.progress.append(value.get("kind", "") if isinstance(value, dict) else getattr(value, "kind", ""))

    async def start(self, cwd: Path) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        await self.client.start_io(*SERVER, cwd=str(cwd), env=env)
        await self.client.initialize_async(
            lsp.InitializeParams(
                capabilities=lsp.ClientCapabilities(
                    window=lsp.WindowClientCapabilities(
                        work_done_progress=True, show_document=lsp.ShowDocumentClientCapabilities(support=True)
                    )
                ),
                root_uri=cwd.as_uri(),
            )
        )
        self.client.initialized(lsp.InitializedParams())

    def count(self, uri: str) -> int:
        return len(self.published.get(uri, []))

    async def next_diagnostics(self, uri: str, after: int, timeout: float = 120.0) -> list[lsp.Diagnostic]:
        """The diagnostics of the first publish for `uri` beyond the first `after` ones."""

        async def arrived() -> list[lsp.Diagnostic]:
            async with self._arrived:
                await self._arrived.wait_for(lambda: self.count(uri) > after)
                return self.published[uri][after].diagnostics

        return await asyncio.wait_for(arrived(), timeout)

    def open(self, path: Path) -> str:
        uri = path.resolve().as_uri()
        self.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "python", 1, path.read_text()))
        )
        return uri

    def save(self, path: Path, text: str, version: int) -> str:
        """Write `text` to `path` as an editor does on save, and tell the server."""
        uri = path.resolve().as_uri()
        path.write_text(text)
        self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                lsp.VersionedTextDocumentIdentifier(version=version, uri=uri),
                [lsp.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        self.client.text_document_did_save(lsp.DidSaveTextDocumentParams(lsp.TextDocumentIdentifier(uri)))
        return uri

    async def stop(self) -> int | None:
        await asyncio.wait_for(self.client.shutdown_async(None), 30)
        self.client.exit(None)
        server = self.client._server
        if server is not None:
            await asyncio.wait_for(server.wait(), 30)
        await self.client.stop()
        return server.returncode if server is not None else None
