"""What a string in SQL or PL/pgSQL code is made of: constants and quoted values, or untrusted
values (parameters, variables, rows read by a query) spliced into it unquoted.

SM401 uses this to follow a string from where it is built to where it is executed. It reads
tokens (see bodies.py), one routine, DO block or top-level statement at a time, and is
flow-insensitive within one: a variable's value is everything ever assigned to it there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlglot.tokens import Token, TokenType

from safemig_lint.analysis.bodies import (
    STRING_TOKENS,
    Param,
    Unit,
    closing,
    first_word,
    name,
    split_commas,
    word,
)
from safemig_lint.values import value


@value(unsafe_hash=True)
class Source:
    """An untrusted value, where it is spliced into SQL text."""

    start: int  # file offsets of the operand, end exclusive
    end: int
    name: str  # as written: t, r.relname, @tbl
    origin: str = ""  # "a parameter", "read by a query" ...

    def describe(self) -> str:
        return f"`{self.name}` ({self.origin})" if self.origin else f"`{self.name}`"


@value(unsafe_hash=True)
class Value:
    raw: frozenset[Source] = frozenset()  # untrusted values it is, as they are
    spliced: frozenset[Source] = frozenset()  # untrusted values concatenated or format()ted into it


CLEAN = Value()


def union(values: Iterable[Value]) -> Value:
    values = list(values)
    return Value(frozenset().union(*(v.raw for v in values)), frozenset().union(*(v.spliced for v in values)))


def splice(values: Iterable[Value]) -> Value:
    """The string made by concatenating `values`: every untrusted part is now spliced into it."""
    values = list(values)
    return Value(frozenset(), frozenset().union(*(v.raw | v.spliced for v in values)))


# Types whose text cannot carry SQL (numbers, booleans, dates, uuids, regclass prints quoted names).
_SAFE_TYPES = frozenset(
    """INT INTEGER BIGINT SMALLINT TINYINT MEDIUMINT INT2 INT4 INT8 SERIAL BIGSERIAL SMALLSERIAL
    NUMERIC DECIMAL DEC REAL FLOAT FLOAT4 FLOAT8 DOUBLE MONEY BOOLEAN BOOL BIT OID REGCLASS REGPROC
    REGTYPE DATE TIME TIMESTAMP TIMESTAMPTZ DATETIME DATETIME2 INTERVAL UUID UNIQUEIDENTIFIER YEAR""".split()
)
# Functions whose result is quoted for SQL, or cannot carry SQL whatever their arguments.
_QUOTING_FUNCTIONS = frozenset({"quote_ident", "quote_literal", "quote_nullable", "quotename", "quote"})
_CLEAN_FUNCTIONS = frozenset(
    """length char_length character_length octet_length bit_length count sum avg abs round floor ceil
    ceiling sign mod power sqrt random nextval currval setval lastval extract date_part now
    current_date current_timestamp clock_timestamp statement_timestamp localtimestamp to_char
    to_number age md5 sha1 sha2 crc32 uuid gen_random_uuid uuid_generate_v4 pg_backend_pid
    txid_current version database schema current_schema current_database current_user session_user
    user db_name schema_name object_id row_count found_rows last_insert_id unix_timestamp
    to_regclass to_regproc to_regtype pg_relation_size pg_total_relation_size pg_table_size
    pg_indexes_size array_length cardinality position strpos instr locate""".split()
)
# Aggregates that join many values into one string: each untrusted value is spliced.
_JOINING_FUNCTIONS = frozenset({"string_agg", "group_concat", "array_to_string", "listagg", "array_agg"})
# information_schema columns holding character set and collation names, which the server defines
# (users cannot create them with SQL); the usual source of a CONVERT TO CHARACTER SET ... value.
_SERVER_DEFINED_COLUMNS = frozenset(
    {"character_set_name", "collation_name", "table_collation", "default_character_set_name", "default_collation_name"}
)
_NILADIC = frozenset(
    {
        "CURRENT_USER",
        "SESSION_USER",
        "CURRENT_SCHEMA",
        "CURRENT_DATE",
        "CURRENT_TIME",
        "CURRENT_TIMESTAMP",
        "LOCALTIME",
        "LOCALTIMESTAMP",
        "CURRENT_ROLE",
        "CURRENT_CATALOG",
        "USER",
        "NULL",
        "TRUE",
        "FALSE",
        "DEFAULT",
        "FOUND",
        "SQLSTATE",
        "SQLERRM",
    }
)
_BOOLEAN_OPERATORS = frozenset(
    {
        TokenType.EQ,
        TokenType.NEQ,
        TokenType.LT,
        TokenType.GT,
        TokenType.LTE,
        TokenType.GTE,
        TokenType.NULLSAFE_EQ,
        TokenType.AND,
        TokenType.OR,
        TokenType.LIKE,
        TokenType.ILIKE,
        TokenType.RLIKE,
        TokenType.IS,
        TokenType.IN,
        TokenType.BETWEEN,
        TokenType.GLOB,
        TokenType.SIMILAR_TO,
    }
)
_ARITHMETIC = frozenset({TokenType.DASH, TokenType.STAR, TokenType.SLASH, TokenType.MOD, TokenType.CARET})
_JSON_OPERATORS = frozenset({TokenType.ARROW, TokenType.DARROW, TokenType.HASH_ARROW, TokenType.DHASH_ARROW})
_MAX_DEPTH = 60  # nested expressions and variables followed into their assignments
# Words that end an expression when an operand is expected (malformed or unusual input).
_NOT_OPERANDS = frozenset(
    """FROM INTO USING WHERE GROUP ORDER HAVING LIMIT LOOP THEN ELSE END WHEN AS ON UNION EXCEPT
    INTERSECT JOIN RETURNING VALUES BEGIN DECLARE SET SELECT WITH""".split()
)


@dataclass
class Scope:
    """The names visible in one routine, DO block or statement, and what was assigned to them."""

    dialect: str
    plpgsql: bool
    params: dict[str, Param] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)  # declared variable -> type word
    assignments: dict[str, list[Callable[[], Value]]] = field(default_factory=dict)
    session: dict[str, list[Value]] = field(default_factory=dict)  # @variables set earlier in the file
    # The type word of a table's column in the schema model, None when unknown: `record.field`
    # of a row read from a table (or a trigger's NEW / OLD) has its column's type.
    column_type: Callable[[str, str], str | None] | None = None
    records: dict[str, tuple[str, ...]] = field(default_factory=dict)  # record variable -> the tables its row comes from
    depth: int = 0  # expressions being evaluated, one inside another
    _resolving: set[str] = field(default_factory=set)
    _assigned: dict[str, list[Value]] = field(default_factory=dict)  # memo of assigned values

    def assign(self, key: str, evaluate: Callable[[], Value]) -> None:
        self.assignments.setdefault(key, []).append(evaluate)
        self._assigned.clear()

    def close(self) -> None:
        """Once its sinks are read: drop the assignments, closures that refer back to the scope (a
        cycle only the garbage collector would free, with every token it holds)."""
        self.assignments.clear()
        self._assigned.clear()

    def variable(self, key: str, token: Token, last: Token, shown: str, query: bool) -> Value:
        """The value of the name `key`, used at token..last and written there as `shown`."""
        at = (token.start, last.end + 1)
        if key in self._resolving:  # v := v || 'x': the cycle adds nothing new
            return CLEAN
        param = self.params.get(key)
        if self.types.get(key, param.type if param else None) in _SAFE_TYPES:
            return CLEAN
        values = list(self._values_of(key))
        if param is not None:
            return union([_raw(at, shown, "a parameter"), *values])
        if key.startswith("@"):
            values += self.session.get(key, [])
            if not values:
                return _raw(at, shown, "set outside this file")
        if not values:
            column = query and key not in self.types
            if column and key.rsplit(".", 1)[-1] in _SERVER_DEFINED_COLUMNS:
                return CLEAN
            return _raw(at, shown, "read by a query" if column else "")
        value = union(values)
        if not value.raw:
            return value
        if len(value.raw) == 1 and next(iter(value.raw)).origin == "read by a query":
            origin = "read by a query"
        else:
            origin = "set from " + ", ".join(sorted(source.describe() for source in value.raw)[:2])
        return Value(frozenset({Source(*at, shown, origin)}), value.spliced)

    def field_is_safe(self, record: str, column: str) -> bool:
        """Is `record.column` a column whose type cannot carry SQL, in every table the row may come from?"""
        tables = self.records.get(record)
        if not tables or self.column_type is None:
            return False
        return all(self.column_type(table, column) in _SAFE_TYPES for table in tables)

    def _values_of(self, key: str) -> list[Value]:
        if key not in self._assigned:
            self._resolving.add(key)
            try:
                self._assigned[key] = [evaluate() for evaluate in self.assignments.get(key, ())]
            finally:
                self._resolving.discard(key)
        return self._assigned[key]


def _raw(at: tuple[int, int], shown: str, origin: str) -> Value:
    return Value(frozenset({Source(at[0], at[1], shown, origin)}))


class Expressions:
    """Evaluates expressions in one list of tokens (a statement inside a body)."""

    def __init__(self, tokens: list[Token], scope: Scope, query: bool = False) -> None:
        self.tokens = tokens
        self.scope = scope
        self.query = query  # unknown names are columns of the rows a query reads

    def _at(self, index: int) -> Token | None:
        return self.tokens[index] if 0 <= index < len(self.tokens) else None

    def _type_at(self, index: int) -> TokenType | None:
        token = self._at(index)
        return token.token_type if token is not None else None

    def expression(self, index: int) -> tuple[Value, int]:
        """The value of the expression starting at `index`, and the index just past it."""
        if self.scope.depth >= _MAX_DEPTH:  # absurdly nested code: give up on it rather than overflow
            return CLEAN, len(self.tokens)
        self.scope.depth += 1
        try:
            return self._expression(index)
        finally:
            self.scope.depth -= 1

    def _expression(self, index: int) -> tuple[Value, int]:
        value, index = self._operand(index)
        parts = [value]
        concatenating = boolean = False
        while (token := self._at(index)) is not None:
            kind = token.token_type
            if (kind == TokenType.DPIPE and self.scope.dialect != "mysql") or (kind == TokenType.PLUS and self.scope.dialect == "tsql"):
                concatenating = True
                value, index = self._operand(index + 1)
                parts.append(value)
            elif kind in _ARITHMETIC or kind == TokenType.PLUS:
                _, index = self._operand(index + 1)
                parts[-1] = CLEAN  # a number
            elif kind == TokenType.DCOLON:
                cast_to = first_word(self._at(index + 1) or token)
                index = self._skip_type(index + 1)
                if cast_to in _SAFE_TYPES:
                    parts[-1] = CLEAN
            elif kind in _JSON_OPERATORS:
                value, index = self._operand(index + 1)
                parts[-1] = union([parts[-1], value])
            elif word(token) == "COLLATE":
                index = self._skip_name(index + 1)
            elif kind == TokenType.L_BRACKET:
                index = self._closing_bracket(index) + 1
            elif kind in _BOOLEAN_OPERATORS or kind in (TokenType.NOT, TokenType.DPIPE):  # MySQL: || is OR
                boolean = True
                index = self._boolean_operand(index)
            else:
                break
        if boolean:
            return CLEAN, index
        return (splice(parts) if concatenating else union(parts)), index

    def _boolean_operand(self, index: int) -> int:
        """Past a comparison's operator and right side (the result is a boolean)."""
        kind = self.tokens[index].token_type
        if kind == TokenType.NOT:
            return index + 1
        if kind == TokenType.IN and self._type_at(index + 1) == TokenType.L_PAREN:
            return closing(self.tokens, index + 1) + 1
        index += 1
        if kind == TokenType.IS:  # IS [NOT] [DISTINCT FROM] x, IS NULL ...
            while word(self._at(index) or self.tokens[-1]) in ("NOT", "DISTINCT", "FROM") and index < len(self.tokens):
                index += 1
        return self._operand(index)[1]

    def _operand(self, index: int) -> tuple[Value, int]:
        token = self._at(index)
        if token is None:
            return CLEAN, index
        kind, upper = token.token_type, word(token)
        if kind in STRING_TOKENS or kind == TokenType.NUMBER:
            while self._type_at(index + 1) in STRING_TOKENS:  # 'a' 'b' continues one literal
                index += 1
            return CLEAN, index + 1
        if kind == TokenType.L_PAREN:
            return self._parenthesised(index)
        if kind in (TokenType.DASH, TokenType.PLUS, TokenType.NOT) or upper == "EXISTS":
            _, index = self._operand(index + 1)
            return CLEAN, index
        if kind == TokenType.PARAMETER:
            return self._parameter(index)
        if kind in (TokenType.SESSION_PARAMETER, TokenType.DAT):  # @@system_variable
            return CLEAN, self._skip_name(index + 1)
        if kind == TokenType.COLON:  # a psql variable, :'name' or :name, filled in by the client
            return CLEAN, index + 2
        if kind == TokenType.STAR:
            return CLEAN, index + 1
        if upper == "CASE":
            return self._case(index)
        if upper == "ARRAY" and self._type_at(index + 1) == TokenType.L_BRACKET:
            end = self._closing_bracket(index + 1)
            return union(self._arguments(index + 1, end)), end + 1
        if upper in _NILADIC and self._type_at(index + 1) != TokenType.L_PAREN:
            return CLEAN, index + 1
        if upper in _NOT_OPERANDS or kind in (TokenType.COMMA, TokenType.R_PAREN, TokenType.SEMICOLON):
            return CLEAN, index
        return self._name_or_call(index)

    def _parenthesised(self, index: int) -> tuple[Value, int]:
        end = closing(self.tokens, index)
        if word(self._at(index + 1) or self.tokens[index]) in ("SELECT", "WITH"):
            return union(select_items(self.tokens[index + 1 : end], self.scope)), end + 1
        return union(self._arguments(index, end)), end + 1

    def _parameter(self, index: int) -> tuple[Value, int]:
        token, following = self.tokens[index], self._at(index + 1)
        if following is None:
            return CLEAN, index + 1
        if token.text == "$" and following.token_type == TokenType.NUMBER:
            return self.scope.variable(f"${following.text}", token, following, f"${following.text}", False), index + 2
        key = "@" + following.text.lower()
        return self.scope.variable(key, token, following, "@" + following.text, False), index + 2

    def _name_or_call(self, index: int) -> tuple[Value, int]:
        end = self._skip_name(index)
        if end == index:
            return CLEAN, index + 1
        parts = [t for t in self.tokens[index:end] if t.token_type != TokenType.DOT]
        if self._type_at(end) == TokenType.L_PAREN:
            return self._call(name(parts[-1]), end)
        shown = ".".join(t.text for t in parts)
        if len(parts) == 2 and self.scope.field_is_safe(name(parts[0]), name(parts[1])):
            return CLEAN, end
        key = name(parts[0])
        known = key in self.scope.params or key in self.scope.types or key in self.scope.assignments
        if len(parts) > 1 and not known:
            key = ".".join(name(t) for t in parts)
        if len(parts) == 1 and word(parts[0]) in _NILADIC:
            return CLEAN, end
        return self.scope.variable(key, parts[0], self.tokens[end - 1], shown, self.query), end

    def _skip_name(self, index: int) -> int:
        """Past a possibly qualified name: a, a.b, "A".b ..."""
        if self._at(index) is None or self._type_at(index) in (
            TokenType.L_PAREN,
            TokenType.R_PAREN,
            TokenType.COMMA,
            TokenType.SEMICOLON,
            TokenType.DOT,
        ):
            return index
        index += 1
        while self._type_at(index) == TokenType.DOT and self._at(index + 1) is not None:
            index += 2
        return index

    def _call(self, function: str, open_index: int) -> tuple[Value, int]:
        end = closing(self.tokens, open_index)
        after = end + 1
        if self._type_at(after) == TokenType.FILTER or word(self._at(after) or self.tokens[end]) == "OVER":
            after = closing(self.tokens, after + 1) + 1 if self._type_at(after + 1) == TokenType.L_PAREN else after + 2
        if function in _QUOTING_FUNCTIONS or function in _CLEAN_FUNCTIONS:
            return CLEAN, after
        arguments = self._arguments(open_index, end)
        if function == "format" and self.scope.dialect != "mysql":
            return self._format(open_index, arguments), after
        if function in ("concat", "concat_ws") or function in _JOINING_FUNCTIONS:
            return splice(arguments), after
        if function == "replace" and self._escapes_quotes(open_index, end):
            return CLEAN, after
        if function in ("cast", "convert", "try_cast") and self._casts_to_safe_type(open_index, end):
            return CLEAN, after
        return union(arguments), after

    def _arguments(self, open_index: int, end: int) -> list[Value]:
        """Values of the comma-separated expressions between the brackets at open_index and end."""
        values, index = [], open_index + 1
        while index < end:
            if word(self.tokens[index]) in ("DISTINCT", "ALL", "VARIADIC"):
                index += 1
            value, following = self.expression(index)
            values.append(value)
            index = max(following, index + 1)
            while index < end and self.tokens[index].token_type != TokenType.COMMA:  # ORDER BY, AS type ...
                index = closing(self.tokens, index) + 1 if self.tokens[index].token_type == TokenType.L_PAREN else index + 1
            index += 1
        return values

    def _format(self, open_index: int, arguments: list[Value]) -> Value:
        """format('... %I ... %L ... %s', a, b, c): only %s splices its argument unquoted."""
        template = self._at(open_index + 1)
        if template is None or template.token_type not in STRING_TOKENS or not arguments:
            return splice(arguments)
        spliced, position = [], 1
        for conversion, explicit in _format_conversions(template.text):
            position = explicit or position
            if conversion == "s" and position < len(arguments):
                spliced.append(arguments[position])
            position += 1
        return splice(spliced)

    def _escapes_quotes(self, open_index: int, end: int) -> bool:
        """replace(x, '''', '''''') and the like double a quote character: a hand-made quoting."""
        literals = [t.text for t in self.tokens[open_index + 1 : end] if t.token_type in STRING_TOKENS]
        return len(literals) >= 2 and literals[-2] in ("'", '"', "`", "]") and literals[-1] == literals[-2] * 2

    def _casts_to_safe_type(self, open_index: int, end: int) -> bool:
        inner = self.tokens[open_index + 1 : end]
        alias = next((i for i, t in enumerate(inner) if t.token_type == TokenType.ALIAS), None)
        if alias is not None and alias + 1 < len(inner):
            return first_word(inner[alias + 1]) in _SAFE_TYPES
        return bool(inner) and first_word(inner[0]) in _SAFE_TYPES  # CONVERT(int, x)

    def _case(self, index: int) -> tuple[Value, int]:
        """CASE ... WHEN c THEN a ELSE b END: the value is one of the results."""
        results: list[Value] = []
        depth = 0
        index += 1
        while (token := self._at(index)) is not None:
            upper = word(token)
            if upper == "CASE":
                depth += 1
            elif upper == "END":
                if depth == 0:
                    return union(results), index + 1
                depth -= 1
            elif upper in ("THEN", "ELSE") and depth == 0:
                value, following = self.expression(index + 1)
                results.append(value)
                index = max(following, index + 1)
                continue
            index += 1
        return union(results), index

    def _closing_bracket(self, index: int) -> int:
        depth = 0
        for position in range(index, len(self.tokens)):
            kind = self.tokens[position].token_type
            depth += kind == TokenType.L_BRACKET
            depth -= kind == TokenType.R_BRACKET
            if depth == 0:
                return position
        return len(self.tokens) - 1

    def _skip_type(self, index: int) -> int:
        """Past a type name after `::`, with its (precision) and [] if any."""
        index += 1
        while self._type_at(index) in (TokenType.L_PAREN, TokenType.L_BRACKET):
            index = (closing(self.tokens, index) if self._type_at(index) == TokenType.L_PAREN else self._closing_bracket(index)) + 1
        return index


