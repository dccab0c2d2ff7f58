"""`sqllint server`: a Language Server Protocol server on stdio, built on pygls.

Diagnostics on open, change and save of `.sql` and `.py` files (exact ranges, the rule's
code and a link to its page); hover on a finding shows the rule's documentation; code
actions apply a finding's fix (the same fixes as ``check --fix``, checked the same way)
or add a suppression comment for the line or the file. Initialization option
``docsUrl`` sets the base of the rule links (see sqllint.ruledocs).
"""

from __future__ import annotations

import os
import traceback
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from sqllint import __version__
from sqllint.fixes import apply_fixes
from sqllint.lsp.session import LANGUAGES, Session
from sqllint.model import Finding, Location
from sqllint.ruledocs import rule_markdown, rule_url
from sqllint.rules import rule_by_code

SEVERITY = {"error": types.DiagnosticSeverity.Error,
            "warning": types.DiagnosticSeverity.Warning,
            "info": types.DiagnosticSeverity.Information}


class SqllintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("sqllint", __version__,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.session: Session | None = None
        self.docs_base: str | None = None
        self.findings: dict[str, list[Finding]] = {}  # uri → findings of its last lint

    # -- linting --------------------------------------------------------------------

    def start_session(self, root: Path, scratch: Path | None = None) -> None:
        """The session of the workspace at ``root``, or of the ``scratch`` file opened
        without a workspace (sqllint.lsp.session.Session.for_scratch)."""
        os.chdir(root)  # display paths are relative to the working directory
        self.session = Session.for_scratch(scratch) if scratch is not None else Session(root)

    def lint(self, uri: str) -> None:
        path = to_fs_path(uri)
        if path is None or not path.endswith(LANGUAGES):
            return
        if self.session is None:
            self.start_session(Path(path).parent, scratch=Path(path))
        assert self.session is not None
        document = self.workspace.get_text_document(uri)
        try:
            findings = self.session.lint(Path(path), document.source)
        except Exception as exc:  # never take the editor's server down
            self.window_log_message(types.LogMessageParams(
                types.MessageType.Error, f"sqllint: {type(exc).__name__}: {exc}\n"
                                         f"{traceback.format_exc()}"))
            return
        self.findings[uri] = findings
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=document.version,
            diagnostics=[self.diagnostic(document, f) for f in findings]))

    def range(self, document: TextDocument, loc: Location) -> types.Range:
        """sqllint's 1-based, code-point span as the client's range (UTF-16 by default)."""
        end_line, end_column = loc.end_line, loc.end_column
        if (end_line, end_column) <= (loc.line, loc.column):
            end_line, end_column = loc.line, loc.column + 1
        points = types.Range(types.Position(loc.line - 1, loc.column - 1),
                             types.Position(end_line - 1, end_column - 1))
        codec = self.workspace.position_codec
        return codec.range_to_client_units(document.lines, points)

    def diagnostic(self, document: TextDocument, f: Finding) -> types.Diagnostic:
        url = rule_url(f.rule, self.docs_base)
        message = f.message + (f"\n\nFix:\n{f.suggestion}" if f.suggestion else "")
        return types.Diagnostic(
            range=self.range(document, f.location),
            message=message,
            severity=SEVERITY[f.severity],
            code=f.rule,
            code_description=types.CodeDescription(href=url) if url else None,
            source="sqllint",
        )

    # -- hover and code actions -------------------------------------------------------

    def at(self, uri: str, rng: types.Range) -> list[Finding]:
        """The findings of ``uri`` whose range touches ``rng``."""
        document = self.workspace.get_text_document(uri)
        out = []
        for f in self.findings.get(uri, []):
            r = self.range(document, f.location)
            if (r.start.line, r.start.character) <= (rng.end.line, rng.end.character) and \
                    (rng.start.line, rng.start.character) <= (r.end.line, r.end.character):
                out.append(f)
        return out

    def hover(self, uri: str, position: types.Position) -> types.Hover | None:
        found = self.at(uri, types.Range(position, position))
        if not found:
            return None
        parts = []
        for f in found:
            spec = rule_by_code(f.rule)
            doc = rule_markdown(spec) if spec is not None else ""
            parts.append(f"**{f.rule}** {f.message}\n\n{doc}")
        return types.Hover(contents=types.MarkupContent(types.MarkupKind.Markdown,
                                                        "\n\n---\n\n".join(parts)))

    def code_actions(self, uri: str, rng: types.Range) -> list[types.CodeAction]:
        document = self.workspace.get_text_document(uri)
        path = to_fs_path(uri) or ""
        actions: list[types.CodeAction] = []
        for f in self.at(uri, rng):
            diag = self.diagnostic(document, f)
            if f.fix is not None and apply_fixes(f.location.path, document.source, [f]).fixes:
                edits = [types.TextEdit(self.range_of(document, e.line, e.column, e.end_line,
                                                      e.end_column), e.text)
                         for e in f.fix.edits]
                actions.append(types.CodeAction(
                    title=f"{f.rule}: {f.fix.title}" + ("" if f.fix.safe else " (unsafe)"),
                    kind=types.CodeActionKind.QuickFix, diagnostics=[diag],
                    is_preferred=f.fix.safe,
                    edit=types.WorkspaceEdit(changes={uri: edits})))
            comment = "#" if path.endswith(".py") else "--"
            line_text = document.lines[f.location.line - 1].rstrip("\r\n") \
                if f.location.line <= len(document.lines) else ""
            end = len(line_text) + 1
            actions.append(types.CodeAction(
                title=f"{f.rule}: suppress on this line",
                kind=types.CodeActionKind.QuickFix, diagnostics=[diag],
                edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(
                    self.range_of(document, f.location.line, end, f.location.line, end),
                    f"  {comment} noqa: {f.rule}")]})))
            actions.append(types.CodeAction(
                title=f"{f.rule}: suppress in this file",
                kind=types.CodeActionKind.QuickFix, diagnostics=[diag],
                edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(
                    types.Range(types.Position(0, 0), types.Position(0, 0)),
                    f"{comment} sqllint: disable-file={f.rule}\n")]})))
        return actions

    def range_of(self, document: TextDocument, line: int, column: int, end_line: int,
                 end_column: int) -> types.Range:
        points = types.Range(types.Position(line - 1, column - 1),
                             types.Position(end_line - 1, end_column - 1))
        return self.workspace.position_codec.range_to_client_units(document.lines, points)


