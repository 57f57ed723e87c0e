from __future__ import annotations

from sqlglot.tokens import Token

from safemig_lint.analysis import bodies
from safemig_lint.analysis.bodies import name, word
from safemig_lint.analysis.credentials import statement_finding
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.patterns import lazy

# Role attributes that amount to (or lead to) superuser power.
_POWERFUL_ATTRIBUTES = {
    "SUPERUSER": "bypasses every permission check",
    "CREATEROLE": "can create roles and grant itself the membership of most others",
    "BYPASSRLS": "ignores every row-level security policy",
    "REPLICATION": "can stream a copy of every row of the database",
}
# Built-in or cloud roles whose membership gives superuser-like power.
_POWERFUL_ROLES = {
    "pg_execute_server_program",
    "pg_read_server_files",
    "pg_write_server_files",
    "rds_superuser",
    "cloudsqlsuperuser",
    "azure_pg_admin",
    "sysadmin",
    "securityadmin",
    "db_owner",
}
# Superusers on common platforms; roles made SUPERUSER earlier in the file count too.
_SUPERUSERS = {"postgres", "rdsadmin", "supabase_admin", "azure_superuser", "cloudsqladmin"}
# Objects that run with their owner's privileges when others use them.
_OWNER_RIGHTS_KINDS = {"FUNCTION", "PROCEDURE", "ROUTINE", "VIEW", "MATERIALIZED", "AGGREGATE"}
# A word every problem below holds: SECURITY DEFINER, a powerful attribute (SUPERUSER also makes a
# superuser of the role), GRANT of a membership, T-SQL's ADD MEMBER, OWNER TO.
_WORDS = ("grant", "member", "owner", *(attribute.lower() for attribute in _POWERFUL_ATTRIBUTES))
_ESCALATION_WORDS = lazy("|".join(["definer", *_WORDS]))  # a file without any is not read (reads_words)
# A statement's own gate: all but DEFINER compared whole (DEFINER is looked for within words: sqlglot reads
# `sql SECURITY DEFINER` as one).
_ESCALATION_GATE = lazy("definer|" + bodies.whole_words(*_WORDS))
bodies.code_read_where(_ESCALATION_GATE)


class PrivilegeEscalation(Rule):
    code = "SM404"
    name = "privilege-escalation"
    severity = Severity.WARNING
    summary = "A role gets superuser-like power, or code runs with more privileges than its caller."
    security_severity = 8.8
    reads_words = _ESCALATION_WORDS

    def check_file(self, context: FileContext):
        superusers = set(_SUPERUSERS)
        for statement in context.parsed.statements:
            if not bodies.may_hold_words(statement, _ESCALATION_GATE, context.lowered):
                continue
            code = bodies.code(statement, context.names)
            routines = {id(r): r for r in [code.routine] + [body.routine for body in code.bodies] if r is not None}
            for routine in routines.values():
                if routine.kind != "DO":
                    problem = _definer_without_search_path(list(routine.header))
                    if problem:
                        yield self._finding(statement, context, problem, _DEFINER_MESSAGE, _DEFINER_HELP)
            for unit in code.units:
                for start, end in unit.extents:
                    if unit.words[start] not in ("CREATE", "ALTER", "GRANT"):
                        continue  # every problem below is in a statement starting with one of these
                    for tokens, message, help in _problems(unit.tokens[start:end], unit.words[start:end], superusers):
                        yield self._finding(statement, context, (tokens[0].start, tokens[-1].end + 1), message, help)
                    # ALTER FUNCTION f() SECURITY DEFINER (DEFINER may be part of a word: `sql SECURITY DEFINER`)
                    if unit.words[start] == "ALTER" and "DEFINER" in " ".join(unit.words[start:end]):
                        problem = _definer_without_search_path(unit.tokens[start:end])
                        if problem:
                            yield self._finding(statement, context, problem, _DEFINER_MESSAGE, _DEFINER_HELP)

    def _finding(self, statement, context: FileContext, where: tuple[int, int], message: str, help: str):
        return statement_finding(statement, context, context.span(*where), message, help)


