"""Where in the up file a down file's finding points: the statement that made the change."""

from __future__ import annotations

from safemig_lint.checks.base import FileContext
from safemig_lint.diagnostics import Related
from safemig_lint.operations.changes import statement_changes


def up_statement(context: FileContext, kind: str, name: str, message: str) -> tuple[Related, ...]:
    """The up file's statement that creates, adds or drops `kind name`, if this is a down file and one does."""
    up = context.migration.counterpart(context.file)
    if not context.is_down or up is None or context.counterpart is None:
        return ()
    # The schema model keys an index or constraint by its table (`t.t_id`); the statement names it alone.
    names = {name, name.rpartition(".")[2]} if kind in ("index", "constraint") else {name}
    for statement in context.counterpart.statements:
        if any(change.target.kind == kind and change.target.name in names for change in statement_changes(statement)):
            return (Related(up.display_path, context.counterpart.lines.span(statement.start, statement.end), message),)
    return ()
