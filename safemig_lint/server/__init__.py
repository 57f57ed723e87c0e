"""The language server, `safemig-lint server`: findings as a migration is typed, in any editor
with an LSP client (pygls, the `server` extra; only this command imports it).

- app.py: the protocol's side (documents, diagnostics, code actions, hovers, the log channel);
- session.py: the open migration files by folder, linted as `check` lints them (engine.lint_buffers);
- convert.py: positions, ranges, diagnostics and edits between the engine and the protocol;
- actions.py: the fixes --fix would apply, and suppression comments;
- hover.py: rule pages, and what the replayed schema holds for a name.
"""
