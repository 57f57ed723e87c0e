from safemig_lint.analysis import bodies
from safemig_lint.analysis.credentials import statement_finding
from safemig_lint.checks.base import FileContext, Rule
from safemig_lint.diagnostics import Severity
from safemig_lint.patterns import lazy
from safemig_lint.reading.statements import Statement

_GRANT = lazy("grant")  # GRANT, and ALTER DEFAULT PRIVILEGES ... GRANT: a file without it is not read (reads_words)
_GRANT_WORD = lazy(bodies.whole_words("grant"))  # a statement's own gate: the word compared whole
bodies.code_read_where(_GRANT_WORD)


class OverbroadGrant(Rule):
    code = "SM403"
    name = "overbroad-grant"
    severity = Severity.WARNING
    summary = "GRANT ALL, a grant to PUBLIC or WITH GRANT OPTION gives away more than the application needs."
    security_severity = 7.1
    reads_words = _GRANT

    def check_statement(self, statement: Statement, context: FileContext):
        if not bodies.may_hold_words(statement, _GRANT_WORD, context.lowered):
            return  # every problem is in a GRANT
        for unit in bodies.code(statement, context.names).units:
            for start, end in unit.extents:
                words = unit.words[start:end]
                grant = _grant(words)
                if grant is None:
                    continue
                problems = _problems(words, grant)
                if problems:
                    default = "default privileges, so for every object created from now on: " if grant > 0 else ""
                    yield statement_finding(
                        statement,
                        context,
                        context.tokens_span(unit.tokens[start + grant], unit.tokens[end - 1]),
                        default + "; ".join(problems),
                        "Grant each role only the privileges it uses (e.g. SELECT, INSERT, UPDATE, DELETE "
                        "on the tables it works with) to named roles, and let only owners and admins "
                        "grant further. Revoking from PUBLIC is fine.",
                    )


def _grant(words: list[str]) -> int | None:
    """The index of GRANT for a GRANT statement or ALTER DEFAULT PRIVILEGES ... GRANT (`words` of its tokens)."""
    if words[:1] == ["GRANT"]:
        return 0
    if words[:3] == ["ALTER", "DEFAULT", "PRIVILEGES"]:
        for index in range(3, len(words)):
            if words[index] in ("GRANT", "REVOKE"):
                return index if words[index] == "GRANT" else None
    return None


def _problems(words: list[str], grant: int) -> list[str]:
    words = words[grant:]
    to = next((i for i, w in enumerate(words) if w == "TO"), len(words))
    on = next((i for i, w in enumerate(words[:to]) if w == "ON"), to)
    grantees = words[to + 1 :]
    problems = []
    if "ALL" in words[1:on] and on < to:
        problems.append("GRANT ALL gives every privilege on the object (TRUNCATE, REFERENCES, TRIGGER too), not only those used")
    if "PUBLIC" in grantees:
        problems.append("granting to PUBLIC gives the privileges to every role, including roles created later")
    if any(grantees[i : i + 3] == ["WITH", "GRANT", "OPTION"] for i in range(len(grantees))):
        problems.append("WITH GRANT OPTION lets the grantee pass the privileges on to any role")
    return problems
