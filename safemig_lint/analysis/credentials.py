"""Find credentials written into a migration, so that SM402 reports them and no report shows them.

A secret is reported by where it is, never by what it is. analysis/masking.py masks every one
found here before anything else reads the file, so later stages only ever see `****`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from sqlglot.tokens import Token, TokenType

from safemig_lint.analysis import bodies
from safemig_lint.analysis.bodies import (
    STRING_TOKENS,
    Unit,
    inside_quotes,
    name,
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
    reported: bool = True  # False: masked to be safe (`SET api_token = '...'`), but not an SM402 finding


# Option keys (user mappings, servers) whose value is a secret.
_SECRET_OPTION = re.compile(
    r"^(password|passwd|pwd|secret|secret_?key|\w*_secret|api_?key|\w*secret_access_key|auth_?token|access_?token)$", re.IGNORECASE
)
_CONNECTION_PASSWORD = re.compile(
    r"""\b\w*?(?:password|passwd|pwd)\s*=\s*(?:'(?P<q1>[^']*)'|"(?P<q2>[^"]*)"|(?P<bare>[^\s;'"&]+))""", re.IGNORECASE
)
# scheme://user:password@host. Found from each `://` (see url_passwords), not by a regex
# that tries every word as a scheme and rescans from each.
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_URL_USER_END = re.compile(r"[\s:/@'\"]")
_URL_SECRET_END = re.compile(r"[\s@'\"/]")
_WELL_KNOWN = [
    ("AWS access key ID", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b")),
    ("bearer token", re.compile(r"\bBearer\s+(?P<secret>[A-Za-z0-9\-._~+/]{20,}=*)")),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("Slack webhook URL", re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/]{20,}")),
    ("Stripe live key", re.compile(r"\b[rs]k_live_[0-9A-Za-z]{20,}\b")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z\-_]{35}\b")),
    # Programs run by COPY ... PROGRAM, or scripts quoted in comments: curl -u user:pass, --password=x.
    ("password in a command's -u user:password", re.compile(r"(?<!\S)(?:-u|--user)(?:=|\s+)[^\s:'\"]+:(?P<secret>[^\s'\"]+)")),
    ("password in a command's --password option", re.compile(r"(?<!\S)--password(?:=|\s+)(?P<secret>[^\s'\"]+)")),
]
# A statement written out in a comment (`-- CREATE ROLE app PASSWORD 'x';`) still holds the password.
_COMMENTED_PASSWORD = re.compile(r"\b(?:PASSWORD|IDENTIFIED\s+BY|SECRET)\s*(?:=\s*)?'(?P<secret>[^'\n]*)'", re.IGNORECASE)
# `key = 'value'` with a key that names a secret: SOURCE_PASSWORD (MySQL replication), api_token ...
_SECRET_KEY = re.compile(r"^(?:\w*(?:password|passwd|pwd|secret|token|api_?key|private_?key)\w*|(?:\w+_)?pw)$", re.IGNORECASE)
# A variable given a literal in code (`pw text := '...'`) is reported when its name says password.
_PASSWORD_VARIABLE = re.compile(r"^(?:\w*(?:password|passwd|pwd|secret)\w*|(?:\w+_)?pw)$", re.IGNORECASE)
_UNTERMINATED_AFTER = re.compile(r"^(?:\w*(?:PASSWORD|PASSWD|PWD|SECRET|TOKEN)\w*|IDENTIFIED|BY|=)$", re.IGNORECASE)
# Values that stand for a secret rather than being one: filled in by a template, the shell, psql
# or a driver, documentation examples, or masked.
_PLACEHOLDER = re.compile(
    r"^[*x•.]+$|^\{\{.*\}\}$|^\$\{.*\}$|^\$[A-Za-z_]\w*$|^\$\d+$|^%(\(\w+\))?s$|^<[^<>]*>$|^\?$|^:['\"]?\w+['\"]?$|EXAMPLE",
    re.IGNORECASE | re.DOTALL,
)
_ACCOUNT_KINDS = {"ROLE", "USER", "LOGIN", "GROUP"}
_PASSWORD_WORDS = frozenset({"PASSWORD", "IDENTIFIED", "SECRET"})  # every account password follows one
_BEFORE_PASSWORD = {"BY", "AS", "WITH", "PASSWORD", "ENCRYPTED", "UNENCRYPTED"}


_KEY_BEGIN = re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----")
_KEY_END = re.compile(r"-----END (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----")


def url_passwords(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, int, int]]:
    """(url start, url end, password start, password end) of each `scheme://user:password@` in
    text[start:end]. Linear: the scheme is walked back from its `://`, user and password
    forward, and none of these walks can cross another `://`."""
    end = len(text) if end is None else end
    found = []
    position = text.find("://", start, end)
    while position >= 0:
        scheme = position
        while scheme > start and text[scheme - 1] in _SCHEME_CHARS:
            scheme -= 1
        # The scheme starts at a letter on a word boundary (the first one, as a leftmost match would).
        scheme = next(
            (
                i
                for i in range(scheme, position)
                if text[i].isascii() and text[i].isalpha() and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_"))
            ),
            -1,
        )
        user_end = _URL_USER_END.search(text, position + 3, end)
        if scheme >= 0 and user_end and user_end.start() > position + 3 and text[user_end.start()] == ":":
            secret_end = _URL_SECRET_END.search(text, user_end.start() + 1, end)
            if secret_end and secret_end.start() > user_end.start() + 1 and text[secret_end.start()] == "@":
                found.append((scheme, secret_end.start() + 1, user_end.start() + 1, secret_end.start()))
        position = text.find("://", position + 3, end)
    return found