def _format_conversions(template: str) -> list[tuple[str, int | None]]:
    """The conversions of a format() template, each with its explicit argument position (%2$s)."""
    found, index = [], 0
    while (index := template.find("%", index)) >= 0:
        index += 1
        if template[index : index + 1] == "%":
            index += 1
            continue
        start = index
        while index < len(template) and (template[index].isdigit() or template[index] in "$-*"):
            index += 1
        spec = template[start:index]
        explicit = int(spec.split("$")[0]) if "$" in spec and spec.split("$")[0].isdigit() else None
        if index < len(template):
            found.append((template[index], explicit))
        index += 1
    return found


def select_items(tokens: list[Token], scope: Scope) -> list[Value]:
    """The values a SELECT (its tokens from SELECT on) produces, one per item of its list."""
    if not tokens:
        return []
    if word(tokens[0]) == "WITH":  # the values come from the final SELECT
        tokens = _final_select(tokens)
    index = 1 if tokens and word(tokens[0]) == "SELECT" else 0
    expressions = Expressions(tokens, scope, query=True)
    values = []
    while index < len(tokens):
        if word(tokens[index]) in ("DISTINCT", "ALL"):
            index += 1
            if index < len(tokens) and word(tokens[index]) == "ON" and index + 1 < len(tokens):
                index = closing(tokens, index + 1) + 1
        value, following = expressions.expression(index)
        values.append(value)
        index = max(following, index + 1)
        while (
            index < len(tokens)
            and tokens[index].token_type == TokenType.ALIAS
            or (index < len(tokens) and tokens[index].token_type in (TokenType.VAR, TokenType.IDENTIFIER))
        ):
            index += 1  # AS alias
        if index >= len(tokens) or tokens[index].token_type != TokenType.COMMA:
            break
        index += 1
    return values


