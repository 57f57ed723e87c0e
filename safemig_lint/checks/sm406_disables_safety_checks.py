from __future__ import annotations

from dataclasses import replace

from sqlglot.tokens import Token

from safemig_lint.analysis import bodies
from safemig_lint.analysis.bodies import STRING_TOKENS, Unit, name, word
from safemig_lint.analysis.credentials import statement_finding
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Finding, Severity
from safemig_lint.patterns import lazy
from safemig_lint.values import value

_OFF = {"0", "OFF", "FALSE", "NO"}
_ON = {"1", "ON", "TRUE", "YES", "DEFAULT"}
_ACTION_STARTS = {"DISABLE", "ENABLE", "NOCHECK", "CHECK"}  # the first words of the table switches below
# A word every switch holds, compared whole: a table switch's first word (CHECK within NOCHECK), the settings, RESET.
_SETTINGS = ("session_replication_role", "foreign_keys", "foreign_key_checks")
_SWITCH_WORDS = lazy(bodies.whole_words("disable", "enable", "check", *_SETTINGS, "reset"))
bodies.code_read_where(_SWITCH_WORDS)
# A word every switch turned off holds (DISABLE, NOCHECK, session_replication_role, FOREIGN_KEY within
# FOREIGN_KEYS and FOREIGN_KEY_CHECKS): only those are reported, so a file holding none is not read
# (reads_words), whatever it turns on.
_OFF_WORDS = lazy("disable|nocheck|session_replication_role|foreign_key")
_WHAT = {
    "rls": (
        "row-level security is disabled on `{}`: every role that can read the table sees every row",
        "ALTER TABLE {} ENABLE ROW LEVEL SECURITY",
    ),
    "triggers": ("all triggers of `{}` are disabled, foreign-key checks included", "ALTER TABLE {} ENABLE TRIGGER ALL"),
    "constraints": ("the constraints of `{}` are no longer checked", "ALTER TABLE {} WITH CHECK CHECK CONSTRAINT ALL"),
    "replication_role": (
        "session_replication_role = replica turns off triggers and foreign-key checks for the session",
        "SET session_replication_role = DEFAULT",
    ),
    "foreign_key_checks": ("FOREIGN_KEY_CHECKS = 0 turns off foreign-key checks for the session", "SET FOREIGN_KEY_CHECKS = 1"),
    "foreign_keys": ("PRAGMA foreign_keys = OFF turns off foreign-key enforcement on the connection", "PRAGMA foreign_keys = ON"),
}


@value(unsafe_hash=True)
class _Switch:
    kind: str  # a key of _WHAT
    target: str  # the table, or "" for a session setting
    on: bool
    tokens: tuple[Token, ...]


class DisablesSafetyChecks(Rule):
    code = "SM406"
    name = "disables-safety-checks"
    severity = Severity.WARNING
    summary = "A safety check (row-level security, triggers, foreign keys) is switched off and not back on."
    security_severity = 5.5
    reads_words = _OFF_WORDS

    def check_file(self, context: FileContext):
        switches = []
        for statement in context.parsed.statements:
            if not bodies.may_hold_words(statement, _SWITCH_WORDS, context.lowered):
                continue
            for unit in bodies.code(statement, context.names).units:
                switches += [(statement, switch) for switch in _switches(unit)]
        for index, (statement, switch) in enumerate(switches):
            if switch.on:
                continue
            if any(later.on and (later.kind, later.target) == (switch.kind, switch.target) for _, later in switches[index + 1 :]):
                continue
            if switch.kind == "foreign_keys" and context.execution.in_transaction(statement):
                yield _ignored_pragma(statement, switch, context)
                continue
            message, fix = _WHAT[switch.kind]
            yield statement_finding(
                statement,
                context,
                context.tokens_span(switch.tokens[0], switch.tokens[-1]),
                f"{message.format(switch.target)}, and this file does not turn it back on",
                f"Turn it back on before the migration ends (`{fix.format(switch.target or '')}`), or "
                "better, do the work without switching the check off. Left off, it stays off for "
                "the rest of the session or for good.",
            )