def private_keys(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """PEM private keys: from BEGIN to the first END after it (or the BEGIN line alone). The END
    is looked for once per position, not from every BEGIN to the end of the text."""
    end = len(text) if end is None else end
    found, next_end = [], None
    resume = start
    while begin := _KEY_BEGIN.search(text, resume, end):
        if next_end is None or (next_end is not False and next_end.start() < begin.end()):
            next_end = _KEY_END.search(text, begin.end(), end) or False
        stop = next_end.end() if next_end else begin.end()
        found.append((begin.start(), stop))
        resume = stop
    return found


def is_placeholder(value: str) -> bool:
    return not value.strip() or bool(_PLACEHOLDER.search(value))


def statement_secrets(statement: Statement, context) -> list[Secret]:
    """Credentials in a statement: account passwords, secret options, connection strings and
    well-known secret formats in its literals, and well-known formats anywhere in its bodies.
    Read once per statement, by masking.py."""
    code = bodies.code(statement, context)
    text = context.parsed.text
    found: list[Secret | None] = []
    body_regions = {(body.start, body.end) for body in code.bodies}
    for unit in code.units:
        found += _account_passwords(unit, context) + _option_secrets(unit, context) + _keyed_secrets(unit, context)
        for token in unit.tokens:
            kind = token.token_type
            if kind in STRING_TOKENS and (not body_regions or inside_quotes(token, text) not in body_regions):
                found += text_secrets(token.start, token.end + 1, context)
            elif kind == TokenType.IDENTIFIER:  # DROP TABLE "postgres://admin:pw@h/db"
                found += text_secrets(token.start, token.end + 1, context)
    for start, end in body_regions:  # comments inside bodies too
        found += text_secrets(start, end, context, well_known_only=True)
    found += _unterminated_secrets(statement, context)
    unique = {(s.start, s.end): s for s in reversed(found) if s is not None}
    return sorted(unique.values(), key=lambda s: s.start)


def text_secrets(start: int, end: int, context, well_known_only: bool = False) -> list[Secret | None]:
    """Passwords in connection strings and URLs, and well-known secret formats, in text[start:end]."""
    text = context.parsed.text
    found = [
        _secret(key_start, key_end, "private key", (key_start, key_end), context) for key_start, key_end in private_keys(text, start, end)
    ]
    if not well_known_only:
        for url_start, url_end, secret_start, secret_end in url_passwords(text, start, end):
            found.append(_secret(secret_start, secret_end, "password in a connection URL", (url_start, url_end), context))
        for match in _CONNECTION_PASSWORD.finditer(text, start, end):
            group = next(g for g in ("q1", "q2", "bare") if match.group(g) is not None)
            found.append(_secret(match.start(group), match.end(group), "password in a connection string", match.span(), context))
    for what, regex in _WELL_KNOWN:
        for match in regex.finditer(text, start, end):
            group = "secret" if "secret" in regex.groupindex else 0
            found.append(_secret(match.start(group), match.end(group), what, match.span(), context))
    return found


def _secret(start: int, end: int, what: str, around: tuple[int, int], context, reported: bool = True) -> Secret | None:
    if is_placeholder(context.parsed.text[start:end]):
        return None
    placeholders = context.parsed.placeholders  # in file order, none overlapping
    last = bisect.bisect_left(placeholders, end, key=lambda p: p.start) - 1
    if last >= 0 and placeholders[last].end > start:
        # '{{ .Prefix }}hunter2': written partly by the template; masked whole, not reported.
        return Secret(start, end, what, around, reported=False)
    return Secret(start, end, what, around, reported)


def _keyed_secrets(unit: Unit, context) -> list[Secret | None]:
    """`KEY = 'value'`, `name [type] := 'value'`, `name type DEFAULT 'value'` where the name says
    secret. Reported in MySQL's CHANGE REPLICATION SOURCE (or MASTER) TO ... SOURCE_PASSWORD =
    '...' and for a password variable in code, in any dialect (a DO block read as MySQL too);
    otherwise (`SET api_token = '...'`, a column DEFAULT) only masked."""
    found = []
    tokens = unit.tokens
    replication = bool(tokens) and unit.words[0] == "CHANGE"
    for index in range(1, len(tokens) - 1):
        sign, value = tokens[index], tokens[index + 1]
        if value.token_type not in STRING_TOKENS:
            continue
        assignment = sign.token_type == TokenType.COLON_EQ or unit.words[index] == "DEFAULT"
        if not assignment and sign.token_type != TokenType.EQ:
            continue
        # `pw text := ...`: the name may come before a type.
        for key in tokens[max(0, index - 2) : index] if assignment else tokens[index - 1 : index]:
            if key.token_type not in STRING_TOKENS and _SECRET_KEY.match(key.text):
                variable = sign.token_type == TokenType.COLON_EQ and bool(_PASSWORD_VARIABLE.match(key.text))
                found.append(_literal_secret(value, f"`{key.text}` value", context, sign, reported=replication or variable))
                break
    return found


def _unterminated_secrets(statement: Statement, context) -> list[Secret | None]:
    """A literal that never closes runs to the end of the file: after PASSWORD (or the like) all
    of it is the password; anywhere, connection strings and well-known formats in it."""
    if statement.tokens or statement.error is None or statement.error_start is None:
        return []
    text, start = context.parsed.text, statement.error_start
    found = text_secrets(start, len(text), context)
    # What came before the literal, tokenized here (the statement keeps no tokens): `CREATE ROLE
    # app PASSWORD 'x' /* ...` holds a whole password before the comment that never closes.
    prefix = _prefix_tokens(statement, context)
    found += _account_passwords(Unit.of(prefix), context) if prefix else []
    before = [word(t) or t.text for t in prefix[-3:]]
    if any(_UNTERMINATED_AFTER.match(w) for w in before):
        quote = next((i for i in range(start, min(start + 3, len(text))) if text[i] in "'\"$`"), start)
        found.append(_secret(quote + 1, len(text), "password in an unterminated string", (start, len(text)), context))
    return found


def _prefix_tokens(statement: Statement, context) -> list[Token]:
    """Tokens of the unterminated statement's text before its open literal, at file offsets."""
    from sqlglot.dialects.dialect import Dialect
    from sqlglot.errors import TokenError

    offset = statement.start
    tokenizer = Dialect.get_or_raise(context.dialect).tokenizer()
    try:
        tokens = tokenizer.tokenize(context.parsed.text[offset : statement.error_start])
    except TokenError:
        tokens = tokenizer.tokens
    return [Token(t.token_type, t.text, t.line, t.col, t.start + offset, t.end + offset, t.comments) for t in tokens]


def _literal_secret(token: Token, what: str, context, previous: Token | None, reported: bool = True) -> Secret | None:
    if previous is not None and previous.token_type == TokenType.COLON:  # psql's :'password'
        return None
    start, end = inside_quotes(token, context.parsed.text)
    return _secret(start, end, what, (token.start, token.end + 1), context, reported)


def _account_passwords(unit: Unit, context) -> list[Secret | None]:
    """PASSWORD '...', IDENTIFIED BY '...', SECRET = '...' in statements about accounts and keys."""
    tokens, words = unit.tokens, unit.words
    if _PASSWORD_WORDS.isdisjoint(words):  # every literal taken below follows one of them (SET PASSWORD too)
        return []
    pairs = set(zip(words, words[1:]))
    account = _account(tokens, words)
    set_password = next((i for i, _ in unit.extents if words[i : i + 2] == ["SET", "PASSWORD"]), None)
    if set_password is not None:  # MySQL: SET PASSWORD [FOR user] = 'x' | PASSWORD('x')
        literal = max((i for i, t in enumerate(tokens) if t.token_type in STRING_TOKENS), default=None)
        if literal is None or literal < set_password:
            return []
        return [_literal_secret(tokens[literal], "password", context, tokens[literal - 1])]
    if account is None and ("BY", "PASSWORD") not in pairs and "GRANT" not in words and "CREDENTIAL" not in words:
        return []
    what = f"password of {account}" if account else "password"
    found = []
    for index, upper in enumerate(words):
        if upper in _PASSWORD_WORDS:
            literal = _literal_after(tokens, index + 1)
            if literal is not None:
                found.append(_literal_secret(tokens[literal], what, context, tokens[literal - 1]))
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


def _option_secrets(unit: Unit, context) -> list[Secret | None]:
    """OPTIONS (user 'app', password '...') of user mappings, servers and foreign tables."""
    if "OPTIONS" not in unit.words:
        return []
    tokens, words = unit.tokens, unit.words
    found = []
    # One pass, not one per OPTIONS: for each open bracket, whether it opens an OPTIONS list.
    brackets: list[bool] = []
    open_options = 0
    for index, token in enumerate(tokens):
        if token.token_type == TokenType.L_PAREN:
            brackets.append(index > 0 and words[index - 1] == "OPTIONS")
            open_options += brackets[-1]
        elif token.token_type == TokenType.R_PAREN and brackets:
            open_options -= brackets.pop()
        elif token.token_type in STRING_TOKENS and open_options and index > 0:
            key = tokens[index - 1]
            if key.token_type not in STRING_TOKENS and _SECRET_OPTION.match(key.text):
                found.append(_literal_secret(token, f"`{key.text}` option", context, key))
    return found


def redacted(text: str, offset: int, secrets: list[Secret]) -> str:
    """`text` (found at `offset` in the file) with its secrets replaced by ***, whitespace normalised."""
    for secret in sorted(secrets, key=lambda s: s.start, reverse=True):
        start, end = secret.start - offset, secret.end - offset
        if 0 <= start <= end <= len(text):
            text = text[:start] + "***" + text[end:]
    return " ".join(text.split())


def comment_secrets(context) -> list[Secret]:
    found = []
    for comment in context.parsed.comments:
        # A block comment's closing */ is not part of any secret (masking it would open the comment).
        end = comment.end - 2 if context.parsed.text.startswith("*/", comment.end - 2) else comment.end
        found += text_secrets(comment.start, end, context)
        for match in _COMMENTED_PASSWORD.finditer(context.parsed.text, comment.start, end):
            found.append(_secret(match.start("secret"), match.end("secret"), "password in a comment", match.span(), context))
    return [secret for secret in found if secret is not None]


def statement_finding(statement: Statement, context, span: Span, message: str, help: str) -> Finding:
    """A finding about `statement` whose snippet (for fingerprints) shows a masked secret as `***`,
    so that not even its length is in the report."""
    return Finding(span, message, help, redacted(statement.text, statement.start, secrets_within(context.parsed, statement)))


def secrets_within(parsed, statement: Statement) -> list[Secret]:
    """The file's secrets (found when it was read) that start inside `statement`."""
    secrets = parsed.secrets
    first = bisect.bisect_left(secrets, statement.start, key=lambda s: s.start)
    last = bisect.bisect_left(secrets, statement.end, key=lambda s: s.start)
    return secrets[first:last]