def _final_select(tokens: list[Token]) -> list[Token]:
    depth = 0
    last = 0
    for index, token in enumerate(tokens):
        depth += token.token_type == TokenType.L_PAREN
        depth -= token.token_type == TokenType.R_PAREN
        if depth == 0 and word(token) == "SELECT":
            last = index
    return tokens[last:]


# -- what is assigned to variables -------------------------------------------------------

_BLOCK_STARTS = frozenset({"BEGIN", "THEN", "ELSE", "LOOP", "DECLARE", "EXCEPTION"})
_NOT_SELECT_INTO = frozenset({"INSERT", "REPLACE", "MERGE"})
# collect_assignments acts on a token only when it is one of these words or followed by one of these signs.
_ASSIGNING_WORDS = frozenset({"DECLARE", "SET", "SELECT", "FOR", "FOREACH", "INTO"})
_ASSIGNING_SIGNS = frozenset({TokenType.COLON_EQ, TokenType.EQ})


def collect_assignments(scope: Scope, units: list[Unit]) -> None:
    """Record in `scope` every assignment in `units` (the statements of one routine or block)."""
    in_declare = False  # PL/pgSQL: between DECLARE and BEGIN every statement declares a variable
    open_bracket, close_bracket = TokenType.L_PAREN, TokenType.R_PAREN
    for unit in units:
        tokens, words = unit.tokens, unit.words
        start = 0
        if in_declare:
            begin = _find(words, "BEGIN", 0)
            _declarations(scope, tokens[:begin])
            if begin is None:
                continue
            in_declare, start = False, begin
        consumed: set[int] = set()  # INTO clauses already read as part of their SELECT
        depth = 0
        skip_to = start
        for index in range(start, len(tokens)):
            kind = tokens[index].token_type
            depth += kind == open_bracket
            depth -= kind == close_bracket
            if depth > 0 or index < skip_to:
                continue
            upper = words[index]
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if upper not in _ASSIGNING_WORDS and (following is None or following.token_type not in _ASSIGNING_SIGNS):
                continue  # none of the cases below
            if upper == "DECLARE":
                begin = _find(words, "BEGIN", index + 1)
                _declarations(scope, tokens[index + 1 : begin])
                if scope.plpgsql:
                    in_declare = begin is None
                    skip_to = len(tokens) if begin is None else begin
            elif following is not None and following.token_type == TokenType.COLON_EQ:
                _assign_name(scope, tokens, index, index + 2)
            elif (
                scope.plpgsql
                and following is not None
                and following.token_type == TokenType.EQ
                and (index == start or words[index - 1] in _BLOCK_STARTS)
            ):
                _assign_name(scope, tokens, index, index + 2)
            elif upper == "SET" and (
                index == start or words[index - 1] in _BLOCK_STARTS or _type(tokens, index + 1) == TokenType.PARAMETER
            ):  # SET v = ... starting a statement, or SET @v = ... (T-SQL needs no `;`); not UPDATE ... SET
                _set_variables(scope, tokens, index + 1)
            elif upper == "SELECT":
                _select_into(scope, tokens, index, consumed)
            elif upper == "FOR" and following is not None:
                _for_loop(scope, tokens, index)
            elif upper == "FOREACH" and following is not None:
                array = _find(words, "ARRAY", index)
                if array is not None:
                    scope.assign(name(following), _later(scope, tokens, array + 1))
            elif upper == "INTO" and index not in consumed and index > 0 and words[index - 1] not in _NOT_SELECT_INTO:
                for key, target in _targets(tokens, index + 1):
                    scope.assign(key, _read_by_query(target))


