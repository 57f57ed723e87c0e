from safemig_lint.analysis.schema.effects import ColumnChanged
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.operations import ops as o
from safemig_lint.operations.model import Column, Database
from safemig_lint.operations.types import is_character
from safemig_lint.reading.statements import Statement


class MysqlModifyDropsAttributes(Rule):
    code = "SM109"
    name = "mysql-modify-drops-attributes"
    severity = Severity.WARNING
    summary = "MySQL's MODIFY and CHANGE COLUMN replace the whole column definition: every attribute left out (NOT NULL, DEFAULT, COMMENT, AUTO_INCREMENT, character set) is dropped."
    dialects = frozenset({"mysql"})

    reads_ops = (o.ReplaceColumn,)  # the columns it judges are those a MODIFY or CHANGE redefines

    def check_statement(self, statement: Statement, context: FileContext):
        history = context.history
        if history is None or statement.error is not None:
            return
        # By locator: a MODIFY's AddConstraint (a PRIMARY KEY) shares the ReplaceColumn's, and changes the column too.
        redefined = {id(op.at): op for op in context.operations(statement) if isinstance(op, o.ReplaceColumn) and op.at is not None}
        if not redefined:
            return
        version = context.file.version
        # A down that leaves out what its up added restores the column: judge it against the column before the up.
        baseline = history.before(version) if context.is_down else None
        keys = (
            (history.after(version), history.after_down(version)) if context.is_down else (history.before(version), history.after(version))
        )
        for effect in history.effects_of(context.file, statement):
            if not isinstance(effect, ColumnChanged) or effect.at is None or id(effect.at) not in redefined:
                continue
            before, op = effect.before, redefined[id(effect.at)]
            if before.unknown or before.type is None:
                continue
            lost = _lost(before, effect.after, op, _in_primary_key(keys, effect.table, before.name))
            if baseline is not None:
                lost = [item for item in lost if _had(baseline, effect.table, before.name, item)]
            if not lost:
                continue
            written = ", ".join(_shown(item) for item in lost)
            definition = f"{op.definition_sql} {' '.join(_shown(item) for item in lost)}"
            yield context.finding(
                statement,
                f"{'CHANGE COLUMN' if op.change else 'MODIFY'} redefines {effect.table}.{effect.after.name} as a whole, and its definition leaves out "
                f"{written}: MySQL drops {'it' if len(lost) == 1 else 'them'} from the column",
                f"Repeat every attribute the column keeps: `{definition}`. To drop one on purpose, say so on its own "
                "(`ALTER COLUMN ... DROP DEFAULT`, or a MODIFY whose comment explains it).",
                effect.at,
            )


def _lost(before: Column, after: Column, op: o.ReplaceColumn, primary: bool) -> list[tuple[str, str]]:
    """The attributes `before` had that the new definition leaves out, as (name, SQL) pairs."""
    lost: list[tuple[str, str]] = []
    # A primary key's columns stay NOT NULL whatever the definition says; an explicit NULL (or DEFAULT NULL) is a choice.
    if not before.nullable and after.nullable and not primary and not op.says_nullability and op.says_default != "null":
        lost.append(("not null", ""))
    if before.default is not None and not op.says_default:
        lost.append(("default", before.default))
    kept = {name for name, _ in after.attributes}
    for name, sql in before.attributes:
        if name in kept or name in ("character set", "collate") and not is_character(after.type):
            continue
        lost.append((name, sql))
    return lost


def _in_primary_key(schemas: tuple[Database, ...], table: str, column: str) -> bool:
    for schema in schemas:
        known = schema.tables.get(table)
        if known is not None and any(k.kind == "primary" and column in k.columns for k in known.constraints.values()):
            return True
    return False


def _had(schema: Database, table: str, column: str, item: tuple[str, str]) -> bool:
    """Did the column have this attribute in `schema` (before the up file a down file undoes)?"""
    known = schema.tables.get(table)
    old = known.columns.get(column) if known is not None else None
    if old is None:
        return False
    name, _ = item
    if name == "not null":
        return not old.nullable
    if name == "default":
        return old.default is not None
    return any(attribute == name for attribute, _ in old.attributes)


def _shown(item: tuple[str, str]) -> str:
    name, sql = item
    return f"{name.upper()} {sql}".strip()