def _ignored_pragma(statement, switch: _Switch, context: FileContext) -> Finding:
    """SQLite ignores PRAGMA foreign_keys inside a transaction: it switches nothing off, and the work it was
    meant to shield runs with the connection's setting (SM531 reports the drops that then cascade)."""
    finding = statement_finding(
        statement,
        context,
        context.tokens_span(switch.tokens[0], switch.tokens[-1]),
        f"PRAGMA foreign_keys = OFF does nothing here: golang-migrate's {context.execution.settings.driver} driver runs this "
        "file in a transaction, and SQLite ignores the pragma inside one, so foreign keys stay as the connection has them",
        "Remove it, or run the statements it was meant for in a file that the driver does not wrap in a "
        "transaction (`x-no-tx-wrap=true`), switching foreign keys off before BEGIN and on again after COMMIT.",
    )
    return replace(finding, severity=Severity.INFO)


def _switches(unit: Unit):
    tokens, words = unit.tokens, unit.words
    for start, end in unit.extents:
        if words[start : start + 2] == ["ALTER", "TABLE"]:
            yield from _table_switches(tokens, words, start, end)
        elif words[start] == "SET" and start + 1 < len(tokens):
            yield from _setting(tokens, words, start)
        elif words[start] == "RESET" and start + 1 < len(tokens) and words[start + 1] in ("SESSION_REPLICATION_ROLE", "ALL"):
            yield _Switch("replication_role", "", True, tuple(tokens[start : start + 2]))
        elif words[start] == "PRAGMA" and start + 1 < len(tokens) and words[start + 1] == "FOREIGN_KEYS":
            value = _value(tokens, start + 2)
            if value in _OFF | _ON:
                yield _Switch("foreign_keys", "", value in _ON, tuple(tokens[start : start + 4]))


def _table_switches(unit: list[Token], words: list[str], start: int, end: int):
    position = start + 2
    while position < end and words[position] in ("IF", "EXISTS", "ONLY"):
        position += 1
    if position >= end:
        return
    table = name(unit[position])
    for index in range(position + 1, end):
        if words[index] not in _ACTION_STARTS:
            continue
        action = words[index : min(index + 4, end)]
        if action[:4] == ["DISABLE", "ROW", "LEVEL", "SECURITY"]:
            yield _Switch("rls", table, False, tuple(unit[index : index + 4]))
        elif action[:4] == ["ENABLE", "ROW", "LEVEL", "SECURITY"]:
            yield _Switch("rls", table, True, tuple(unit[index : index + 4]))
        elif action[:3] == ["DISABLE", "TRIGGER", "ALL"]:
            yield _Switch("triggers", table, False, tuple(unit[index : index + 3]))
        elif action[:3] == ["ENABLE", "TRIGGER", "ALL"]:
            yield _Switch("triggers", table, True, tuple(unit[index : index + 3]))
        elif action[:3] == ["NOCHECK", "CONSTRAINT", "ALL"]:  # T-SQL
            yield _Switch("constraints", table, False, tuple(unit[index : index + 3]))
        elif action[:3] == ["CHECK", "CONSTRAINT", "ALL"]:
            yield _Switch("constraints", table, True, tuple(unit[index : index + 3]))


def _setting(unit: list[Token], words: list[str], start: int):
    """SET [SESSION|GLOBAL] [@@]name = value; SET LOCAL ends with the transaction, so it is not kept."""
    position = start + 1
    if words[position] == "LOCAL":
        return
    while (
        position < len(words)
        and words[position] in ("SESSION", "GLOBAL", "@@", ".")
        or (position < len(unit) and unit[position].text == "@@")
    ):
        position += 1
    if position >= len(words):
        return
    setting = words[position]
    value = _value(unit, position + 1)
    kind = {"SESSION_REPLICATION_ROLE": "replication_role", "FOREIGN_KEY_CHECKS": "foreign_key_checks"}.get(setting)
    if kind == "replication_role" and value:
        yield _Switch(kind, "", value != "REPLICA", tuple(unit[start : position + 3]))
    elif kind == "foreign_key_checks" and value in _OFF | _ON:
        yield _Switch(kind, "", value in _ON, tuple(unit[start : position + 3]))


def _value(unit: list[Token], index: int) -> str:
    """The upper-cased value after `=` or TO at `index`."""
    if index < len(unit) and (unit[index].text == "=" or word(unit[index]) == "TO"):
        index += 1
    if index >= len(unit):
        return ""
    token = unit[index]
    return token.text.upper() if token.token_type in STRING_TOKENS else word(token)
