"""`safemig-lint server` end to end: the real server in its own process, driven over stdio by
pytest-lsp's client (pygls), with Visual Studio Code's capabilities.

One server serves the whole module (starting one costs about a second); each test works in its
own folder and closes what it opens.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("pytest_lsp", reason="the server's tests need the `server` and `test` extras")

import pytest_lsp  # noqa: E402
from lsprotocol import types as lsp  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402

from tests.secret_forms import FORMS, SECRET, form  # noqa: E402

# The async tests share the module's server, so its event loop.
on_the_server = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "safemig_lint", "server"]), scope="module")
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(lsp.InitializeParams(capabilities=client_capabilities("visual-studio-code")))
    yield
    await lsp_client.shutdown_session()


USERS_UP = "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);\nCREATE UNIQUE INDEX users_name_idx ON users (name);\n"
USERS_DOWN = "DROP TABLE users;\n"
EMAIL_UP = "ALTER TABLE users ADD COLUMN email text NOT NULL DEFAULT 'none';\n"
EMAIL_DOWN = "ALTER TABLE users DROP COLUMN email;\n"


def folder(tmp_path: Path, files: dict[str, str], config: str = "", name: str = "migrations") -> Path:
    migrations = tmp_path / name
    migrations.mkdir()
    for name, text in files.items():
        (migrations / name).write_text(text, encoding="utf-8")
    if config:
        (tmp_path / ".safemig-lint.toml").write_text(config, encoding="utf-8")
    return migrations


class Editor:
    """What an editor does with the client: open, type, apply edits, close; and waits for the
    server's diagnostics to reach a state."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}

    def open(self, path: Path, text: str | None = None) -> str:
        uri = path.as_uri()
        self.texts[uri] = path.read_text(encoding="utf-8") if text is None else text
        self.versions[uri] = 1
        self.client.text_document_did_open(lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "sql", 1, self.texts[uri])))
        return uri

    def type(self, uri: str, text: str) -> None:
        """Replace the whole text, as a paste would."""
        self._change(uri, [lsp.TextDocumentContentChangeWholeDocument(text)])
        self.texts[uri] = text

    def apply(self, edit: lsp.WorkspaceEdit) -> None:
        """Apply a code action's edit as the editor would: each document's edits, last first."""
        changes = edit.changes or {}
        for document in edit.document_changes or []:
            assert document.text_document.version == self.versions[document.text_document.uri], "an edit for another version"
            changes[document.text_document.uri] = document.edits
        for uri, edits in changes.items():
            events = [
                lsp.TextDocumentContentChangePartial(e.range, e.new_text)
                for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)
            ]
            self.texts[uri] = apply_edits(self.texts[uri], edits)
            self._change(uri, events)

    def _change(self, uri: str, events: list) -> None:
        self.versions[uri] += 1
        identifier = lsp.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri])
        self.client.text_document_did_change(lsp.DidChangeTextDocumentParams(identifier, events))

    def close(self, uri: str) -> None:
        self.client.text_document_did_close(lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(uri)))

    def codes(self, uri: str) -> list[str]:
        return [str(d.code) for d in self.client.diagnostics.get(uri, [])]

    async def until(self, condition, what: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; diagnostics: { {u: self.codes(u) for u in self.texts} }")
            await asyncio.sleep(0.01)


def apply_edits(text: str, edits: list[lsp.TextEdit]) -> str:
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)

    def offset(position: lsp.Position) -> int:  # the test texts are ASCII: UTF-16 units are characters
        return starts[position.line] + position.character

    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


def position_of(text: str, needle: str) -> lsp.Position:
    return position_at(text, text.index(needle))


def position_at(text: str, offset: int) -> lsp.Position:
    return lsp.Position(text.count("\n", 0, offset), offset - (text.rfind("\n", 0, offset) + 1))


async def hover_text(client: LanguageClient, uri: str, position: lsp.Position) -> str:
    result = await client.text_document_hover_async(lsp.HoverParams(lsp.TextDocumentIdentifier(uri), position))
    return "" if result is None else result.contents.value


