"""`typecheck-nn lsp`, driven as an editor drives it: a real subprocess speaking JSON-RPC
over stdio (tests/support/editor_client.py, pygls's client), and the conversions tested alone."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pygls.workspace import PositionCodec
from support.editor_client import Editor

from typecheck_nn.core.model import (
    Diagnostic,
    FileError,
    GraphNode,
    GraphView,
    Location,
    ModelResult,
    Related,
    Report,
)
from typecheck_nn.editor.lsp import hover_text, lsp_diagnostics, lsp_range, suppression_edit

REPO = Path(__file__).resolve().parents[2]
RECURRENT_LINE = 25  # examples/rnns.py: h = torch.tanh(self.W(x) + self.V(h))


def _apply(text: str, edit: lsp.TextEdit) -> str:
    """Apply a one-line edit (ASCII text: UTF-16 units are characters)."""
    lines = text.split("\n")
    r = edit.range
    assert r.start.line == r.end.line
    line = lines[r.start.line]
    lines[r.start.line] = line[: r.start.character] + edit.new_text + line[r.end.character :]
    return "\n".join(lines)


@pytest.mark.process
def test_editor_session_weak_rnn(tmp_path: Path) -> None:
    model = tmp_path / "rnns.py"
    shutil.copy(REPO / "examples" / "rnns.py", model)
    source = model.read_text()
    recurrent = source.splitlines()[RECURRENT_LINE - 1]
    assert "self.V(h)" in recurrent

    async def session() -> None:
        editor = Editor()
        await editor.start(tmp_path)
        try:
            uri = editor.open(model)
            diags = await editor.next_diagnostics(uri, 0)
            errors = [d for d in diags if d.severity == lsp.DiagnosticSeverity.Error]
            assert [d.code for d in errors] == ["TNN002"], [d.message for d in diags]
            d = errors[0]
            # the user's span: `self.V(h)` on the recurrent line (0-based in LSP)
            assert d.range.start.line == RECURRENT_LINE - 1
            assert recurrent[d.range.start.character : d.range.end.character] == "self.V(h)"
            assert d.source == "typecheck-nn"
            assert d.code_description is not None and d.code_description.href.endswith("TNN002.md")
            assert "ElmanRNN" in d.message and "help:" in d.message
            related = d.related_information or []
            assert related, "the conflicting operations come as related information"
            plus = related[0]
            assert plus.location.uri == uri and plus.location.range.start.line == RECURRENT_LINE - 1
            assert recurrent[plus.location.range.start.character : plus.location.range.end.character] == (
                "self.W(x) + self.V(h)"
            )
            assert "`+`" in plus.message
            assert editor.progress[:2] == ["begin", "end"], editor.progress  # "checking rnns.py" while it runs

            hover = await editor.client.text_document_hover_async(
                lsp.HoverParams(lsp.TextDocumentIdentifier(uri), lsp.Position(RECURRENT_LINE - 1, 20))
            )
            assert hover is not None
            text = hover.contents.value  # type: ignore[union-attr]
            assert "**ElmanRNN**" in text
            assert "`h: (2, 32) : [" in text and "cod(W)" in text
            assert "firmware" in text and "learnware" in text and "×5 (unrolled)" in text
            nothing = await editor.client.text_document_hover_async(
                lsp.HoverParams(lsp.TextDocumentIdentifier(uri), lsp.Position(0, 0))
            )
            assert nothing is None

            actions = await editor.client.text_document_code_action_async(
                lsp.CodeActionParams(lsp.TextDocumentIdentifier(uri), d.range, lsp.CodeActionContext(diagnostics=[d]))
            )
            titles = [a.title for a in actions]
            assert titles == ["Ignore TNN002 on this line", "Open the documentation of TNN002"]
            ignore, docs = actions
            assert isinstance(ignore, lsp.CodeAction) and ignore.edit is not None
            (edit,) = ignore.edit.changes[uri]  # type: ignore[index]
            assert edit.new_text == "  # typecheck-nn: ignore[TNN002]"
            assert isinstance(docs, lsp.CodeAction) and docs.command is not None
            await editor.client.workspace_execute_command_async(
                lsp.ExecuteCommandParams(docs.command.command, docs.command.arguments)
            )
            assert editor.shown == [d.code_description.href]

            # applying the fix and saving clears the diagnostic: the suppression is honoured
            seen = editor.count(uri)
            editor.save(model, _apply(source, edit), version=2)
            after = await editor.next_diagnostics(uri, seen)
            assert not [x for x in after if x.severity == lsp.DiagnosticSeverity.Error], after
        finally:
            assert await editor.stop() == 0

    asyncio.run(session())


@pytest.mark.process
def test_syntax_error_is_one_diagnostic_and_server_lives_on(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("import torch\n\n\ndef f(:\n    pass\n")
    model = tmp_path / "rnns.py"
    shutil.copy(REPO / "examples" / "rnns.py", model)

    async def session() -> None:
        editor = Editor()
        await editor.start(tmp_path)
        try:
            bad = editor.open(broken)
            diags = await editor.next_diagnostics(bad, 0)
            assert len(diags) == 1, diags
            assert diags[0].severity == lsp.DiagnosticSeverity.Error
            assert diags[0].range.start.line == 3  # line 4, 0-based
            assert "syntax error" in diags[0].message
            good = editor.open(model)
            after = await editor.next_diagnostics(good, 0)
            assert "TNN002" in [x.code for x in after]
            # and a fixed file clears its diagnostic
            seen = editor.count(bad)
            editor.save(broken, "import torch\n\n\ndef f():\n    pass\n", version=2)
            assert list(await editor.next_diagnostics(bad, seen)) == []
        finally:
            assert await editor.stop() == 0

    asyncio.run(session())


# -- the conversions alone ----------------------------------------------------------------
def test_range_counts_in_the_negotiated_encoding(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text("x = 'é😀' + self.V(h)\n", encoding="utf-8")
    text = f.read_text(encoding="utf-8").splitlines()[0]
    loc = Location(str(f), 1, text.index("self") + 1, 1, len(text) + 1)  # report columns count characters
    from typecheck_nn.editor.lsp import Lines

    utf16 = lsp_range(loc, Lines(), PositionCodec(lsp.PositionEncodingKind.Utf16))
    assert (utf16.start.character, utf16.end.character) == (12, 21)  # é is one unit, 😀 two
    utf32 = lsp_range(loc, Lines(), PositionCodec(lsp.PositionEncodingKind.Utf32))
    assert text[utf32.start.character : utf32.end.character] == "self.V(h)"


def test_diagnostics_go_to_the_file_they_are_in(tmp_path: Path) -> None:
    model, helper = tmp_path / "model.py", tmp_path / "helper.py"
    model.write_text("a\nb\n")
    helper.write_text("x = 1\ny = f(x)\n")
    d = Diagnostic(
        "TNN001",
        "mixed-type-binary-op",
        "error",
        "mixed",
        Location(str(helper), 2, 5, 2, 9),
        related=[Related(Location(str(model), 1, 1, 1, 2), "here"), Related(None, "nowhere")],
    )
    report = Report(
        models=[
            ModelResult("M", str(model), False, violations=[d]),
            ModelResult("Broken", str(model), None, error="forward failed", error_location=Location(str(model), 2)),
        ],
        errors=[FileError(str(tmp_path / "other.py"), "import failed: boom", 7)],
    )
    out = lsp_diagnostics(report)
    assert set(out) == {str(helper), str(model), str(tmp_path / "other.py")}
    (v,) = out[str(helper)]
    assert (v.range.start.line, v.range.start.character, v.range.end.character) == (1, 4, 8)
    assert [r.message for r in v.related_information or []] == ["here"]
    (e,) = out[str(model)]
    assert e.range.start.line == 1 and "Broken could not be checked" in e.message
    (f,) = out[str(tmp_path / "other.py")]
    assert f.range.start.line == 6 and "import failed" in f.message


def test_suppression_edit_appends_or_merges() -> None:
    add = suppression_edit("    h = f(h)  ", 4, "TNN002")
    assert add is not None and add.new_text == "  # typecheck-nn: ignore[TNN002]"
    assert (add.range.start.character, add.range.end.character) == (12, 14)  # trailing blanks replaced
    merge = suppression_edit("h = f(h)  # typecheck-nn: ignore[TNN001]", 0, "TNN002")
    assert merge is not None and merge.new_text == "# typecheck-nn: ignore[TNN001, TNN002]"
    assert (merge.range.start.character, merge.range.end.character) == (10, 40)
    after_comment = suppression_edit("h = f(h)  # why: see paper", 0, "TNN002")
    assert after_comment is not None and after_comment.range.start.character == 26
    assert suppression_edit("h = f(h)  # typecheck-nn: ignore", 0, "TNN002") is None
    assert suppression_edit("h = f(h)  # typecheck-nn: ignore[TNN002]", 0, "TNN002") is None
    # a '#' inside a string is not a comment
    in_string = suppression_edit("s = '# typecheck-nn: ignore[TNN001]'", 0, "TNN002")
    assert in_string is not None and in_string.new_text == "  # typecheck-nn: ignore[TNN002]"


def test_hover_names_the_produced_values_and_folds_unrolled_copies(tmp_path: Path) -> None:
    path = str(tmp_path / "m.py")

    def node(i: int, op: str, col: int, end: int, site: str, role: str = "firmware") -> GraphNode:
        return GraphNode(
            f"n{i}",
            op,
            "op",
            "",
            "",
            role,  # type: ignore[arg-type]
            Location(path, 3, col, 3, end),
            shape=(2, 8),
            axes=["batch", "cod(W)"],
            site=site,
        )

    nodes = [node(0, "linear", 20, 29, "a", "learnware"), node(1, "tanh", 14, 30, "b")]
    nodes += [node(2, "linear", 20, 29, "a", "learnware"), node(3, "tanh", 14, 30, "b")]
    model = ModelResult("Cell", path, True, graph=GraphView(nodes=nodes))
    text = hover_text([model], path, 3, "    h = torch.tanh(self.W(x))")
    assert text is not None
    assert "`h: (2, 8) : [batch, cod(W)]` · firmware (depends on the recurrent state) · ×2 (unrolled)" in text
    assert "| `linear` | (2, 8) | `[batch, cod(W)]` | learnware |" in text
    assert hover_text([model], path, 4, "") is None
