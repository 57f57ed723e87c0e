"""What the schema resolver (analysis/schema/resolve.py) says the database rejects, for the rules
that report it (SM610-SM614): each reads the verdicts of one kind on the statement it checks.

On SQLite the verdicts are checked against SQLite itself (analysis/schema/sqlite_run.py): one
stands only when SQLite rejects the statement for the same reason, and is told in its words.
"""

from __future__ import annotations

from collections.abc import Iterator

from safemig_lint.analysis.schema.effects import Cascaded, Rejected
from safemig_lint.checks.base import FileContext
from safemig_lint.diagnostics import Finding
from safemig_lint.reading.statements import Statement

DATABASES = {"postgres": "PostgreSQL", "mysql": "MySQL", "sqlite": "SQLite"}

# Why the model is sure a name is missing (chronicle.Chronicle.absent), for messages.
_WHY_MISSING = {
    "removed earlier": "an earlier statement dropped or renamed it",
    "gone with what it belonged to": "an earlier statement took it away with what it belonged to",
    "created only later": "it is created only later",
    "never created": "no migration creates it",
}

# How SQLite words each kind of rejection.
_SQLITE_WORDS = {
    "missing": ("no such ", "has no column named"),
    "exists": ("already exists", "duplicate column name", "there is already another table or index", "more than one primary key"),
    "insert": ("values were supplied", "values for", "all VALUES must"),
    "dependents": ("error in view", "error in trigger", "error in index"),
}


def rejections(context: FileContext, statement: Statement, problem: str) -> Iterator[Rejected]:
    if context.history is None or statement.error is not None:
        return
    found = [e for e in context.history.effects_of(context.file, statement) if isinstance(e, Rejected) and e.problem == problem]
    if not found:
        return
    if context.dialect == "sqlite":
        verdicts = context.history.sqlite_verdicts(context.file)
        said = verdicts.get(statement.start) if verdicts is not None else None
        if said is None or not any(word in said for word in _SQLITE_WORDS.get(problem, ())):
            return  # SQLite accepts it (or rejects it for another reason): the model was wrong
        if (
            problem == "missing" or problem == "exists" and "there is already" not in said and "primary key" not in said
        ):  # those name no name
            found = [e for e in found if e.subject.lower() in said.lower()]
        found = found[:1]
        for effect in found:
            yield Rejected(effect.problem, said, effect.detail, effect.subject, at=effect.at)
        return
    yield from found


def cascades(context: FileContext, statement: Statement) -> Iterator[Cascaded]:
    if context.history is None:
        return
    for effect in context.history.effects_of(context.file, statement):
        if isinstance(effect, Cascaded) and effect.taken:
            yield effect


def rejection_finding(context: FileContext, statement: Statement, effect: Rejected, help: str) -> Finding:
    database = DATABASES.get(context.dialect, "the database")
    detail = _WHY_MISSING.get(effect.detail, effect.detail)
    message = f"{database} rejects this statement: {effect.message}" + (f" ({detail})" if detail else "")
    return context.finding(statement, message, help, effect.at)