@on_the_server
async def test_editing_the_up_file_updates_the_down_files_findings(client: LanguageClient, tmp_path: Path):
    migrations = folder(
        tmp_path,
        {
            "000001_users.up.sql": USERS_UP,
            "000001_users.down.sql": USERS_DOWN,
            "000002_email.up.sql": EMAIL_UP,
            "000002_email.down.sql": EMAIL_DOWN,
        },
    )
    editor = Editor(client)
    up = editor.open(migrations / "000002_email.up.sql")
    down = editor.open(migrations / "000002_email.down.sql")
    await editor.until(lambda: up in client.diagnostics and down in client.diagnostics, "the first diagnostics")
    assert "SM201" not in editor.codes(down)

    # Found exactly where `check` finds it: the added column's name, line 1, columns 30-34.
    (lock,) = [d for d in client.diagnostics[up] if d.code == "SM511"]
    assert lock.range == lsp.Range(lsp.Position(0, 29), lsp.Position(0, 34))
    assert lock.severity == lsp.DiagnosticSeverity.Information and lock.source == "safemig-lint"
    assert lock.code_description.href.endswith("/rules/SM511.md")
    assert "lock_timeout" in lock.message

    editor.type(up, EMAIL_UP + "CREATE TABLE audit (id bigint);\n")
    await editor.until(lambda: "SM201" in editor.codes(down), "the down file's SM201 after the up file changed")
    (undone,) = [d for d in client.diagnostics[down] if d.code == "SM201"]
    assert "audit" in undone.message and undone.severity == lsp.DiagnosticSeverity.Warning
    (cause,) = undone.related_information
    assert cause.location.uri == up and cause.location.range == lsp.Range(lsp.Position(1, 0), lsp.Position(1, 30))
    assert undone.code_description.href.endswith("/rules/SM201.md")
    assert (migrations / "000002_email.up.sql").read_text() == EMAIL_UP, "nothing is written to disk"

    # Closing the up file drops its unsaved text: the down file is linted against the saved one.
    editor.close(up)
    await editor.until(lambda: not client.diagnostics[up] and "SM201" not in editor.codes(down), "the up file's text dropped")

    # A save lints again, and the folder's closed files are read from the disk as they are now.
    (migrations / "000002_email.up.sql").write_text(EMAIL_UP + "CREATE TABLE audit (id bigint);\n", encoding="utf-8")
    client.text_document_did_save(lsp.DidSaveTextDocumentParams(lsp.TextDocumentIdentifier(down)))
    await editor.until(lambda: "SM201" in editor.codes(down), "SM201 from the saved up file")
    editor.close(down)
    await editor.until(lambda: not client.diagnostics[down], "the down file's diagnostics cleared")
    assert any(re.search(r"linted and published in [\d.]+ ms", m.message) for m in client.log_messages), "timings go to the log channel"


@on_the_server
async def test_a_burst_of_keystrokes_is_linted_once(client: LanguageClient, tmp_path: Path):
    migrations = folder(tmp_path, {"000001_users.up.sql": USERS_UP, "000001_users.down.sql": USERS_DOWN, "000002_drop.up.sql": ""})
    editor = Editor(client)
    up = editor.open(migrations / "000002_drop.up.sql")
    await editor.until(lambda: up in client.diagnostics, "the first diagnostics")

    def lints() -> int:
        return sum("linted and published" in m.message and str(migrations) in m.message for m in client.log_messages)

    before = lints()
    typed = "DROP TABLE users;"
    for end in range(1, len(typed) + 1):  # one keystroke at a time, faster than the debounce
        editor.type(up, typed[:end])
    await editor.until(lambda: "SM101" in editor.codes(up), "SM101 of the whole statement")
    await asyncio.sleep(0.3)
    # Once when the keystrokes reach the server together; a busy machine may let a pause in.
    assert 1 <= lints() - before < len(typed) // 2
    editor.close(up)


