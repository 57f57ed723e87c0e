from sqlglot import exp

from safemig_lint.operations.changes import identifier_name
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.reading.statements import ParsedFile, Statement


class DropTable(Rule):
    code = "SM101"
    name = "drop-table"
    severity = Severity.ERROR
    summary = "DROP TABLE of a table this migration did not create deletes it and all its rows."

    def check_statement(self, statement: Statement, context: FileContext):
        for change in context.destroys(statement, "drop", {"table"}):
            # A rebuild in this file is seen even when the history never created the table;
            # the schema model also follows rebuilds spread over several files or versions.
            if is_table_rebuild(change.target.name, statement, context):
                continue
            if context.history is not None and context.history.rebuilt(context.file, statement, change.target.name):
                continue
            where = " (in a down file, and its up file did not create it)" if context.is_down else ""
            yield context.finding(
                statement,
                f"DROP TABLE {change.target.name} deletes the table and every row in it{where}",
                "Retire tables in steps: stop reading and writing it in the application, back it up "
                "or rename it, and drop it in a later migration once nothing uses it.",
                change.node,
            )


def is_table_rebuild(table: str, drop: Statement, context: FileContext) -> bool:
    """Is this DROP one step of rebuilding a table under its old name, its rows kept?

    SQLite changes a table by copying it: create a new table, INSERT ... SELECT the rows,
    drop the old one and rename the new one to the old name (or rename the old one away
    first, then drop it). So: the dropped name is the target of a rename in this file, and
    before the drop its rows (under either name) were copied into another table.
    """
    renames, copies = _renames_and_copies(context.parsed)
    renamed_from = renames.get(table)
    if not renamed_from:
        return False
    names = {table, *renamed_from}
    return any(start < drop.start and (sources & names) - {target} for start, sources, target in copies)


_last: list = [None, None]  # (ParsedFile, its renames and copies): rules see one file at a time


def _renames_and_copies(parsed: ParsedFile) -> tuple[dict[str, set[str]], list[tuple[int, set[str], str]]]:
    """The file's renames (new name -> old names) and row copies (offset, source tables, target),
    read once per file rather than once per DROP."""
    if _last[0] is not parsed:
        _last[:] = [parsed, _read_renames_and_copies(parsed)]
    return _last[1]


def _read_renames_and_copies(parsed: ParsedFile) -> tuple[dict[str, set[str]], list[tuple[int, set[str], str]]]:
    renames: dict[str, set[str]] = {}
    copies: list[tuple[int, set[str], str]] = []
    for statement in parsed.statements:
        for alter in statement.nodes(exp.Alter):
            for action in alter.args.get("actions") or []:
                if isinstance(action, exp.AlterRename):
                    renames.setdefault(identifier_name(action.this), set()).add(identifier_name(alter.this))
        for copy in statement.nodes(exp.Insert, exp.Create):
            if isinstance(copy, exp.Create) and (copy.args.get("kind") or "").upper() != "TABLE":
                continue
            sources = {identifier_name(t) for t in copy.expression.find_all(exp.Table)} if copy.expression else set()
            copies.append((statement.start, sources, identifier_name(copy.this)))
    return renames, copies