def _find(words: list[str], wanted: str, start: int) -> int | None:
    """The index of the first `wanted` in words[start:], or None."""
    try:
        return words.index(wanted, start)
    except ValueError:
        return None


def _type(unit: list[Token], index: int) -> TokenType | None:
    return unit[index].token_type if index < len(unit) else None


def _read_by_query(target: Token) -> Callable[[], Value]:
    """The value a query puts INTO the variable at `target`: whatever the table holds."""
    return lambda: _raw((target.start, target.end + 1), target.text, "read by a query")


def _later(scope: Scope, tokens: list[Token], index: int) -> Callable[[], Value]:
    """Evaluate the expression at `index` when the variable is read (after all are collected)."""
    return lambda: Expressions(tokens, scope).expression(index)[0]


def _assign_name(scope: Scope, unit: list[Token], name_index: int, value_index: int) -> None:
    token = unit[name_index]
    key = name(token)
    if name_index > 0 and unit[name_index - 1].token_type == TokenType.PARAMETER:
        key = "@" + key
    scope.assign(key, _later(scope, unit, value_index))


def _set_variables(scope: Scope, unit: list[Token], index: int) -> None:
    """SET @a = x, b := y (MySQL, T-SQL): each target gets its expression."""
    if index < len(unit) and word(unit[index]) in ("SESSION", "GLOBAL", "LOCAL", "PERSIST"):
        index += 1
    while index + 1 < len(unit):
        target = index
        if unit[index].token_type == TokenType.PARAMETER:
            target = index + 1
        if target + 1 >= len(unit) or unit[target + 1].token_type not in (TokenType.EQ, TokenType.COLON_EQ):
            return
        _assign_name(scope, unit, target, target + 2)
        _, index = Expressions(unit, scope).expression(target + 2)
        if index >= len(unit) or unit[index].token_type != TokenType.COMMA:
            return
        index += 1