@on_the_server
async def test_code_actions_fix_a_finding_and_suppress_another(client: LanguageClient, tmp_path: Path):
    # The folder's configuration applies, as in `check`: strict idempotency turns SM301/SM302 on.
    migrations = folder(tmp_path, {"000001_users.up.sql": USERS_UP, "000001_users.down.sql": USERS_DOWN}, 'idempotency = "strict"\n')
    editor = Editor(client)
    up = editor.open(migrations / "000001_users.up.sql")
    down = editor.open(migrations / "000001_users.down.sql")
    await editor.until(lambda: "SM301" in editor.codes(up) and "SM302" in editor.codes(down), "SM301 and SM302")

    (create,) = [d for d in client.diagnostics[up] if d.code == "SM301" and d.range.start.line == 0]
    context = lsp.CodeActionContext(diagnostics=[create])
    found = await client.text_document_code_action_async(lsp.CodeActionParams(lsp.TextDocumentIdentifier(up), create.range, context))
    titles = [a.title for a in found]
    assert "Fix SM301 (create-without-if-not-exists)" in titles
    assert any(t.startswith("Suppress SM301 here") for t in titles)
    fix_all = next(a for a in found if a.kind == "source.fixAll.safemig-lint")
    assert fix_all.title.endswith("(2)"), "both CREATEs of the file have the same fix"
    (fix,) = [a for a in found if a.title.startswith("Fix SM301")]
    assert fix.kind == lsp.CodeActionKind.QuickFix and fix.diagnostics[0].code == "SM301"
    editor.apply(fix.edit)
    assert editor.texts[up].startswith("CREATE TABLE IF NOT EXISTS users")
    await editor.until(lambda: [d.range.start.line for d in client.diagnostics[up] if d.code == "SM301"] == [1], "the first SM301 gone")

    only = lsp.CodeActionContext(diagnostics=[], only=[lsp.CodeActionKind.SourceFixAll])
    whole = lsp.Range(lsp.Position(0, 0), lsp.Position(2, 0))
    (fix_all,) = await client.text_document_code_action_async(lsp.CodeActionParams(lsp.TextDocumentIdentifier(up), whole, only))
    editor.apply(fix_all.edit)
    await editor.until(lambda: "SM301" not in editor.codes(up), "every SM301 gone")
    assert "CREATE UNIQUE INDEX IF NOT EXISTS users_name_idx" in editor.texts[up]

    (drop,) = [d for d in client.diagnostics[down] if d.code == "SM302"]
    actions = await client.text_document_code_action_async(
        lsp.CodeActionParams(lsp.TextDocumentIdentifier(down), drop.range, lsp.CodeActionContext(diagnostics=[drop]))
    )
    (suppress,) = [a for a in actions if a.title.startswith("Suppress SM302")]
    editor.apply(suppress.edit)
    assert editor.texts[down] == "-- safemig-lint: ignore SM302 <why this is safe>\nDROP TABLE users;\n"
    await editor.until(lambda: "SM302" not in editor.codes(down), "SM302 suppressed")
    assert not {"SM009", "SM010"} & set(editor.codes(down)), "the inserted comment is a valid, used suppression"
    editor.close(up)
    editor.close(down)


@on_the_server
async def test_a_fix_to_a_locked_file_is_shown_refused(client: LanguageClient, tmp_path: Path):
    from safemig_lint.integrity import sumfile
    from safemig_lint.reading.discovery import discover

    migrations = folder(tmp_path, {"000001_users.up.sql": USERS_UP, "000001_users.down.sql": USERS_DOWN}, 'idempotency = "strict"\n')
    sumfile.lock(discover([str(migrations)]).directories[0])
    editor = Editor(client)
    up = editor.open(migrations / "000001_users.up.sql")
    await editor.until(lambda: "SM301" in editor.codes(up), "SM301")
    create = next(d for d in client.diagnostics[up] if d.code == "SM301")
    context = lsp.CodeActionContext(diagnostics=[create])
    found = await client.text_document_code_action_async(lsp.CodeActionParams(lsp.TextDocumentIdentifier(up), create.range, context))
    (fix,) = [a for a in found if a.title.startswith("Fix SM301")]
    assert fix.edit is None and fix.disabled.reason == "locked by safemig.sum; not changed"
    assert not [a for a in found if a.kind == "source.fixAll.safemig-lint"]
    editor.close(up)