_DEFINER_MESSAGE = (
    "SECURITY DEFINER without SET search_path: a caller can put their own function or operator "
    "earlier on the search_path and have it run with the owner's privileges"
)
_DEFINER_HELP = (
    "Pin the search_path in the function's definition, e.g. `SET search_path = pg_catalog, pg_temp` "
    "(schema-qualify everything else), or drop SECURITY DEFINER if the caller's privileges suffice."
)


def _definer_without_search_path(tokens: list[Token]) -> tuple[int, int] | None:
    """The SECURITY DEFINER tokens of a PostgreSQL routine header lacking SET search_path."""
    # One word per entry: sqlglot reads `sql SECURITY` as one token (MySQL's SQL SECURITY).
    parts = [(part, token) for token in tokens for part in word(token).split() or [""]]
    words = [part for part, _ in parts]
    for i in range(1, len(words)):
        mysql = i >= 2 and words[i - 2] == "SQL" and (i < 3 or words[i - 3] != "LANGUAGE")
        if words[i - 1 : i + 1] == ["SECURITY", "DEFINER"] and not mysql:
            if any(words[j : j + 2] == ["SET", "SEARCH_PATH"] for j in range(len(words))):
                return None
            security, definer = parts[i - 1][1], parts[i][1]
            return security.start + security.text.upper().rfind("SECURITY"), definer.end + 1
    return None


def _problems(tokens: list[Token], words: list[str], superusers: set[str]):
    """(tokens, message, help) for each escalation in one statement's tokens (and their words)."""
    if words[:1] in (["CREATE"], ["ALTER"]) and len(words) > 2 and words[1] in ("ROLE", "USER", "GROUP"):
        role = name(tokens[2])
        options = words[3 : words.index("SET") if "SET" in words else len(words)]  # not ALTER ROLE x SET param
        for attribute, effect in _POWERFUL_ATTRIBUTES.items():
            if attribute in options:
                if attribute == "SUPERUSER":
                    superusers.add(role)
                at = tokens[3 + options.index(attribute)]
                yield [at], f"role `{role}` is given {attribute}: it {effect}", _ROLE_HELP
    if words[:1] == ["GRANT"] and "ON" not in words and "TO" in words:  # role membership
        for token in tokens[1 : words.index("TO")]:
            if name(token) in _POWERFUL_ROLES or name(token) in superusers:
                yield [token], f"membership in `{name(token)}` gives superuser-like power", _ROLE_HELP
    if words[:1] == ["ALTER"] and "ADD" in words and "MEMBER" in words and len(words) > 2:  # T-SQL
        member = tokens[words.index("ROLE") + 1] if "ROLE" in words[:3] else None
        if member is not None and name(member) in _POWERFUL_ROLES:
            yield [member], f"membership in `{name(member)}` gives superuser-like power", _ROLE_HELP
    if words[:1] == ["ALTER"] and len(words) > 1 and words[1] in _OWNER_RIGHTS_KINDS:
        owner = next((i for i in range(len(words) - 2) if words[i : i + 2] == ["OWNER", "TO"]), None)
        if owner is not None and name(tokens[owner + 2]) in superusers:
            kind = "materialized view" if words[1] == "MATERIALIZED" else words[1].lower()
            yield (
                tokens[owner : owner + 3],
                f"this {kind} is now owned by superuser `{name(tokens[owner + 2])}`: "
                "views and SECURITY DEFINER routines run with their owner's privileges",
                "Own objects by a dedicated role with only the privileges they need, not by a superuser.",
            )


_ROLE_HELP = (
    "Give the application's roles only the privileges they use; create administrative roles "
    "by hand, outside migrations, where their use is reviewed."
)
