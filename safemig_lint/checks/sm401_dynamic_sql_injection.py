from __future__ import annotations

import functools
import re
from functools import cached_property
from typing import TYPE_CHECKING

from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import Token, TokenType

from safemig_lint.analysis import bodies
from safemig_lint.analysis.bodies import Routine, Unit, name, word
from safemig_lint.analysis.credentials import redacted, secrets_within
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Finding, Severity
from safemig_lint.operations.model import Database, bare_name
from safemig_lint.operations.types import resolve
from safemig_lint.patterns import lazy

if TYPE_CHECKING:
    from safemig_lint.analysis.dataflow import Scope, Source, Value

# What to do instead, per kind of sink; {name} is the spliced value.
_ADVICE = {
    "EXECUTE": (
        "quote it with format('%I', {name}) or quote_ident({name}) if it is a name, or pass it with EXECUTE ... USING if it is a value"
    ),
    "PREPARE": (
        "pass it with EXECUTE ... USING if it is a value, or quote it with CONCAT('`', REPLACE({name}, '`', '``'), '`') if it is a name"
    ),
    "EXEC": ("quote it with QUOTENAME({name}) if it is a name, or pass it as a parameter of sp_executesql if it is a value"),
}


_SINK_WORDS = frozenset({"PREPARE", "EXECUTE", "EXEC"})  # the first word of every sink _sink finds
_SINK_TEXT = lazy("|".join(sorted(word.lower() for word in _SINK_WORDS)))
# A sink's first word in a statement's text, compared whole. EXECUTE written before FUNCTION, PROCEDURE or IMMEDIATE
# and a blank or `(` (CREATE TRIGGER ... EXECUTE FUNCTION f()) is left out, as _sink reads no sink there: the tokens
# are EXECUTE and that word (a blank or `(` ends a word; a blank between two words is skipped), or one longer token.
_SINK_GATE = lazy(bodies.whole_words("exec", r"execute(?!\s+(?:function|procedure|immediate)[\s(])", "prepare"))


