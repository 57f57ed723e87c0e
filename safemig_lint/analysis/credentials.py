"""Find credentials written into a migration, so that SM402 reports them and no report shows them.

A secret is reported by where it is, never by what it is: a finding about a statement holding
one gets a redacted snippet and the secret's span in `Finding.redact`, which reporters mask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot.tokens import Token, TokenType

from safemig_lint.analysis import bodies
from safemig_lint.analysis.bodies import (
    STRING_TOKENS,
    closing,
    inside_quotes,
    name,
    statement_starts,
    word,
)
from safemig_lint.diagnostics import Finding, Span
from safemig_lint.reading.statements import Statement


@dataclass(frozen=True)
class Secret:
    start: int  # file offsets of the secret itself, end exclusive
    end: int
    what: str  # what it is, safe to show: "password of role `app`", "AWS access key ID" ...
    around: tuple[int, int]  # the literal or text holding it: where a finding points


# Option keys (user mappings, servers) whose value is a secret.
_SECRET_OPTION = re.compile(
    r"^(password|passwd|pwd|secret|secret_?key|\w*_secret|api_?key|\w*secret_access_key|auth_?token|access_?token)$", re.IGNORECASE
)
_CONNECTION_PASSWORD = re.compile(r"""\b(?:password|passwd|pwd)\s*=\s*(?:'(?P<q1>[^']*)'|"(?P<q2>[^"]*)"|(?P<bare>[^\s;'"&]+))""", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s:/@'\"]+:(?P<secret>[^\s@'\"/]+)@", re.IGNORECASE)
_WELL_KNOWN = [
    ("AWS access key ID", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b")),
    ("private key", re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----(?:.*?-----END (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----)?", re.DOTALL)),
    ("bearer token", re.compile(r"\bBearer\s+(?P<secret>[A-Za-z0-9\-._~+/]{20,}=*)")),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("Slack webhook URL", re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/]{20,}")),
    ("Stripe live key", re.compile(r"\b[rs]k_live_[0-9A-Za-z]{20,}\b")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z\-_]{35}\b")),
]
# Values that stand for a secret rather than being one: filled in by a template, the shell, psql
# or a driver, documentation examples, or masked.
_PLACEHOLDER = re.compile(
    r"^[*x•.]+$|^\{\{.*\}\}$|^\$\{.*\}$|^\$[A-Za-z_]\w*$|^\$\d+$|^%(\(\w+\))?s$|^<[^<>]*>$|^\?$|^:['\"]?\w+['\"]?$|EXAMPLE",
    re.IGNORECASE | re.DOTALL,
)
_ACCOUNT_KINDS = {"ROLE", "USER", "LOGIN", "GROUP"}
_BEFORE_PASSWORD = {"BY", "AS", "WITH", "PASSWORD", "ENCRYPTED", "UNENCRYPTED"}


def is_placeholder(value: str) -> bool:
    return not value.strip() or bool(_PLACEHOLDER.search(value))


@bodies.per_statement
def statement_secrets(statement: Statement, context) -> list[Secret]:
    """Credentials in a statement: account passwords, secret options, connection strings and
    well-known secret formats in its literals, and well-known formats anywhere in its bodies."""
    code = bodies.code(statement, context)
    text = context.parsed.text
    found: list[Secret | None] = []
    body_regions = {(body.start, body.end) for body in code.bodies}
    for unit in code.units():
        found += _account_passwords(unit, context) + _option_secrets(unit, context)
        for token in unit:
            if token.token_type in STRING_TOKENS and inside_quotes(token, text) not in body_regions:
                found += text_secrets(token.start, token.end + 1, context)
    for start, end in body_regions:  # comments inside bodies too
        found += text_secrets(start, end, context, well_known_only=True)
    unique = {(s.start, s.end): s for s in reversed(found) if s is not None}
    return sorted(unique.values(), key=lambda s: s.start)


def text_secrets(start: int, end: int, context, well_known_only: bool = False) -> list[Secret | None]:
    """Passwords in connection strings and URLs, and well-known secret formats, in text[start:end]."""
    text = context.parsed.text
    found = []
    patterns = list(_WELL_KNOWN)
    if not well_known_only:
        patterns += [("password in a connection URL", _URL_PASSWORD)]
        for match in _CONNECTION_PASSWORD.finditer(text, start, end):
            group = next(g for g in ("q1", "q2", "bare") if match.group(g) is not None)
            found.append(_secret(match.start(group), match.end(group), "password in a connection string", match.span(), context))
    for what, regex in patterns:
        for match in regex.finditer(text, start, end):
            group = "secret" if "secret" in regex.groupindex else 0
            found.append(_secret(match.start(group), match.end(group), what, match.span(), context))
    return found


def _secret(start: int, end: int, what: str, around: tuple[int, int], context) -> Secret | None:
    if is_placeholder(context.parsed.text[start:end]):
        return None
    if any(p.start < end and start < p.end for p in context.parsed.placeholders):  # '{{ .Password }}'
        return None
    return Secret(start, end, what, around)


def _literal_secret(token: Token, what: str, context, previous: Token | None) -> Secret | None:
    if previous is not None and previous.token_type == TokenType.COLON:  # psql's :'password'
        return None
    start, end = inside_quotes(token, context.parsed.text)
    return _secret(start, end, what, (token.start, token.end + 1), context)


def _account_passwords(unit: list[Token], context) -> list[Secret | None]:
    """PASSWORD '...', IDENTIFIED BY '...', SECRET = '...' in statements about accounts and keys."""
    words = [word(t) for t in unit]
    pairs = set(zip(words, words[1:]))
    account = _account(unit, words)
    set_password = next((i for i in statement_starts(unit) if words[i : i + 2] == ["SET", "PASSWORD"]), None)
    if set_password is not None:  # MySQL: SET PASSWORD [FOR user] = 'x' | PASSWORD('x')
        literal = max((i for i, t in enumerate(unit) if t.token_type in STRING_TOKENS), default=None)
        if literal is None or literal < set_password:
            return []
        return [_literal_secret(unit[literal], "password", context, unit[literal - 1])]
    if account is None and ("BY", "PASSWORD") not in pairs and "GRANT" not in words and "CREDENTIAL" not in words:
        return []
    what = f"password of {account}" if account else "password"
    found = []
    for index, upper in enumerate(words):
        if upper in ("PASSWORD", "IDENTIFIED", "SECRET"):
            literal = _literal_after(unit, index + 1)
            if literal is not None:
                found.append(_literal_secret(unit[literal], what, context, unit[literal - 1]))
    return found


def _account(unit: list[Token], words: list[str]) -> str | None:
    """`role app` for CREATE/ALTER ROLE|USER|LOGIN|GROUP app (a USER MAPPING is not an account)."""
    for index in range(len(words) - 2):
        if words[index] in ("CREATE", "ALTER") and words[index + 1] in _ACCOUNT_KINDS and words[index + 2] != "MAPPING":
            position = index + 2
            while position + 1 < len(unit) and words[position] in ("IF", "NOT", "EXISTS"):
                position += 1
            account = unit[position]
            shown = account.text if account.token_type in STRING_TOKENS else name(account)
            return f"{words[index + 1].lower()} `{shown}`"
    return None


def _literal_after(unit: list[Token], index: int) -> int | None:
    """The literal a password keyword introduces: PASSWORD 'x', = 'x', BY 'x', WITH plugin BY 'x'."""
    for position in range(index, min(index + 5, len(unit))):
        token = unit[position]
        if token.token_type in STRING_TOKENS:
            return position
        after_with = position > index and word(unit[position - 1]) == "WITH"  # IDENTIFIED WITH plugin
        if not (token.token_type in (TokenType.EQ, TokenType.L_PAREN) or word(token) in _BEFORE_PASSWORD or after_with):
            return None
    return None


def _option_secrets(unit: list[Token], context) -> list[Secret | None]:
    """OPTIONS (user 'app', password '...') of user mappings, servers and foreign tables."""
    found = []
    for index, token in enumerate(unit[:-1]):
        if word(token) != "OPTIONS" or unit[index + 1].token_type != TokenType.L_PAREN:
            continue
        end = closing(unit, index + 1)
        for position in range(index + 2, end - 1):
            key, value = unit[position], unit[position + 1]
            if value.token_type in STRING_TOKENS and key.token_type not in STRING_TOKENS and _SECRET_OPTION.match(key.text):
                found.append(_literal_secret(value, f"`{key.text}` option", context, key))
    return found


def redacted(text: str, offset: int, secrets: list[Secret]) -> str:
    """`text` (found at `offset` in the file) with its secrets replaced by ***, whitespace normalised."""
    for secret in sorted(secrets, key=lambda s: s.start, reverse=True):
        start, end = secret.start - offset, secret.end - offset
        if 0 <= start <= end <= len(text):
            text = text[:start] + "***" + text[end:]
    return " ".join(text.split())


def comment_secrets(context) -> list[Secret]:
    return [
        secret
        for comment in context.parsed.comments
        for secret in text_secrets(comment.start, comment.end, context)
        if secret is not None
    ]


def masked_source(context) -> str:
    """The file's text with every secret in it replaced by `*` (same length, so positions hold).

    Reporters show source lines from this, whichever rules ran, so no secret is ever printed.
    """
    text = context.parsed.text
    secrets = [s for statement in context.parsed.statements for s in statement_secrets(statement, context)]
    for secret in secrets + comment_secrets(context):
        masked = "".join(c if c in "\r\n" else "*" for c in text[secret.start : secret.end])
        text = text[: secret.start] + masked + text[secret.end :]
    return text


def statement_finding(statement: Statement, context, span: Span, message: str, help: str) -> Finding:
    """A finding about `statement` whose snippet (for fingerprints) never holds a secret in it."""
    secrets = statement_secrets(statement, context)
    return Finding(span, message, help, redacted(statement.text, statement.start, secrets))