def _select_into(scope: Scope, unit: list[Token], index: int, consumed: set[int]) -> None:
    """SELECT a, b INTO x, y ... (PL/pgSQL, MySQL), and T-SQL's SELECT @x = a."""
    if index + 3 < len(unit) and unit[index + 1].token_type == TokenType.PARAMETER and unit[index + 3].token_type == TokenType.EQ:
        _set_variables(scope, unit, index + 1)
        return
    depth = 0
    into = None
    for position in range(index + 1, len(unit)):
        kind = unit[position].token_type
        depth += kind == TokenType.L_PAREN
        depth -= kind == TokenType.R_PAREN
        if depth == 0 and word(unit[position]) == "INTO":
            into = position
            break
        if depth == 0 and word(unit[position]) in ("SELECT", "UNION", "INSERT", "UPDATE", "DELETE"):
            return
    if into is None:
        return
    consumed.add(into)
    targets = _targets(unit, into + 1)
    items = unit[index:into] if into > index + 1 else unit[index:]

    def item(position: int) -> Callable[[], Value]:
        def evaluate() -> Value:
            values = select_items(items, scope)
            if len(values) == len(targets):
                return values[position]
            return union(values)

        return evaluate

    for position, (key, _) in enumerate(targets):
        scope.assign(key, item(position))