def build() -> SqllintServer:
    server = SqllintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: SqllintServer, params: types.InitializeParams) -> None:
        options: Any = params.initialization_options or {}
        if isinstance(options, dict) and isinstance(options.get("docsUrl"), str):
            ls.docs_base = options["docsUrl"]
        root = None
        if params.workspace_folders:
            root = to_fs_path(params.workspace_folders[0].uri)
        elif params.root_uri:
            root = to_fs_path(params.root_uri)
        elif params.root_path:
            root = params.root_path
        if root and Path(root).is_dir():
            ls.start_session(Path(root))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: SqllintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.lint(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: SqllintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.lint(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: SqllintServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.lint(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: SqllintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.findings.pop(params.text_document.uri, None)
        path = to_fs_path(params.text_document.uri)
        if ls.session is not None and path:
            ls.session.open_texts.pop(Path(os.path.abspath(path)), None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=params.text_document.uri, diagnostics=[]))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_files(ls: SqllintServer, params: types.DidChangeWatchedFilesParams) -> None:
        if ls.session is not None:
            ls.session.reload()

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: SqllintServer, params: types.HoverParams) -> types.Hover | None:
        return ls.hover(params.text_document.uri, params.position)

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    def code_action(ls: SqllintServer,
                    params: types.CodeActionParams) -> list[types.CodeAction]:
        return ls.code_actions(params.text_document.uri, params.range)

    return server


def serve() -> None:
    build().start_io()


__all__ = ["SqllintServer", "build", "serve"]