class DynamicSqlInjection(Rule):
    code = "SM401"
    name = "dynamic-sql-injection"
    severity = Severity.ERROR
    summary = "SQL text built by splicing in a variable or parameter, then executed, can be injected into."
    security_severity = 9.1
    reads_words = _SINK_TEXT

    def check_file(self, context: FileContext):
        statements = context.parsed.statements
        if not any(bodies.may_hold_words(statement, _SINK_GATE, context.lowered) for statement in statements):
            return  # no sink word in any statement's code: the code need not be built
        # The others read no sink and set no session variable a later sink reads: nothing flows through them.
        flow = _flow_words(context.dialect)
        codes = [
            bodies.code(statement, context.names) for statement in statements if bodies.may_hold_words(statement, flow, context.lowered)
        ]
        if not any(_has_sink(code.units) for code in codes):
            return  # nothing is executed as SQL: no data flow to follow
        from safemig_lint.analysis.dataflow import Scope, collect_assignments  # only then: most files have no sink

        session: dict[str, list[Value]] = {}  # MySQL @variables set by earlier statements of the file
        reported: set[tuple[int, int]] = set()
        schema = _Schema(context)
        for code in codes:
            top = Scope(context.dialect, plpgsql=False, params=_params(code.routine), session=session, column_type=schema.column_type)
            collect_assignments(top, code.own_units)
            yield from self._sinks(top, code.own_units, code.routine, context, reported)
            if code.routine is None:
                for key, evaluations in top.assignments.items():
                    if key.startswith("@"):
                        session.setdefault(key, []).extend(evaluate() for evaluate in evaluations)
            top.close()
            for body in code.bodies:
                if body.routine is None or not body.tokens or not _has_sink(body.units):
                    continue  # a constant string run by EXECUTE (nothing is spliced into it), or nothing run at all
                scope = Scope(
                    context.dialect,
                    body.is_plpgsql,
                    params=_params(body.routine),
                    session=session,
                    column_type=schema.column_type,
                    records=schema.trigger_rows(body.routine),
                )
                collect_assignments(scope, body.units)
                yield from self._sinks(scope, body.units, body.routine, context, reported)
                scope.close()

    def _sinks(self, scope: Scope, units: list[Unit], routine: Routine | None, context: FileContext, reported):
        from safemig_lint.analysis.dataflow import Expressions

        definer = routine is not None and _is_security_definer(routine)
        for unit in units:
            if _SINK_WORDS.isdisjoint(unit.words):
                continue
            for index, upper in enumerate(unit.words):
                if upper not in _SINK_WORDS:
                    continue
                sink, start = _sink(unit.tokens, index, scope)
                if sink is None:
                    continue
                token = unit.tokens[index]
                value, _ = Expressions(unit.tokens, scope).expression(start)
                line = context.tokens_span(token, token).line
                for source in sorted(value.spliced, key=lambda s: s.start):
                    if (source.start, source.end) not in reported:
                        reported.add((source.start, source.end))
                        yield self._finding(context, source, sink, line)
                if definer:
                    for source in sorted(value.raw, key=lambda s: s.start):
                        if source.origin == "a parameter" and (source.start, source.end) not in reported:
                            reported.add((source.start, source.end))
                            yield self._definer_finding(context, source)

    def _finding(self, context: FileContext, source: Source, sink: str, line: int) -> Finding:
        span = context.span(source.start, source.end)
        where = f" on line {line}" if line != span.line else ""
        return _located(
            context,
            source,
            f"{source.describe()} is spliced unquoted into SQL that {sink} runs{where}; " + _ADVICE[sink].format(name=source.name),
            "A quote or semicolon in a spliced value changes the statement the migration runs, with "
            "the migration's privileges. Build dynamic SQL from constants and quoted values only; "
            "object names read from the catalog or from a table need quoting too, since other users "
            "can create objects with any name.",
        )

    def _definer_finding(self, context: FileContext, source: Source) -> Finding:
        return _located(
            context,
            source,
            f"{source.describe()} is run as SQL by EXECUTE in a SECURITY DEFINER function: "
            "any caller can run any statement with the owner's privileges",
            "Do not execute SQL passed in by the caller; take the names or values it needs as "
            "parameters and build the statement with format('%I', ...) and EXECUTE ... USING.",
        )


class _Schema:
    """Column types and triggers from the replayed schema, as of this file's version (and after
    every migration, for a trigger created later): what a row's fields can hold."""

    def __init__(self, context: FileContext) -> None:
        self.context = context
        self._known: dict[int, str | None] = {}  # column identity -> its last known type

    @cached_property
    def _states(self) -> list[Database]:
        history, version = self.context.history, self.context.file.version
        if history is None:
            return []
        before, after = history.before(version), history.after(version)
        # The first where the model knows the table: a statement it could not follow (dynamic
        # DDL) makes a table unknown from then on, though it rarely changes a column's type.
        return [before, after, history.at()] if self.context.is_down else [after, before, history.at()]

    def column_type(self, table: str, column: str) -> str | None:
        """The type word of `table.column` (table as written or as a model key), or None when unknown."""
        key = self.context.names.text(table)
        for db in self._states:
            found = db.tables.get(key) or db.tables.get(table)
            if found is None or found.unknown and column not in found.columns:
                continue
            column_def = found.columns.get(column)
            if column_def is None:
                return None
            if column_def.type is None and column_def.unknown:
                return self._last_known_type(found.name, column, column_def.cid)
            if column_def.type is None:
                return None
            return resolve(column_def.type, db.types).base
        return None

    def _last_known_type(self, table: str, column: str, cid: int) -> str | None:
        """The type the same column (its identity, across renames) had before a statement the model could not
        follow touched its table: such statements (dynamic DDL in a DO block) rarely change a column's type."""
        if cid not in self._known:
            self._known[cid] = self._find_last_known_type(table, cid)
        return self._known[cid]

    def _find_last_known_type(self, table: str, cid: int) -> str | None:
        history, version = self.context.history, self.context.file.version
        if history is None:
            return None
        for earlier in sorted((m.version for m in history.directory.migrations if m.version <= version), reverse=True):
            db = history.before(earlier)
            found = db.tables.get(table)
            if found is None:
                return None
            known = next((c for c in found.columns.values() if c.cid == cid), None)
            if known is None:
                return None
            if known.type is not None:
                return resolve(known.type, db.types).base
        return None

    def trigger_rows(self, routine: Routine | None) -> dict[str, tuple[str, ...]]:
        """NEW and OLD of a trigger function: rows of the tables whose triggers execute it."""
        function = _routine_name(routine) if routine is not None and routine.kind == "FUNCTION" else ""
        for db in self._states:
            tables = tuple(
                sorted({r.table for r in db.routines.values() if r.kind == "trigger" and r.table and bare_name(r.function) == function})
            )
            if function and tables:
                return {"new": tables, "old": tables}
        return {}


