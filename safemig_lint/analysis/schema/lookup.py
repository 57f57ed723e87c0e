"""What the replayed schema holds for a name written in a migration: the tables and columns a
word of a statement names, as the schema has them just before the file runs and just after.

The language server's hover asks it. The word is read from the file as the history parsed it,
so with every secret masked: a word that was a secret is stars, and names nothing.
"""

from __future__ import annotations

import re

from safemig_lint.analysis.schema.history import History
from safemig_lint.operations import ops as o
from safemig_lint.operations.model import Column, Constraint, Database, Index, Table
from safemig_lint.operations.read import mentions
from safemig_lint.reading.discovery import MigrationFile
from safemig_lint.values import value

_WORD = re.compile(r"[\w$]+")


@value(unsafe_hash=True)
class Named:
    """A table or column the word names; `before`/`after` None: not in the schema then.
    A column's `keys`: the indexes and constraints of its table that hold it, before and after."""

    kind: str  # "table" or "column"
    table: str  # the table's key
    before: Table | Column | None
    after: Table | Column | None
    keys: tuple[tuple[Index | Constraint, ...], tuple[Index | Constraint, ...]] = ((), ())


@value(unsafe_hash=True)
class NameAt:
    start: int  # the word's offsets in the file's text (end exclusive)
    end: int
    word: str
    found: list[Named]


def name_at(history: History, file: MigrationFile, offset: int) -> NameAt | None:
    """The tables and columns named by the word of a statement at `offset` in `file`, before and
    after the file runs (a down file: from the schema its up left); None when nothing is named."""
    parsed = history.parsed[file.path]
    statement = next((s for s in parsed.statements if s.start <= offset <= s.end), None)
    word = _word_at(parsed.text, offset)
    if statement is None or word is None:
        return None
    start, end = word
    name = parsed.text[start:end].lower()
    if name.isdigit():
        return None
    qualifier = _qualifier(parsed.text, start)
    before, after = _states(history, file)
    found = _columns(history, file, statement, name, qualifier, before, after)
    if not found or qualifier is None:
        found += _tables(name, qualifier, before, after)
    return NameAt(start, end, parsed.text[start:end], found) if found else None


def _states(history: History, file: MigrationFile) -> tuple[Database, Database]:
    if file.direction == "up":
        return history.before(file.version), history.after(file.version)
    return history.after(file.version), history.after_down(file.version)


def _word_at(text: str, offset: int) -> tuple[int, int] | None:
    for match in _WORD.finditer(text, max(0, offset - 200), offset + 200):
        if match.start() <= offset <= match.end():
            return match.start(), match.end()
    return None


def _qualifier(text: str, start: int) -> str | None:
    """`auth` for `auth.users`, `users` for `users.email`: the word before a dot right before the name."""
    if start == 0 or text[start - 1] != ".":
        return None
    before = re.search(r"([\w$]+)[\"`]?$", text[max(0, start - 201) : start - 1])
    return before.group(1).lower() if before else None


def _table(db: Database, key: str) -> Table | None:
    return dict.get(db.tables, key)  # as it is: taken with [] or get, a table is copied (TableMap)


def _tables(name: str, qualifier: str | None, before: Database, after: Database) -> list[Named]:
    keys = [*before.tables.named({name}), *(k for k in after.tables.named({name}) if k not in before.tables)]
    if qualifier is not None:
        keys = [key for key in keys if key.lower() == f"{qualifier}.{name}"] or keys
    return [Named("table", key, _table(before, key), _table(after, key)) for key in keys]


def _columns(
    history: History, file: MigrationFile, statement, name: str, qualifier: str | None, before: Database, after: Database
) -> list[Named]:
    """The columns called `name` of the tables the statement is about (or of `qualifier`'s)."""
    if qualifier is not None:
        keys = [*before.tables.named({qualifier}), *after.tables.named({qualifier})]
    else:
        ops = next((s.ops for s in history.file_ops(file).statements if s.start == statement.start), ())
        keys = [table for op in ops if isinstance(table := getattr(op, "table", None), str) and table]
        keys += [op.new for op in ops if isinstance(op, o.RenameTable)]
        words = set(mentions(statement.text))
        keys += [*before.tables.named(words), *after.tables.named(words)]
    found = []
    for key in dict.fromkeys(keys):
        tables = _table(before, key), _table(after, key)
        was, now = (_column(table, name) for table in tables)
        if was is not None or now is not None:
            found.append(Named("column", key, was, now, (_keys_of(tables[0], was), _keys_of(tables[1], now))))
    return found


def _keys_of(table: Table | None, column: Column | None) -> tuple[Index | Constraint, ...]:
    if table is None or column is None:
        return ()
    keys: list[Index | Constraint] = [*table.constraints.values(), *table.indexes.values()]
    return tuple(key for key in keys if column.name in key.columns)


def _column(table: Table | None, name: str) -> Column | None:
    if table is None:
        return None
    return next((column for column in table.columns.values() if column.name.lower() == name), None)
