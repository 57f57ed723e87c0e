"""The protocol's side of the server: documents opened, changed, saved and closed; diagnostics
published; code actions and hovers answered; everything said on the client's log channel.

Every handler runs on the event loop, one at a time, so a lint sees the buffers as they are
when it starts. A keystroke lints its folder once the typing pauses (DEBOUNCE); an open, a save
or a close lints it at once (SOON gathers an editor's burst of them into one run). A request
about a document the last lint did not see at its current version lints its folder first.

No handler lets an exception out: pygls would show its text, and an exception's text can quote
a buffer. What failed is logged by type and place only.
"""

from __future__ import annotations

import asyncio
import functools
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from time import perf_counter, process_time
from urllib.parse import unquote

from lsprotocol import types as lsp
from pygls.capabilities import get_capability
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path

from safemig_lint import __version__
from safemig_lint.config import ConfigError
from safemig_lint.diagnostics import Diagnostic
from safemig_lint.server import actions, hover
from safemig_lint.server.convert import diagnostic
from safemig_lint.server.session import Buffer, Linted, Session, is_migration

DEBOUNCE = 0.2  # seconds of quiet after a keystroke before the folder is linted again
SOON = 0.02


def where(error: BaseException) -> str:
    """`ValueError at read.py:88`: the exception's type and place, never its text."""
    frames = traceback.extract_tb(error.__traceback__)
    place = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(error).__name__}{place}"


def guarded(handler: Callable) -> Callable:
    """A handler that logs what failed instead of raising (and answers None)."""

    @functools.wraps(handler)
    def run(server: SafemigServer, *args):
        try:
            return handler(server, *args)
        except Exception as error:
            server.log(f"internal error in {handler.__name__}: {where(error)}; please report it", lsp.MessageType.Error)
            return None

    return run


class SafemigServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("safemig-lint", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.session = Session()
        self._pending: dict[Path, asyncio.TimerHandle] = {}
        self._told: set[str] = set()  # configuration errors and unsaved files already said

    def report_server_error(self, error: Exception, source) -> None:
        self.log(f"internal error: {where(error)}", lsp.MessageType.Error)

    def log(self, message: str, kind: lsp.MessageType = lsp.MessageType.Log) -> None:
        self.window_log_message(lsp.LogMessageParams(kind, message))

    def _tell_once(self, message: str, kind: lsp.MessageType) -> None:
        if message not in self._told:
            self._told.add(message)
            self.window_show_message(lsp.ShowMessageParams(kind, message))
        self.log(message, kind)

    # --- documents

    def buffers(self, folder: Path) -> list[Buffer]:
        """The folder's open migration files."""
        found = []
        for document in self.workspace.text_documents.values():
            path = Path(document.path) if document.path else None
            if path is not None and path.parent == folder and is_migration(path):
                found.append(Buffer(document.uri, path, document.version, document.source))
        return found

    def schedule(self, folder: Path, delay: float) -> None:
        """Lint `folder` after `delay` seconds, unless asked again before then."""
        pending = self._pending.pop(folder, None)
        if pending is not None:
            pending.cancel()
        self._pending[folder] = asyncio.get_running_loop().call_later(delay, self.lint_now, folder)

    @guarded
    def lint_now(self, folder: Path) -> None:
        """Lint `folder` and publish the findings of each of its open migration files."""
        started, cpu = perf_counter(), process_time()
        pending = self._pending.pop(folder, None)
        if pending is not None:
            pending.cancel()
        buffers = self.buffers(folder)
        if not buffers:
            return
        try:
            outcome = self.session.lint(folder, buffers)
        except ConfigError as error:
            self._tell_once(f"safemig-lint: {error}", lsp.MessageType.Error)
            return
        for linted in outcome.linted.values():
            self.publish(linted)
        for path in outcome.not_on_disk:
            self._tell_once(f"safemig-lint: {path} is not saved yet; it is linted once it is on disk", lsp.MessageType.Info)
        wall, cpu = (perf_counter() - started) * 1000, (process_time() - cpu) * 1000
        self.log(f"{folder}: {len(buffers)} open migration files linted and published in {wall:.1f} ms (CPU {cpu:.1f} ms)")

    def publish(self, linted: Linted) -> None:
        capabilities = self.client_capabilities
        convert = self.converter(linted)
        versioned = get_capability(capabilities, "text_document.publish_diagnostics.version_support", False)
        params = lsp.PublishDiagnosticsParams(
            linted.buffer.uri, [convert(d) for d in linted.found], linted.buffer.version if versioned else None
        )
        self.text_document_publish_diagnostics(params)

    def converter(self, linted: Linted) -> Callable[[Diagnostic], lsp.Diagnostic]:
        capabilities = self.client_capabilities
        links = get_capability(capabilities, "text_document.publish_diagnostics.code_description_support", False)
        related = get_capability(capabilities, "text_document.publish_diagnostics.related_information", False)
        open_buffers = {result.buffer.path: result.buffer for result in self.session.results.values()}

        def uri_of(display: str) -> str:
            buffer = open_buffers.get(Path(display))
            return buffer.uri if buffer is not None else from_fs_path(display) or display

        def related_text(display: str):
            return self.session.text_of(Path(display), open_buffers)

        return lambda found: diagnostic(found, linted.text, uri_of, related_text, links, related)

    def current(self, uri: str) -> Linted | None:
        """The last lint of an open migration file, linting its folder first if the document changed since."""
        document = self.workspace.text_documents.get(unquote(uri))  # pygls keys them unquoted
        if document is None or not document.path or not is_migration(Path(document.path)):
            return None
        linted = self.session.results.get(document.uri)
        if linted is None or linted.buffer.version != document.version or linted.buffer.source != document.source:
            self.lint_now(Path(document.path).parent)
            linted = self.session.results.get(document.uri)
        return linted

    # --- requests

    def code_actions(self, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
        linted = self.current(params.text_document.uri)
        if linted is None:
            return None
        try:
            dialect = self.session.config(linted.buffer.path.parent).dialect
        except ConfigError:
            return None
        document_changes = get_capability(self.client_capabilities, "workspace.workspace_edit.document_changes", False)
        show_refused = get_capability(self.client_capabilities, "text_document.code_action.disabled_support", False)
        only = params.context.only
        found = actions.code_actions(linted, params.range, only, dialect, self.converter(linted), document_changes, show_refused)
        return found or None

    def hover(self, params: lsp.HoverParams) -> lsp.Hover | None:
        linted = self.current(params.text_document.uri)
        if linted is None:
            return None
        from safemig_lint.analysis.schema.lookup import name_at
        from safemig_lint.reading.source import LineIndex

        text = linted.text
        offset = text.offset(params.position)
        line, column = LineIndex(text.engine_text).position(offset)
        codes = hover.findings_at(linted.found, line, column)
        written = hover.code_at(text.engine_text, offset)
        sections, span = [], None
        path = linted.buffer.path
        try:
            replayed = self.session.history(path.parent, self.buffers(path.parent), path)
        except ConfigError:  # said when the folder was linted
            replayed = None
        if replayed is not None:
            directory, history = replayed
            file = next(f for f in directory.files() if f.path == path)
            name = name_at(history, file, offset)
            if name is not None:
                sections.append(hover.schema_text(name, file))
                span = lsp.Range(text.position_at(name.start), text.position_at(name.end))
        sections += hover.rule_pages([*([written] if written else []), *codes])
        if not sections:
            return None
        formats = get_capability(self.client_capabilities, "text_document.hover.content_format", None) or []
        kind = lsp.MarkupKind.Markdown if lsp.MarkupKind.Markdown in formats else lsp.MarkupKind.PlainText
        return lsp.Hover(lsp.MarkupContent(kind, "\n\n---\n\n".join(sections)), span)


def build() -> SafemigServer:
    server = SafemigServer()

    @server.feature(lsp.INITIALIZED)
    @guarded
    def initialized(ls: SafemigServer, params: lsp.InitializedParams) -> None:
        ls.session.codec = ls.workspace.position_codec
        encoding = getattr(ls.workspace.position_encoding, "value", ls.workspace.position_encoding)
        ls.log(f"safemig-lint {__version__} language server started (positions in {encoding})", lsp.MessageType.Info)

    def folder_of(uri: str) -> Path | None:
        document = server.workspace.text_documents.get(unquote(uri))
        path = Path(document.path) if document is not None and document.path else None
        return path.parent if path is not None and is_migration(path) else None

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    @guarded
    def did_open(ls: SafemigServer, params: lsp.DidOpenTextDocumentParams) -> None:
        if (folder := folder_of(params.text_document.uri)) is not None:
            ls.schedule(folder, SOON)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    @guarded
    def did_change(ls: SafemigServer, params: lsp.DidChangeTextDocumentParams) -> None:
        if (folder := folder_of(params.text_document.uri)) is not None:
            ls.schedule(folder, DEBOUNCE)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    @guarded
    def did_save(ls: SafemigServer, params: lsp.DidSaveTextDocumentParams) -> None:
        if (folder := folder_of(params.text_document.uri)) is not None:
            ls.schedule(folder, SOON)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    @guarded
    def did_close(ls: SafemigServer, params: lsp.DidCloseTextDocumentParams) -> None:
        # pygls has already dropped the document: its folder comes from the path.
        uri = params.text_document.uri
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri, []))
        path = Path(ls.workspace.get_text_document(uri).path or "")
        others = ls.buffers(path.parent) if is_migration(path) else []
        ls.session.forget(uri, path.parent, bool(others))
        if others:
            ls.schedule(path.parent, SOON)  # its saved text replaces its buffer in the others' context

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, actions.FIX_ALL]))
    @guarded
    def code_action(ls: SafemigServer, params: lsp.CodeActionParams):
        return ls.code_actions(params)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    @guarded
    def on_hover(ls: SafemigServer, params: lsp.HoverParams):
        return ls.hover(params)

    return server


def serve() -> None:
    """Speak the protocol on stdin and stdout until the client says exit."""
    from safemig_lint import cycles

    cycles.long_lived()
    protocol_out = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not break the protocol's stream
    build().start_io(sys.stdin.buffer, protocol_out)
