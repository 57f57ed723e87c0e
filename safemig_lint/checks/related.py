"""Where in the up file a down file's finding points: the statement that made the change."""

from __future__ import annotations

from safemig_lint.checks.base import FileContext
from safemig_lint.diagnostics import Related
from safemig_lint.operations import ops as o
from safemig_lint.operations.model import bare_name


def up_statement(context: FileContext, kind: str, name: str, message: str) -> tuple[Related, ...]:
    """The up file's statement that creates or drops `kind name`, if this is a down file and one does."""
    up = context.migration.counterpart(context.file)
    if not context.is_down or up is None or context.counterpart is None:
        return ()
    # The schema model keys an index or constraint by its table (`t.t_id`); the statement names it alone.
    wanted = {bare_name(name), bare_name(name.rpartition(".")[2])} if kind in ("index", "constraint") else {_bare(kind, name)}
    operations = context.reading.of(context.counterpart)
    for statement in context.counterpart.statements:
        for op in operations.get(statement.start, ()):
            if any(k == kind and _bare(k, n) in wanted for k, n in _touched(op)):
                return (Related(up.display_path, context.counterpart.lines.span(statement.start, statement.end), message),)
    return ()


def _touched(op: o.Op) -> list[tuple[str, str]]:
    """(kind, name) of each object the op creates or drops."""
    if isinstance(op, o.DropTable):
        return [("table", op.table)]
    if isinstance(op, o.DropColumn):
        return [("column", f"{op.table}.{op.column}")]
    if isinstance(op, (o.DropIndex, o.DropObject)):
        return [(getattr(op, "kind", "index"), op.name)]
    return o.created_objects(op)


def _bare(kind: str, name: str) -> str:
    if kind == "column":
        table, _, column = name.rpartition(".")
        return f"{bare_name(table)}.{column}"
    return bare_name(name)