def _routine_name(routine: Routine) -> str:
    """The routine's own name (no schema), from its header: CREATE [OR REPLACE] FUNCTION name(...)."""
    words = [word(t) for t in routine.header]
    at = next((i for i, w in enumerate(words) if w in ("FUNCTION", "PROCEDURE")), None)
    if at is None or at + 1 >= len(routine.header):
        return ""
    at += 1
    while at + 2 < len(routine.header) and routine.header[at + 1].token_type == TokenType.DOT:
        at += 2
    return name(routine.header[at])


@functools.cache
def _flow_words(dialect: str) -> re.Pattern[str]:
    """What the text of a statement taking part in the data flow holds: a sink word, or the mark of a
    session variable (`@x`: whatever the dialect's tokenizer reads as a parameter, `@` in those we know)."""
    tokenizer = Dialect.get_or_raise(dialect).tokenizer_class
    marks = [text for text, kind in {**tokenizer.SINGLE_TOKENS, **tokenizer.KEYWORDS}.items() if kind == TokenType.PARAMETER]
    return re.compile("|".join([_SINK_GATE.pattern, *(re.escape(mark.lower()) for mark in marks)]))


bodies.code_read_where(_flow_words)


def _has_sink(units: list[Unit]) -> bool:
    return any(not _SINK_WORDS.isdisjoint(unit.words) for unit in units)


def _sink(unit: list[Token], index: int, scope: Scope) -> tuple[str | None, int]:
    """Whether unit[index] starts running dynamic SQL: its kind and where the SQL expression starts."""
    upper = word(unit[index])
    following = unit[index + 1] if index + 1 < len(unit) else None
    if following is None:
        return None, index
    if upper == "PREPARE" and index + 3 < len(unit) and word(unit[index + 2]) == "FROM":
        return "PREPARE", index + 3
    if upper not in ("EXECUTE", "EXEC") or word(following) in ("PROCEDURE", "FUNCTION", "IMMEDIATE"):
        return None, index
    after_name = index + 1
    while after_name + 2 < len(unit) and unit[after_name + 1].token_type == TokenType.DOT:  # sys.sp_executesql
        after_name += 2
    if word(unit[after_name]) == "SP_EXECUTESQL":
        return "EXEC", after_name + 1
    if scope.plpgsql:
        return "EXECUTE", index + 1
    if following.token_type == TokenType.L_PAREN:
        return "EXEC", index + 1
    return None, index


def _params(routine: Routine | None) -> dict:
    return {param.name: param for param in routine.params} if routine is not None else {}


def _is_security_definer(routine: Routine) -> bool:
    words = [word(t) for t in routine.header]
    return any(a == "SECURITY" and b == "DEFINER" for a, b in zip(words, words[1:]))


def _located(context: FileContext, source: Source, message: str, help: str) -> Finding:
    """A finding at `source`; its snippet (for fingerprints) is the code around it: its line, or
    80 characters each side, with any secret of its statement masked."""
    text = context.parsed.text
    start = max(text.rfind("\n", 0, source.start) + 1, source.start - 80)
    end = text.find("\n", source.end)
    end = min(end if end >= 0 else len(text), source.end + 80)
    statement = next((s for s in context.parsed.statements if s.start <= source.start < s.end), None)
    secrets = secrets_within(context.parsed, statement) if statement is not None else []
    return Finding(context.span(source.start, source.end), message, help, redacted(text[start:end], start, secrets))
