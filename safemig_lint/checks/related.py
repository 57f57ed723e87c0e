"""Where in the up file a down file's finding points: the statement that made the change."""

from __future__ import annotations

from safemig_lint.checks.base import FileContext
from safemig_lint.diagnostics import Related
from safemig_lint.operations import ops as o
from safemig_lint.operations.model import bare_name
from safemig_lint.reading.statements import ParsedFile, Statement


def up_statement(context: FileContext, kind: str, name: str, message: str) -> tuple[Related, ...]:
    """The up file's statement that creates or drops `kind name`, if this is a down file and one does."""
    up = context.migration.counterpart(context.file)
    if not context.is_down or up is None or context.counterpart is None:
        return ()
    # The schema model keys an index or constraint by its table (`t.t_id`); the statement names it alone.
    wanted = {bare_name(name), bare_name(name.rpartition(".")[2])} if kind in ("index", "constraint") else {_bare(kind, name)}
    first = context.counterpart_changes
    found = [first[(kind, bare)] for bare in wanted if (kind, bare) in first]
    if not found:
        return ()
    statement = min(found, key=lambda s: s.start)
    return (Related(up.display_path, context.counterpart.lines.span(statement.start, statement.end), message),)


def first_changes(counterpart: ParsedFile, operations: dict[int, list[o.Op]]) -> dict[tuple[str, str], Statement]:
    """The first statement of a file that creates or drops each (kind, bare name): read once per file,
    not once per finding (a down file's findings are as many as the up file's changes)."""
    first: dict[tuple[str, str], Statement] = {}
    for statement in counterpart.statements:
        for op in operations.get(statement.start, ()):
            for kind, name in _touched(op):
                first.setdefault((kind, _bare(kind, name)), statement)
    return first


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