def _targets(unit: list[Token], index: int) -> list[tuple[str, Token]]:
    """The variables after INTO (x, y or @x, @y; STRICT skipped): their keys and tokens."""
    if index < len(unit) and word(unit[index]) == "STRICT":
        index += 1
    targets = []
    while index < len(unit):
        prefix = ""
        if unit[index].token_type == TokenType.PARAMETER:
            prefix = "@"
            index += 1
        if index >= len(unit) or unit[index].token_type not in (TokenType.VAR, TokenType.IDENTIFIER):
            break
        targets.append((prefix + name(unit[index]), unit[index]))
        index += 1
        if index >= len(unit) or unit[index].token_type != TokenType.COMMA:
            break
        index += 1
    return targets


def _for_loop(scope: Scope, unit: list[Token], index: int) -> None:
    """FOR x IN 1..n / IN SELECT ... / IN EXECUTE ... LOOP (PL/pgSQL)."""
    if index + 2 >= len(unit) or unit[index + 2].token_type != TokenType.IN:
        return
    target, source = unit[index + 1], index + 3
    loop = next((i for i in range(source, len(unit)) if word(unit[i]) == "LOOP"), len(unit))
    head = unit[source:loop]
    if not head:
        return
    first = word(head[0])
    if first in ("SELECT", "WITH") or head[0].token_type == TokenType.L_PAREN:
        query = head[1 : closing(head, 0)] if head[0].token_type == TokenType.L_PAREN else head
        scope.assign(name(target), lambda: union(select_items(query, scope)))
        table = _plain_columns_of_one_table(query)
        if table is not None:
            scope.records[name(target)] = (table,)
    elif first == "EXECUTE":
        at = (target.start, target.end + 1)
        scope.assign(name(target), lambda: _raw(at, target.text, "read by a dynamic query"))
    else:  # an integer range: FOR i IN 1..10, REVERSE n..1
        scope.types.setdefault(name(target), "INT")


