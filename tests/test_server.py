"""`sqllint server` over stdio, driven by a real LSP client (pygls's)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = "CREATE TABLE vms (id bigint PRIMARY KEY, name text, state text);\n"
QUERY = "SELECT id FROM vms WHERE id = $1;\nSELECT * FROM vms WHERE id = $1;\n"


def _project(tmp: Path) -> tuple[Path, Path]:
    (tmp / "sqllint.toml").write_text("", encoding="utf-8")
    (tmp / "schema.sql").write_text(SCHEMA, encoding="utf-8")
    (tmp / "migrations").mkdir()
    (tmp / "migrations" / "001_init.sql").write_text(
        "CREATE TABLE events (id bigint PRIMARY KEY, kind text);\n", encoding="utf-8")
    query = tmp / "query.sql"
    query.write_text(QUERY, encoding="utf-8")
    return query, tmp / "migrations" / "002_kind.sql"


Published = dict[tuple[str, int | None], list[types.Diagnostic]]


async def _diagnostics(published: Published, uri: str, version: int) -> list[types.Diagnostic]:
    """The diagnostics the server published for ``uri`` at ``version`` (waiting for them)."""
    for _ in range(600):
        if (uri, version) in published:
            return published[(uri, version)]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no diagnostics for {uri} version {version}")


async def _session(tmp: Path) -> dict[str, Any]:
    query, migration = _project(tmp)
    client = LanguageClient("test-client", "1")
    published: Published = {}

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish(params: types.PublishDiagnosticsParams) -> None:
        published[(params.uri, params.version)] = list(params.diagnostics)

    env = {**os.environ, "PYTHONPATH": str(ROOT), "SQLLINT_CACHE": "0"}
    env.pop("SQLLINT_DOCS_URL", None)
    await client.start_io(sys.executable, "-m", "sqllint.cli", "server", env=env, cwd=tmp)
    seen: dict[str, Any] = {}
    try:
        result = await client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=from_fs_path(str(tmp)),
            initialization_options={"docsUrl": "https://example.org/rules"}))
        client.initialized(types.InitializedParams())
        seen["capabilities"] = result.capabilities
        uri = from_fs_path(str(query))
        assert uri is not None
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="sql", version=1, text=QUERY)))
        seen["opened"] = await _diagnostics(published, uri, 1)

        # Type a second star into line 1: only that file is linted again.
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [types.TextDocumentContentChangePartial(
                range=types.Range(types.Position(0, 7), types.Position(0, 9)), text="*")]))
        seen["changed"] = await _diagnostics(published, uri, 2)

        seen["hover"] = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=1, character=7)))
        star = next(d for d in seen["changed"] if d.range.start.line == 1)
        actions = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=star.range,
            context=types.CodeActionContext(diagnostics=[star])))
        seen["actions"] = actions
        assert actions is not None
        fix = next(a for a in actions if isinstance(a, types.CodeAction)
                   and a.title.startswith("SL101: Name the columns"))
        assert fix.edit is not None and fix.edit.changes is not None
        edits = fix.edit.changes[uri]
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=3),
            [types.TextDocumentContentChangePartial(range=e.range, text=e.new_text)
             for e in edits]))
        seen["fixed"] = await _diagnostics(published, uri, 3)

        # A migration opened before it is saved: its DDL is checked against the schema.
        muri = from_fs_path(str(migration))
        assert muri is not None
        client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
            uri=muri, language_id="sql", version=1,
            text="CREATE INDEX events_kind ON events (kind);\n")))
        seen["migration"] = await _diagnostics(published, muri, 1)
    finally:
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
    return seen


def test_server_over_stdio(tmp_path: Path) -> None:
    seen = asyncio.run(asyncio.wait_for(_session(tmp_path), timeout=120))
    assert seen["capabilities"].hover_provider
    assert seen["capabilities"].code_action_provider

    # Opened: SELECT * on line 2, at the star (0-based line 1, characters 7..8).
    [star] = seen["opened"]
    assert star.code == "SL101" and star.source == "sqllint"
    assert star.range == types.Range(types.Position(1, 7), types.Position(1, 8))
    assert star.severity == types.DiagnosticSeverity.Warning
    assert star.code_description is not None
    assert star.code_description.href == "https://example.org/rules/SL101.md"
    assert "expands to 3 columns" in star.message

    # Changed: line 1 reads SELECT * too; both are reported.
    assert sorted((d.code, d.range.start.line, d.range.start.character)
                  for d in seen["changed"]) == [("SL101", 0, 7), ("SL101", 1, 7)]

    # Hover shows the finding and the rule's page.
    hover = seen["hover"]
    assert hover is not None
    assert "## What it does" in hover.contents.value
    assert "SL101" in hover.contents.value

    # Code actions: the fix, and suppressions for the line and the file.
    titles = [a.title for a in seen["actions"]]
    assert "SL101: Name the columns (unsafe)" in titles
    assert "SL101: suppress on this line" in titles
    assert "SL101: suppress in this file" in titles

    # After applying the fix, only line 1's star is left.
    assert [(d.code, d.range.start.line) for d in seen["fixed"]] == [("SL101", 0)]

    # The migration: CREATE INDEX on a table of an earlier migration.
    [index] = seen["migration"]
    assert index.code == "SL301"
    assert index.range.start == types.Position(0, 0)