@on_the_server
async def test_hover_shows_rule_pages_and_the_replayed_schema(client: LanguageClient, tmp_path: Path):
    migrations = folder(
        tmp_path,
        {
            "000001_users.up.sql": USERS_UP,
            "000001_users.down.sql": USERS_DOWN,
            "000002_email.up.sql": EMAIL_UP + "-- safemig-lint: ignore-file SM101 never dropped here\n",
            "000002_email.down.sql": EMAIL_DOWN,
        },
        name="db migrations",  # its URI is percent-encoded
    )
    editor = Editor(client)
    up = editor.open(migrations / "000002_email.up.sql")
    down = editor.open(migrations / "000002_email.down.sql")
    assert "%20" in up
    await editor.until(lambda: up in client.diagnostics and down in client.diagnostics, "diagnostics")
    text = editor.texts[up]

    table = await hover_text(client, up, position_of(text, "users"))
    assert "**table** `users`" in table
    assert "before 000002 (after the migrations before it)" in table
    assert "`name` `TEXT NOT NULL`" in table and "index `users_name_idx` `UNIQUE (name)`" in table
    assert "after 000002's up" in table and "`email` `TEXT NOT NULL DEFAULT 'none'`" in table

    column = await hover_text(client, up, position_of(text, "email"))
    assert "**column** `users.email`" in column
    assert "before 000002 (after the migrations before it): not in the schema" in column
    assert "`TEXT NOT NULL DEFAULT 'none'`" in column
    assert "# SM511 missing-lock-timeout" in column, "the finding on the column's name: its rule page"

    written = await hover_text(client, up, position_of(text, "SM101"))
    assert written.startswith("# SM101 drop-table") and "## Bad" in written

    indexed = await hover_text(client, up, position_of(USERS_UP, "name"))  # a word that names nothing here
    assert "**column**" not in indexed

    # In the down file the column exists before it runs, with its index-free definition, and not after.
    dropped = await hover_text(client, down, position_of(EMAIL_DOWN, "email"))
    assert "before this down (after 000002's up)" in dropped and "after this down: not in the schema" in dropped

    # The hover follows the unsaved text: a column typed but not saved is in the schema.
    editor.type(up, EMAIL_UP + "ALTER TABLE users ADD COLUMN phone varchar(20);\n")
    phone = await hover_text(client, up, position_of(editor.texts[up], "phone"))
    assert "`VARCHAR(20)`" in phone
    editor.close(up)
    editor.close(down)


BROKEN = {
    "unterminated dollar quote": "CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN 1;\n",
    "half a statement": "ALTER TABLE users ADD COLU",
    "binary": "\x00\x01\x02\x89PNG\r\n\x1a\n\x00\x00",
    "a lone surrogate": "SELECT '\ud800';\n",
    "control characters": "CREATE TABLE \x1b[31mred (id int);\n\x0c\x0b",
    "nothing": "",
}


@on_the_server
async def test_broken_buffers_get_diagnostics_and_the_server_carries_on(client: LanguageClient, tmp_path: Path):
    names = {name: f"{index:06d}_{name.replace(' ', '_')}.up.sql" for index, name in enumerate(BROKEN, start=2)}
    migrations = folder(
        tmp_path, {"000001_users.up.sql": USERS_UP, "000001_users.down.sql": USERS_DOWN} | dict.fromkeys(names.values(), "")
    )
    editor = Editor(client)
    uris = {name: editor.open(migrations / names[name], text) for name, text in BROKEN.items()}
    await editor.until(lambda: all(uri in client.diagnostics for uri in uris.values()), "every broken file's diagnostics")
    expected = {"unterminated dollar quote": "SM001", "half a statement": "SM001", "binary": "SM008", "a lone surrogate": "SM008"}
    for name, code in expected.items():
        assert code in editor.codes(uris[name]), name
    for name, text in BROKEN.items():  # every request on a broken text still answers
        end = lsp.Position(text.count("\n"), 0)
        for position in (lsp.Position(0, 0), lsp.Position(0, 3), end):
            await hover_text(client, uris[name], position)
        context = lsp.CodeActionContext(diagnostics=[])
        await client.text_document_code_action_async(
            lsp.CodeActionParams(lsp.TextDocumentIdentifier(uris[name]), lsp.Range(lsp.Position(0, 0), end), context)
        )
    assert not [m for m in client.log_messages if m.type == lsp.MessageType.Error], "no internal error"
    editor.type(uris["half a statement"], "DROP TABLE users;\n")
    await editor.until(lambda: "SM101" in editor.codes(uris["half a statement"]), "the server still lints")
    for uri in uris.values():
        editor.close(uri)


