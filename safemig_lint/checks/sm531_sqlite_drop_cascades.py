import re
from dataclasses import replace

from safemig_lint.analysis.locks import row_change
from safemig_lint.analysis.schema.replay import Replay
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Related, Severity
from safemig_lint.operations import ops as o
from safemig_lint.operations.model import bare_name
from safemig_lint.patterns import lazy
from safemig_lint.reading.statements import Statement

_FOREIGN_KEYS_OFF = lazy(r"\s*PRAGMA\s+(?:\w+\.)?foreign_keys\s*=\s*['\"]?(OFF|0|FALSE|NO)\b", re.IGNORECASE)
_FOREIGN_KEYS_SET = lazy(r"\s*PRAGMA\s+(?:\w+\.)?foreign_keys\s*=", re.IGNORECASE)


class SqliteDropCascades(Rule):
    code = "SM531"
    name = "sqlite-drop-cascades"
    severity = Severity.ERROR
    summary = "DROP TABLE of a parent table after a PRAGMA foreign_keys = OFF that SQLite ignores inside the transaction: its children's rows are deleted or the drop fails."
    dialects = frozenset({"sqlite"})

    def check_file(self, context: FileContext):
        if context.locks.schema_before is None:
            return
        execution = context.execution
        pragma = next(
            (s for s in context.parsed.statements if _FOREIGN_KEYS_OFF.match(s.text) and execution.in_transaction(s)),
            None,
        )
        if pragma is None:
            return  # no sign that the connection enforces foreign keys, or the pragma takes effect
        # Replay the file on its own copy of the schema: which tables reference the dropped one at the drop
        # (renames move references along), and which of them hold rows (existed before, or were filled since).
        before = context.locks.schema_before
        replay = Replay(before.copy())
        with_rows = {table.oid for table in before.tables.values()}
        drops: list[tuple[Statement, o.DropTable, list[str]]] = []
        off = False  # foreign keys switched off for the connection by a pragma that took effect (outside a transaction)
        for statement in context.parsed.statements:
            if _FOREIGN_KEYS_SET.match(statement.text) and not execution.in_transaction(statement):
                off = bool(_FOREIGN_KEYS_OFF.match(statement.text))
            for op in context.operations(statement):
                if isinstance(op, o.DropTable) and statement.start > pragma.start and execution.in_transaction(statement) and not off:
                    children = _children(replay, op.table, with_rows)
                    if children:
                        drops.append((statement, op, children))
                if isinstance(op, o.CopyRows) and (target := replay.db.tables.get(op.target)) is not None:
                    with_rows.add(target.oid)
                try:
                    replay.apply(op)
                except Exception:  # the model could not follow it: say nothing of what comes after
                    return
            _follow_inserts(statement, context, replay, with_rows)
        if drops:
            yield self._finding(context, pragma, drops)  # one cause, one fix: one finding, at the first drop

    def _finding(self, context: FileContext, pragma: Statement, drops: list[tuple[Statement, o.DropTable, list[str]]]):
        line = context.span(pragma.start, pragma.end).line
        statement, op, children = drops[0]
        named = ", ".join(bare_name(child) for child in children)
        others = ""
        if len(drops) > 1:
            listed = ", ".join(f"{bare_name(dropped.table)} (line {context.span(s.start, s.end).line})" for s, dropped, _ in drops[1:])
            others = f"; so do the drops of {listed}"
        execution = context.execution
        transaction = (
            "the transaction the file's own BEGIN opens"
            if execution.in_explicit_block(pragma)
            else f"the transaction golang-migrate's {execution.settings.driver} driver runs this file in"
        )
        finding = context.finding(
            statement,
            f"PRAGMA foreign_keys = OFF (line {line}) does nothing inside {transaction}, so where the connection enforces foreign keys "
            f"DROP TABLE {bare_name(op.table)} first deletes every row of it: the rows of {named} that reference them are "
            f"deleted too (ON DELETE CASCADE), their keys cleared (SET NULL), or the drop fails{others}",
            "Run the rebuild with foreign keys really off: a migration file that SQLite's driver does not wrap in a "
            "transaction (`x-no-tx-wrap=true`) can switch them off before BEGIN and on again after COMMIT, "
            "with `PRAGMA foreign_key_check` before the COMMIT (https://www.sqlite.org/lang_altertable.html#otheralter). "
            "Or rebuild the child tables too, so that nothing references the table when it is dropped.",
            op.at,
        )
        related = (Related(context.file.display_path, context.span(pragma.start, pragma.end), "ignored inside the transaction"),) + tuple(
            Related(
                context.file.display_path,
                context.span(s.start, s.end),
                f"DROP TABLE {bare_name(dropped.table)} deletes rows of {', '.join(map(bare_name, c))}",
            )
            for s, dropped, c in drops[1:]
        )
        return replace(finding, related=related)


def _children(replay: Replay, parent: str, with_rows: set[int]) -> list[str]:
    """Other tables whose foreign keys reference `parent` now, and that may hold rows."""
    tables = replay.db.tables
    found = []
    for key in tables.in_order(tables.referencing(parent)):
        child = dict.get(tables, key)
        if child is None or key == parent or child.oid not in with_rows:
            continue
        if any(c.kind == "foreign" and re.match(rf"{re.escape(parent)}(\(|$)", c.references) for c in child.constraints.values()):
            found.append(key)
    return found


def _follow_inserts(statement: Statement, context: FileContext, replay: Replay, with_rows: set[int]) -> None:
    """INSERT ... VALUES fills a table too."""
    change = row_change(statement, context.names)
    if change is not None and change.verb == "INSERT" and (table := replay.db.tables.get(change.table)) is not None:
        with_rows.add(table.oid)