_COLUMN_WORD = re.compile(r"[A-Za-z_][\w$]*|\*")


def _plain_columns_of_one_table(query: list[Token]) -> str | None:
    """The table of `SELECT a, b | * FROM table [WHERE ...]`, whose row fields are that table's columns;
    None for anything else (expressions, joins, subqueries), whose fields may have other types."""
    words = [word(t) for t in query]
    if not words or words[0] != "SELECT" or "FROM" not in words:
        return None
    start = words.index("FROM")
    items = split_commas(query[1:start])
    if not items or any(len(item) != 1 or not _COLUMN_WORD.fullmatch(item[0].text) for item in items):
        return None
    end = start + 2
    while end + 1 < len(query) and query[end].token_type == TokenType.DOT:
        end += 2
    rest = words[end:]
    if end > len(query) or any(t.token_type in (TokenType.L_PAREN, TokenType.COMMA) for t in query[start:end]):
        return None
    if rest and rest[0] not in ("WHERE", "ORDER", "LIMIT", "FOR"):
        return None  # a join, an alias, a set operation
    return "".join(t.text for t in query[start + 1 : end])


def _declarations(scope: Scope, tokens: list[Token]) -> None:
    """`name [CONSTANT] type [:= | = | DEFAULT expr]`, comma-separated in T-SQL and MySQL."""
    for piece in split_commas(tokens):
        at = 1 if piece[0].token_type == TokenType.PARAMETER and len(piece) > 1 else 0
        key = ("@" if at else "") + name(piece[at])
        at += 1
        if at < len(piece) and word(piece[at]) == "CONSTANT":
            at += 1
        if at >= len(piece) or word(piece[at]) in ("CURSOR", "CONDITION", "HANDLER", "CONTINUE", "EXIT"):
            continue
        if word(piece[at]) == "ALIAS" and at + 2 < len(piece):  # name ALIAS FOR $1
            scope.assign(key, _later(scope, piece, at + 2))
            continue
        scope.types[key] = first_word(piece[at])
        assignment = next(
            (i for i in range(at, len(piece)) if piece[i].token_type in (TokenType.COLON_EQ, TokenType.EQ) or word(piece[i]) == "DEFAULT"),
            None,
        )
        if assignment is not None:
            scope.assign(key, _later(scope, piece, assignment + 1))