@on_the_server
async def test_a_secret_in_a_buffer_never_reaches_a_diagnostic_a_hover_or_the_log(client: LanguageClient, tmp_path: Path):
    migrations = folder(tmp_path, {"000001_users.up.sql": USERS_UP, "000001_users.down.sql": USERS_DOWN, "000002_s.up.sql": "SELECT 1;\n"})
    editor = Editor(client)
    up = editor.open(migrations / "000002_s.up.sql")
    await editor.until(lambda: up in client.diagnostics, "diagnostics")
    # Every way of writing a secret; the unterminated ones last, as they swallow what follows.
    text = "\n".join(form(name) for name in sorted(FORMS, key=lambda name: "unterminated" in name)) + "\n"
    editor.type(up, text)
    await editor.until(lambda: "SM402" in editor.codes(up), "the credential findings")
    shown = [d.message for d in client.diagnostics[up]]
    shown += [r.message for d in client.diagnostics[up] for r in d.related_information or []]
    # Hover every word of the file: on the secret itself, on names and defaults built from it.
    for match in re.finditer(r"\w+", text):
        shown.append(await hover_text(client, up, position_at(text, match.start())))
    for line in range(text.count("\n")):
        context = lsp.CodeActionContext(diagnostics=[])
        actions = await client.text_document_code_action_async(
            lsp.CodeActionParams(lsp.TextDocumentIdentifier(up), lsp.Range(lsp.Position(line, 0), lsp.Position(line, 200)), context)
        )
        shown += [a.title for a in actions or []]
    shown += [m.message for m in client.log_messages + client.messages]
    assert any("**table**" in s for s in shown), "the hovers were answered"
    assert not [s for s in shown if SECRET in s]
    editor.close(up)


def test_check_never_imports_the_server(tmp_path: Path):
    migrations = folder(tmp_path, {"000001_users.up.sql": USERS_UP, "000001_users.down.sql": USERS_DOWN})
    command = [sys.executable, "-X", "importtime", "-m", "safemig_lint", "check", "--no-cache", str(migrations)]
    done = subprocess.run(command, capture_output=True, text=True)
    modules = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "sqlglot" in modules, "the run did parse"
    assert not {"pygls", "lsprotocol", "cattrs", "safemig_lint.server"} & modules


def test_without_pygls_the_server_command_says_how_to_install_it():
    code = "import sys; sys.modules['pygls'] = None; sys.argv = ['safemig-lint', 'server']; from safemig_lint.launcher import main; main()"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert "the language server needs pygls: pip install 'safemig-lint[server]'" in done.stderr


@pytest.mark.parametrize(("encoding", "character"), [("utf-16", 15), ("utf-8", 20), ("utf-32", 14)])
def test_positions_are_counted_in_the_clients_units(encoding: str, character: int):
    from pygls.workspace import PositionCodec

    from safemig_lint.diagnostics import Span
    from safemig_lint.server.convert import Text

    # The engine reads the text without its byte-order mark and counts characters; the client
    # counts the mark too, in the code units it chose: 😀 is 2 UTF-16 units and 4 UTF-8 bytes.
    text = Text("\ufeffSELECT '😀é', x;\r\nSELECT 2;\n", PositionCodec(lsp.PositionEncodingKind(encoding)))
    assert text.engine_text.startswith("SELECT")
    x = text.engine_text.index("x")
    assert text.engine_offset(1, 14) == x
    assert text.position(1, 14) == text.position_at(x) == lsp.Position(0, character)
    assert text.offset(lsp.Position(0, character)) == x
    assert text.range(Span(2, 8, 2, 9)) == lsp.Range(lsp.Position(1, 7), lsp.Position(1, 8))
    assert text.position_at(len(text.engine_text)) == lsp.Position(2, 0)
