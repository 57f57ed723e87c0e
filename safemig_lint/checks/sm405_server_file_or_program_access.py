from __future__ import annotations

import re

from sqlglot.tokens import Token, TokenType

from safemig_lint.analysis import bodies
from safemig_lint.analysis.bodies import STRING_TOKENS, Unit
from safemig_lint.analysis.credentials import statement_finding
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.patterns import lazy
from safemig_lint.reading.statements import Statement

# Functions that read or write files on the database server.
_FILE_FUNCTIONS = {
    "PG_READ_FILE",
    "PG_READ_BINARY_FILE",
    "PG_LS_DIR",
    "PG_FILE_WRITE",
    "LO_IMPORT",
    "LO_EXPORT",
    "LOAD_FILE",
}
# Procedural languages that can do anything the server's operating-system user can.
_UNTRUSTED_NAMES = (r"pl\w*u", "plsh", "plr")
_UNTRUSTED_LANGUAGE = lazy(rf"^({'|'.join(_UNTRUSTED_NAMES)})$", re.IGNORECASE)
# The words that start a problem found anywhere in a statement.
_ANYWHERE = _FILE_FUNCTIONS | {"OPENROWSET", "OPENDATASOURCE", "XP_CMDSHELL", "INTO", "LANGUAGE"}
# A word every problem holds: COPY, LOAD DATA, CREATE EXTENSION, INTO OUTFILE or DUMPFILE, and the rest of
# _ANYWHERE. A file without any is not read (reads_words).
_PROBLEM_WORDS = lazy("|".join(["copy", "load", "extension", "outfile", "dumpfile", *(word.lower() for word in _ANYWHERE - {"INTO"})]))
# A statement's own gate, compared whole: the same words but for CREATE EXTENSION and LANGUAGE an untrusted
# language's name instead (every routine has a LANGUAGE, and its body need not be built for it). A name is a
# token's text, the statement's own letters (bodies.may_hold_words), that matches one of _UNTRUSTED_NAMES whole:
# a name or keyword (bodies.whole_words), or a literal or quoted name, which its quote follows.
_PROBLEM_GATE = lazy(
    bodies.whole_words(
        "copy", "load", "outfile", "dumpfile", *(word.lower() for word in _ANYWHERE - {"INTO", "LANGUAGE"}), *_UNTRUSTED_NAMES
    )
)
bodies.code_read_where(_PROBLEM_GATE)
_HELP = (
    "Migrations should change the schema and its data, not touch the server's file system or run "
    "programs there. Load data through the client (psql's \\copy, COPY ... FROM STDIN, LOAD DATA "
    "LOCAL from the deploy job) and keep untrusted languages out of the application's database."
)


class ServerFileOrProgramAccess(Rule):
    code = "SM405"
    name = "server-file-or-program-access"
    severity = Severity.WARNING
    summary = "The migration reads or writes files on the database server, or runs programs there."
    security_severity = 8.8
    reads_words = _PROBLEM_WORDS

    def check_statement(self, statement: Statement, context: FileContext):
        if not bodies.may_hold_words(statement, _PROBLEM_GATE, context.lowered):
            return
        for unit in bodies.code(statement, context.names).units:
            for tokens, message in _problems(unit):
                yield statement_finding(statement, context, context.tokens_span(tokens[0], tokens[-1]), message, _HELP)


def _problems(unit: Unit):
    tokens, words = unit.tokens, unit.words
    for start, end in unit.extents:
        if words[start] == "COPY":
            yield from _copy(tokens, words, start, end)
        elif words[start : start + 2] == ["LOAD", "DATA"]:
            infile = next((i for i in range(start, min(start + 6, len(words))) if words[i] == "INFILE"), None)
            if infile is not None:
                if "LOCAL" in words[start:infile]:
                    message = "LOAD DATA LOCAL INFILE reads a file from the machine running the migration, and lets the server ask for any file there"
                else:
                    message = "LOAD DATA INFILE reads a file on the database server"
                yield tokens[start : infile + 1], message
        elif words[start : start + 2] == ["CREATE", "EXTENSION"]:
            position = start + 2
            while position < len(words) - 1 and words[position] in ("IF", "NOT", "EXISTS"):
                position += 1
            if position < len(tokens) and _UNTRUSTED_LANGUAGE.match(tokens[position].text):
                yield (
                    tokens[start : position + 1],
                    f"extension {tokens[position].text} is an untrusted language: its functions run with the server's operating-system rights",
                )
    for index, upper in enumerate(words):
        if upper not in _ANYWHERE:
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if upper in _FILE_FUNCTIONS and following is not None and following.token_type == TokenType.L_PAREN:
            yield [tokens[index]], f"{tokens[index].text}() accesses files on the database server"
        elif upper in ("OPENROWSET", "OPENDATASOURCE") and following is not None and following.token_type == TokenType.L_PAREN:
            yield [tokens[index]], f"{tokens[index].text} reads files or remote data sources from the database server"
        elif upper == "XP_CMDSHELL":
            yield [tokens[index]], "xp_cmdshell runs an operating-system command on the database server"
        elif upper == "INTO" and following is not None and words[index + 1] in ("OUTFILE", "DUMPFILE"):
            yield [tokens[index], following], f"SELECT ... INTO {words[index + 1]} writes a file on the database server"
        elif upper == "LANGUAGE" and following is not None and _UNTRUSTED_LANGUAGE.match(following.text):
            yield (
                [tokens[index], following],
                f"{following.text} is an untrusted language: code in it runs with the server's operating-system rights",
            )


def _copy(tokens: list[Token], words: list[str], start: int, end: int):
    """COPY t FROM/TO PROGRAM '...' or a server file; STDIN/STDOUT are the client's."""
    depth = 0
    for index in range(start + 1, end):
        kind = tokens[index].token_type
        depth += kind == TokenType.L_PAREN
        depth -= kind == TokenType.R_PAREN
        if depth or words[index] not in ("FROM", "TO") or index + 1 >= end:
            continue
        target = tokens[index + 1]
        if words[index + 1] == "PROGRAM":
            yield tokens[index : index + 2], f"COPY {words[index]} PROGRAM runs a shell command on the database server"
        elif target.token_type in STRING_TOKENS:
            direction = "reads" if words[index] == "FROM" else "writes"
            yield (
                tokens[index : index + 2],
                f"COPY {words[index]} '{target.text}' {direction} a file on the database server, not on the client",
            )
        return
