"""Find credentials written into a migration, so that SM402 reports them and no report shows them.

A secret is reported by where it is, never by what it is. analysis/masking.py masks every one
found here before anything else reads the file, so later stages only ever see `****`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from operator import attrgetter
from typing import TypeVar

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
from safemig_lint.patterns import lazy
from safemig_lint.reading.statements import ReleasedStatement, Statement
from safemig_lint.values import value


@value(unsafe_hash=True)
class Secret:
    start: int  # file offsets of the secret itself, end exclusive
    end: int
    what: str  # what it is, safe to show: "password of role `app`", "AWS access key ID" ...
    around: tuple[int, int]  # the literal or text holding it: where a finding points
    reported: bool = True  # False: masked to be safe (`SET api_token = '...'`), but not an SM402 finding


# Option keys (user mappings, servers) whose value is a secret.
_SECRET_OPTION = lazy(
    r"^(password|passwd|pwd|secret|secret_?key|\w*_secret|api_?key|\w*secret_access_key|auth_?token|access_?token)$", re.IGNORECASE
)
# libpq keywords, query parameters (golang-migrate's sqlserver, clickhouse, cassandra drivers),
# environment assignments (PGPASSWORD=...): `password=x`, `password='x'` (`''x''` inside a
# literal), `password="x"`.
_VALUE = r"""\s*=\s*(?:''(?P<q0>[^'\n]*)''|'(?P<q1>[^']*)'|"(?P<q2>[^"]*)"|(?P<bare>[^\s;'"&]+))"""
_CONNECTION_PASSWORD = lazy(r"\b\w*?(?:password|passwd|pwd)" + _VALUE, re.IGNORECASE)
# Other secrets given as key=value: Redshift's CREDENTIALS 'aws_access_key_id=...;aws_secret_access_key=...', OAuth clients.
_CONNECTION_SECRET = lazy(
    r"\b(?:aws_secret_access_key|aws_session_token|secret_access_key|secret_key|client_secret|session_token|sas_token|account_key)"
    + _VALUE,
    re.IGNORECASE,
)
_VALUE_GROUPS = ("q0", "q1", "q2", "bare")
# scheme://user:password@host. Found from each `://` (see url_passwords), not by a regex
# that tries every word as a scheme and rescans from each.
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
# Where a URL's authority (user:password@host:port) ends: a password may hold `@` and `:`, not these.
_AUTHORITY_END = lazy(r"[\s/?#'\"`]")
_QUOTES = "'\"`"
# Go's MySQL driver DSN (user:password@tcp(host:3306)/db, user:password@/db) and Oracle's JDBC thin URL.
_GO_MYSQL_DSN = lazy(r"(?<![\w:/@.-])[\w.$-]*:(?P<secret>[^\s:@'\"`/()]+)@(?:(?:tcp[46]?|unix|udp)\(|/)")
_JDBC_THIN = lazy(r"\bjdbc:oracle:thin:[^\s/@'\"`]*/(?P<secret>[^\s@'\"`]+)@", re.IGNORECASE)
# Each with the words (lower case) one of which every match holds (see _may_hold).
_CONNECTION_KEYS: tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...] = (
    (_CONNECTION_PASSWORD, "password", ("pass", "pwd")),
    (_CONNECTION_SECRET, "secret key", ("secret", "token", "account_key")),
)
_DSNS: tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...] = (
    (_GO_MYSQL_DSN, "password in a Go MySQL DSN", ("@",)),
    (_JDBC_THIN, "password in a JDBC URL", ("jdbc",)),
)
# A URL put together by concatenation: 'postgres://admin:' || 'secret' || '@db/app' (or concat's arguments).
_URL_UP_TO_PASSWORD = lazy(r"[A-Za-z][\w+.-]*://[^\s/@'\"`]*:$")
# In comments, what a person or script wrote down: `mysql -uroot -psecret`, `password: secret`.
_MYSQL_P_OPTION = lazy(r"(?<!\S)-p(?P<secret>[^\s'\"`-][^\s'\"`]*)")
_MYSQL_CLIENT = lazy(r"\bmysql(?:dump|admin|import|sh|pump|check)?\b", re.IGNORECASE)
# A statement written out in prose: a literal after a name that says secret (`set_config('app.jwt_secret',
# 'x')`, `SET app.api_token = 'x'`, `"app.jwt_secret" TO 'x'`, `password 'x'`, `pw text := 'x'`,
# `IDENTIFIED WITH mysql_native_password BY 'x'`). The name is found first, then the literal right
# after it (a bounded match): no pattern that backtracks over long words.
_PROSE_KEY = lazy(r"password|passwd|pwd|secret|token|api_?key|private_?key|(?<![A-Za-z0-9])pw\b", re.IGNORECASE)
# The same matches in ASCII text lowered (as _LOWER_TRIGGER's), several times faster than IGNORECASE.
_LOWER_PROSE_KEY = lazy(r"password|passwd|pwd|secret|token|api_?key|private_?key|(?<![a-z0-9])pw\b")
_WORD_REST = lazy(r"[\w.]*")
# Words between only before an assignment: `pw text := 'x'`, `SET PASSWORD FOR app = 'x'` (prose
# says `the token is 'x'` of things that are no secret). A literal left open runs to the line's end.
_PROSE_VALUE = lazy(
    r"""(?P<close>['"])?(?:[ \t]*(?P<sep>,|:?=|\bTO\b|\bBY\b)|(?:[ \t]+[A-Za-z_][\w.]{0,40}){1,2}[ \t]*(?P<assign>:?=)|[ \t]+)[ \t]*"""
    r"""(?:''(?P<q0>[^'\n]{0,500})''|'(?P<q1>[^'\n]{0,500})'|'(?P<q2>[^'"\s][^'\n]{3,500})(?:(?=\n)|\Z))""",
    re.IGNORECASE,
)
_PROSE_CONCATENATION = lazy(r"://[^\s/@'\"]{0,100}:'\s*(?:\|\||,)\s*'(?P<secret>[^'@\n]{0,500})")
_LABELLED_PASSWORD = lazy(
    r"""\b(?:password|passwd|pwd|secret)\s*:\s*(?:"(?P<q2>[^"\n]*)"|'(?P<q1>[^'\n]*)'|(?P<bare>[^\s'"`,;]+))""", re.IGNORECASE
)
# Each with the words one of which every match holds, as above.
_WELL_KNOWN: list[tuple[str, re.Pattern[str], tuple[str, ...]]] = [
    ("AWS access key ID", lazy(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"), ("akia", "asia", "abia", "acca")),
    ("bearer token", lazy(r"\bBearer\s+(?P<secret>[A-Za-z0-9\-._~+/]{20,}=*)"), ("bearer",)),
    ("GitHub token", lazy(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b"), ("gh",)),
    ("Slack token", lazy(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), ("xox",)),
    ("Slack webhook URL", lazy(r"https://hooks\.slack\.com/services/[A-Za-z0-9/]{20,}"), ("hooks.slack.com",)),
    ("Stripe live key", lazy(r"\b[rs]k_live_[0-9A-Za-z]{20,}\b"), ("k_live_",)),
    ("Google API key", lazy(r"\bAIza[0-9A-Za-z\-_]{35}\b"), ("aiza",)),
    # Programs run by COPY ... PROGRAM, or scripts quoted in comments: curl -u user:pass, --password=x.
    ("password in a command's -u user:password", lazy(r"(?<!\S)(?:-u|--user)(?:=|\s+)[^\s:'\"]+:(?P<secret>[^\s'\"]+)"), ("-u",)),
    ("password in a command's --password option", lazy(r"(?<!\S)--password(?:=|\s+)(?P<secret>[^\s'\"]+)"), ("--password",)),
]
# A statement written out in a comment (`-- CREATE ROLE app PASSWORD 'x';`) still holds the password.
_COMMENTED_PASSWORD = lazy(r"\b(?:PASSWORD|IDENTIFIED\s+BY|SECRET)\s*(?:=\s*)?'(?P<secret>[^'\n]*)'", re.IGNORECASE)
# `key = 'value'` with a key that names a secret: SOURCE_PASSWORD (MySQL replication), api_token ...
_SECRET_KEY = lazy(r"^(?:\w*(?:password|passwd|pwd|secret|token|api_?key|private_?key)\w*|(?:\w+_)?pw)$", re.IGNORECASE)
# A variable given a literal in code (`pw text := '...'`) is reported when its name says password.
_PASSWORD_VARIABLE = lazy(r"^(?:\w*(?:password|passwd|pwd|secret)\w*|(?:\w+_)?pw)$", re.IGNORECASE)
_UNTERMINATED_AFTER = lazy(r"^(?:\w*(?:PASSWORD|PASSWD|PWD|SECRET|TOKEN)\w*|IDENTIFIED|BY|=)$", re.IGNORECASE)
# Values that stand for a secret rather than being one: filled in by a template, the shell, psql
# or a driver, documentation examples, or masked.
_PLACEHOLDER = lazy(
    r"^[*x•.]+$|^\{\{.*\}\}$|^\$\{.*\}$|^\$[A-Za-z_]\w*$|^\$\d+$|^%(\(\w+\))?s$|^<[^<>]*>$|^\?$|^:['\"]?\w+['\"]?$|EXAMPLE",
    re.IGNORECASE | re.DOTALL,
)
_ACCOUNT_KINDS = {"ROLE", "USER", "LOGIN", "GROUP"}
_PASSWORD_WORDS = frozenset({"PASSWORD", "IDENTIFIED", "SECRET"})  # every account password follows one
_BEFORE_PASSWORD = {"BY", "AS", "WITH", "PASSWORD", "ENCRYPTED", "UNENCRYPTED"}


# Every form text_secrets and commented_secrets find holds one of these: a text without any needs
# none of their regexes (one search per file, then one per literal or comment, not a dozen).
# (commented_secrets' _PROSE_KEY needs pw, api_?key or private_?key too.)
_TEXT_WORDS = (
    "://", "pass", "pwd", "secret", "token", "account_key", "@", "jdbc", "akia", "asia", "abia", "acca", "bearer", "gh[pousr]_",
    "github_pat_", "xox", "_live_", "aiza", "-u", "identified", "mysql", "private key", "pw", "api_?key", "private_?key",
)  # fmt: skip


def alternation(words: Iterable[str]) -> str:
    """A pattern matching where any of `words` (regexes without a `|` outside brackets, each starting with
    a literal character or an escaped one) starts: the words grouped by that character (`p(?:ass|w|wd)`),
    as `re` tries every alternative at each position where any may start (a search ~30% faster; callers
    read only where a match starts, which the grouping keeps)."""
    groups: dict[str, list[str]] = {}
    for pattern in sorted(set(words)):
        first = pattern[:2] if pattern.startswith("\\") else pattern[:1]
        groups.setdefault(first, []).append(pattern[len(first) :])
    return "|".join(first + (f"(?:{'|'.join(rests)})" if len(rests) > 1 else rests[0]) for first, rests in groups.items())


_TRIGGERS = alternation(_TEXT_WORDS)
_TRIGGER = lazy(_TRIGGERS, re.IGNORECASE)
# Written in lower case: on text lowered first, the same matches as _TRIGGER's, ~7x faster (a
# case-insensitive alternation is slow in `re`; IGNORECASE also folds a few non-ASCII letters, such
# as the Kelvin sign, so a text holding one keeps _TRIGGER: source.words_lowered).
_LOWER_TRIGGER = lazy(_TRIGGERS)


def may_hold_secrets(text: str, start: int = 0, end: int | None = None, lowered: str | None = None) -> bool:
    """Whether text[start:end] holds anything a text finder could report (False: it holds none).
    `lowered`: source.words_lowered(text), when the caller holds it (searched in place)."""
    if lowered is not None:
        return _LOWER_TRIGGER.search(lowered, start, len(lowered) if end is None else end) is not None
    piece = text[start:end] if start or end is not None else text
    if piece.isascii():
        return _LOWER_TRIGGER.search(piece.lower()) is not None
    return _TRIGGER.search(piece) is not None


# -- which statements need reading at all -------------------------------------------------------
# Most statements hold no word any finder looks for, and statements_to_read chooses only those that
# do (no bodies.code, no loop over their tokens, no regex per literal for the others). Each finder
# _finders_on runs declares with @_needs the words (regexes on ASCII lower-case text) without one
# of which it finds nothing, written from its own patterns; _finders_on may call no finder that
# declares none (tests/test_secret_prefilter.py reads its calls), so none can be added without.
# The words are looked for in the statement's text as written, while the token finders read what
# the tokenizer made of it. That finds every word they match, because each finder reads only the
# statement's own text (its tokens, the literals and bodies among them, the text between a body's
# tokens), and what a token holds is that text, letter for letter:
# - a keyword or name is a piece of it;
# - a literal's value, and the tokens of a body held in one, are the literal with each doubled
#   quote made one (which joins no letters); only a backslash escape can make a letter
#   (PostgreSQL's E'\160w' is `pw`): each finder reading tokens needs a backslash too (_ESCAPE);
# - upper() makes ASCII letters of a few others ('ß' is 'SS') and IGNORECASE matches a few
#   (the Kelvin sign is `k`): in a file holding one (source.INTO_ASCII) a statement holding
#   any non-ASCII character is always read;
# - where a template placeholder was, tokens hold a stand-in of `x`, digits and `_` (or blanks):
#   no word holds an `x` or a digit, and a `_` in a word follows a letter of it, so no match of a
#   word takes a letter from a stand-in.
# A statement without tokens (a literal left open: read to the end of the file, and taken whole
# after `=` or BY) is always read, by _unterminated_secrets alone. When in doubt, read it.
_NEEDED: dict[str, tuple[str, ...]] = {}
_Finder = TypeVar("_Finder", bound=Callable)


def _needs(*words: str) -> Callable[[_Finder], _Finder]:
    """Declares a finder _finders_on runs, with the words without one of which it finds nothing."""

    def declare(finder: _Finder) -> _Finder:
        _NEEDED[finder.__name__] = words
        return finder

    return declare


def statement_trigger(needed: dict[str, tuple[str, ...]]) -> str:
    """A pattern matching every word a finder needs."""
    return alternation(word for words in needed.values() for word in words)


_ESCAPE = r"\\"  # needed by each finder reading tokens: in a literal, a backslash escape may make any letter


def may_hold_statement_secrets(statement: Statement, context) -> bool:
    """False when no finder of _finders_on can find anything in the statement (see _NEEDED)."""
    if context.lowered is not None:  # the file lowered once (source.words_lowered): searched in place
        return _STATEMENT_TRIGGER.search(context.lowered, statement.start, statement.end) is not None
    text = statement.text
    return not text.isascii() or _STATEMENT_TRIGGER.search(text.lower()) is not None


def first_statement_word(text: str, lowered: str | None) -> int:
    """Where the first word a finder of _finders_on needs starts in the file (len(text): nowhere),
    searched in its text lowered (source.words_lowered); 0 where that is None (not searched: each statement is)."""
    if lowered is None:
        return 0
    match = _STATEMENT_TRIGGER.search(lowered)
    return match.start() if match else len(lowered)


def statements_to_read(statements: list[Statement], context) -> list[Statement]:
    """The statements statement_secrets must read (StatementsToRead), of all a file's."""
    lowered = context.lowered
    if lowered is not None and context.first_statement_word == len(lowered):  # no word at all (most files)
        return [statement for statement in statements if not statement.tokens]
    return list(filter(StatementsToRead(context), statements))


class StatementsToRead:
    """Asked of each of a file's statements in order (all of them, or as each is parsed: streaming.py): must
    statement_secrets read it? Those without tokens, and those may_hold_statement_secrets admits, or a few more.
    In a file lowered (source.words_lowered) the words are found by searching forward from statement to
    statement (a 5 MB file of plain DDL is searched once; a file holding words, once per statement holding one,
    not once per statement): where a word lies whole within a statement, the search from the statement's start
    finds a word (that one, or another) starting before its end. A statement whose last characters start a word
    it does not hold whole is read too (harmless)."""

    def __init__(self, context) -> None:
        self.context = context
        self.searched_from, self.next_word = 0, context.first_statement_word  # the first word at or after searched_from

    def __call__(self, statement: Statement) -> bool:
        lowered = self.context.lowered
        if lowered is None:
            return not statement.tokens or may_hold_statement_secrets(statement, self.context)
        if self.next_word < statement.start or statement.start < self.searched_from:
            match = _STATEMENT_TRIGGER.search(lowered, statement.start)
            self.searched_from, self.next_word = statement.start, match.start() if match else len(lowered)
        return not statement.tokens or self.next_word < statement.end


def file_statement_secrets(statements: list[Statement], context) -> list[Secret]:
    """statement_secrets of each of a file's statements that may hold one (statements_to_read)."""
    return [secret for statement in statements_to_read(statements, context) for secret in statement_secrets(statement, context)]


_KEY_BEGIN = lazy(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----")
_KEY_END = lazy(r"-----END (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----")


def url_passwords(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, int, int]]:
    """(url start, url end, password start, password end) of each `scheme://user:password@` in
    text[start:end]: the user may be empty (redis://:pw@host) or hold `@` (the last `@` before
    the host ends the password, as URL parsers read it), and the password may be quoted
    (postgres://u:'pw'@host). Linear: the scheme is walked back from its `://`, the authority
    forward to its end, and no walk crosses another `://`."""
    end = len(text) if end is None else end
    found = []
    position = text.find("://", start, end)
    while position >= 0:
        following = text.find("://", position + 3, end)
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
        if scheme >= 0 and (password := _url_password(text, position + 3, end if following < 0 else following)) is not None:
            found.append((scheme, password[2], password[0], password[1]))
        position = following
    return found


def _url_password(text: str, authority: int, end: int) -> tuple[int, int, int] | None:
    """(password start, end, end of the user information) of the URL authority at `authority`."""
    stop = _AUTHORITY_END.search(text, authority, end)
    stop_at = stop.start() if stop else end
    at = text.rfind("@", authority, stop_at)
    colon = text.find(":", authority, at if at >= 0 else stop_at)
    if at >= 0 and colon >= 0:
        return (colon + 1, at, at + 1) if at > colon + 1 else None
    # user:'password'@host: the authority stopped at a quote right after the colon.
    if colon >= 0 and stop_at == colon + 1 < end and text[stop_at] in _QUOTES:
        quote = text[stop_at]
        doubled = text.startswith(quote * 2, stop_at)  # inside an SQL literal: user:''pw''@host
        opening = quote * (2 if doubled else 1)
        closing = text.find(opening, stop_at + len(opening), end)
        if closing > stop_at + len(opening) and text.startswith("@", closing + len(opening)):
            return stop_at + len(opening), closing, closing + len(opening) + 1
    return None


def private_keys(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """PEM private keys: from BEGIN to the first END after it (or the BEGIN line alone). The END
    is looked for once per position, not from every BEGIN to the end of the text."""
    end = len(text) if end is None else end
    found: list[tuple[int, int]] = []
    next_end: re.Match[str] | None = None  # the first END after the last search, if any
    searched = False
    resume = start
    while begin := _KEY_BEGIN.search(text, resume, end):
        if not searched or (next_end is not None and next_end.start() < begin.end()):
            next_end, searched = _KEY_END.search(text, begin.end(), end), True
        stop = next_end.end() if next_end is not None else begin.end()
        found.append((begin.start(), stop))
        resume = stop
    return found


def is_placeholder(value: str) -> bool:
    return not value.strip() or bool(_PLACEHOLDER.search(value))


def statement_secrets(statement: Statement, context) -> list[Secret]:
    """Credentials in a statement (one statements_to_read chose): account passwords, secret options,
    connection strings and well-known secret formats in its literals, and well-known formats
    anywhere in its bodies. Read once per statement, by masking.py; what its tokens hold, from
    `context.taken` when it was taken as the statement was parsed (token_secrets)."""
    if not statement.tokens:
        found = _unterminated_secrets(statement, context)
    else:
        taken = context.taken.pop(statement.start, None)
        found = token_secrets(statement, context) if taken is None else taken
        if not _is_sql(statement):
            found = found + _prose_secrets(statement, context)
    if not found:  # half the statements holding a finder's word (`CREATE TABLE auth_token (...)`): nothing built
        return []
    unique = {(s.start, s.end): s for s in reversed(found) if s is not None}
    return sorted(unique.values(), key=lambda s: s.start)


def token_secrets(statement: Statement, context) -> list[Secret | None]:
    """What the finders find among the tokens of a statement (one statements_to_read chose, with tokens): read
    while they are alive, before the database's grammar gives its verdict (a large file's statements, as each is
    parsed: masking.SecretsAsParsed). The verdict changes nothing here: a statement sqlglot parsed and the grammar
    rejects, read only if it holds a literal or quoted name (_may_quote_a_secret) before the verdict and always
    after it, holds nothing these finders find without one."""
    return _finders_on(statement, context) if _may_quote_a_secret(statement) else []


def _is_sql(statement: Statement) -> bool:
    """Whether it parsed, and the database's grammar (where one is at hand) accepts it. A statement let go as it
    was read (ReleasedStatement) had a tree."""
    return statement.error is None and (isinstance(statement, ReleasedStatement) or statement.expression is not None)


def _prose_secrets(statement: Statement, context) -> list[Secret | None]:
    """A statement that is not SQL (a URL pasted bare, notes without comment marks) is shown whole as a parse
    error, so it is read as prose too; masked, and reported only where a literal or comment holds it. (After
    token_secrets: where a literal's finder found the same span, its finding stands.)"""
    return [replace(s, reported=False) for s in commented_secrets(statement.start, statement.end, context) if s is not None]


# What a finder of _finders_on reads in a statement that parsed: the text of a literal or quoted name among
# its tokens, or of a body or command tail (which sqlglot keeps in a literal); a statement holding none of
# these finds nothing (tests/test_secret_prefilter.py compares it with every finder on every test text).
_QUOTED = STRING_TOKENS | {TokenType.IDENTIFIER}
_TOKEN_TYPE = attrgetter("token_type")


def _may_quote_a_secret(statement: Statement) -> bool:
    """False when no finder of _finders_on can find anything in the statement (which has tokens): it
    parsed, and holds no literal or quoted name. One that did not parse is read whole as prose."""
    if statement.error is not None or statement.expression is None:
        return True
    return not _QUOTED.isdisjoint(map(_TOKEN_TYPE, statement.tokens))


def _finders_on(statement: Statement, context) -> list[Secret | None]:
    """What every finder finds in a statement that has tokens; each one it calls declares @_needs."""
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
    for start, end in body_regions:  # well-known formats anywhere in a body (a language we do not tokenize too)
        found += text_secrets(start, end, context, well_known_only=True)
    for body in code.bodies:  # comments inside SQL bodies: the text between their tokens
        edges = [body.start, *(offset for token in body.tokens for offset in (token.start, token.end + 1)), body.end]
        for gap_start, gap_end in zip(edges[::2], edges[1::2]):
            if gap_end - gap_start > 2:
                found += commented_secrets(gap_start, gap_end, context)
    return found + _concatenated_url_passwords(code.units, context) + _secret_settings(code.units, context)


def _may_hold(words: tuple[str, ...], lowered: str | None, start: int, end: int) -> bool:
    """Whether text[start:end] may hold a match of a pattern every match of which holds one of `words`
    (lower case), told from the file's text lowered (None: it holds a letter IGNORECASE or upper() make
    an ASCII letter of, source.INTO_ASCII, and it may). A span that passed may_hold_secrets holds some finder's word,
    most often a name's `token` or `pass`: one search per pattern's words costs less than its regex."""
    return lowered is None or any(lowered.find(word, start, end) != -1 for word in words)


@_needs(*_TEXT_WORDS)
def text_secrets(start: int, end: int, context, well_known_only: bool = False) -> list[Secret | None]:
    """Passwords in connection strings and URLs, and well-known secret formats, in text[start:end]."""
    text = context.parsed.text
    if not context.may_hold_secrets or not may_hold_secrets(text, start, end, context.lowered):
        return []
    lowered = context.lowered
    found = [
        _secret(key_start, key_end, "private key", (key_start, key_end), context)
        for key_start, key_end in (private_keys(text, start, end) if _may_hold(("private key",), lowered, start, end) else ())
    ]
    if not well_known_only:
        for url_start, url_end, secret_start, secret_end in url_passwords(text, start, end):
            found.append(_secret(secret_start, secret_end, "password in a connection URL", (url_start, url_end), context))
        for regex, what, words in _CONNECTION_KEYS:
            for match in regex.finditer(text, start, end) if _may_hold(words, lowered, start, end) else ():
                group = next(g for g in _VALUE_GROUPS if match.group(g) is not None)
                found.append(_secret(match.start(group), match.end(group), f"{what} in a connection string", match.span(), context))
        for regex, what, words in _DSNS:
            for match in regex.finditer(text, start, end) if _may_hold(words, lowered, start, end) else ():
                found.append(_secret(match.start("secret"), match.end("secret"), what, match.span(), context))
    for what, regex, words in _WELL_KNOWN:
        for match in regex.finditer(text, start, end) if _may_hold(words, lowered, start, end) else ():
            secret: str | int = "secret" if "secret" in regex.groupindex else 0
            found.append(_secret(match.start(secret), match.end(secret), what, match.span(), context))
    return found


def _prose_assignment(text: str, key_start: int, value: re.Match[str]) -> bool:
    """Whether a literal after a secret-named word is given to it, not just said near it: a
    literal left open needs an explicit `=`, `TO`, `BY` or `,`, or the word PASSWORD itself
    before it; `TO` needs a setting's name (quoted, or with a dot: `token to 'maintaining'` is English)."""
    separator = (value.group("sep") or value.group("assign") or "").upper()
    if value.group("q2") is not None and not separator:
        whole_word = (key_start == 0 or not text[key_start - 1].isalnum()) and text[key_start : value.start()].upper() == "PASSWORD"
        return whole_word
    if separator == "TO":
        word = text[max(0, key_start - 64) : key_start].rsplit(None, 1)[-1] if key_start else ""
        return value.group("close") is not None or "." in word or "." in text[key_start : value.start("sep")]
    return True


@_needs("://", _ESCAPE)
def _concatenated_url_passwords(units: list[Unit], context) -> list[Secret | None]:
    """'postgres://admin:' || 'secret' || '@db/app', and concat('postgres://admin:', 'secret', ...):
    the literal after one that ends a URL at `user:` is its password (up to an `@` in it)."""
    found = []
    text = context.parsed.text
    for unit in units:
        tokens = unit.tokens
        for index in range(len(tokens) - 2):
            first, joint, value = tokens[index], tokens[index + 1], tokens[index + 2]
            if first.token_type not in STRING_TOKENS or value.token_type not in STRING_TOKENS:
                continue
            if joint.token_type not in (TokenType.DPIPE, TokenType.COMMA) or not _URL_UP_TO_PASSWORD.search(first.text):
                continue
            start, end = inside_quotes(value, text)
            at = text.find("@", start, end)
            found.append(_secret(start, end if at < 0 else at, "password in a connection URL", (first.start, value.end + 1), context))
    return found


@_needs("password", "passwd", "pwd", "secret", "token", "api_?key", "private_?key", "pw", _ESCAPE)
def _secret_settings(units: list[Unit], context) -> list[Secret | None]:
    """A setting whose name says secret, given a literal: `ALTER DATABASE app SET "app.jwt_secret"
    TO '...'`, `SET app.jwt_secret TO '...'`, `set_config('app.jwt_secret', '...', false)`. Masked,
    not reported, like `SET api_token = '...'` (_keyed_secrets)."""
    found = []
    for unit in units:
        tokens, words = unit.tokens, unit.words
        first_set = words.index("SET") if "SET" in words else len(words)
        for index in range(1, len(tokens) - 1):
            key, sign, value = tokens[index - 1], tokens[index], tokens[index + 1]
            if value.token_type not in STRING_TOKENS:
                continue
            # The name may be a string where "..." quotes strings (MySQL): the SET before it says it is a name.
            if words[index] == "TO" and first_set < index - 1 and _SECRET_KEY.match(key.text.rsplit(".", 1)[-1]):
                found.append(_literal_secret(value, f"`{key.text}` value", context, sign, reported=False))
            elif (
                sign.token_type == TokenType.COMMA
                and key.token_type in STRING_TOKENS
                and index >= 3
                and words[index - 3] == "SET_CONFIG"
                and _SECRET_KEY.match(key.text.rsplit(".", 1)[-1])
            ):
                found.append(_literal_secret(value, f"`{key.text}` value", context, sign, reported=False))
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


@_needs("password", "passwd", "pwd", "secret", "token", "api_?key", "private_?key", "pw", _ESCAPE)
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
    if statement.error is None or statement.error_start is None:
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


@_needs("password", "identified", "secret", _ESCAPE)
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


@_needs("password", "passwd", "pwd", "secret", "api_?key", "token", _ESCAPE)
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
    """`text` (found at `offset` in the file) with its secrets replaced by ***, whitespace
    normalised; in one pass, however many secrets (one copy of the text, not one per secret)."""
    pieces, position = [], 0
    for secret in sorted(secrets, key=lambda s: s.start):
        start, end = secret.start - offset, secret.end - offset
        if position <= start <= end <= len(text):
            pieces += [text[position:start], "***"]
            position = end
    return " ".join("".join([*pieces, text[position:]]).split())


def comment_secrets(context) -> list[Secret]:
    if not context.may_hold_secrets:  # what commented_secrets asks first: most files, asked once, not once per comment
        return []
    found = []
    for comment in context.parsed.comments:
        # A block comment's closing */ is not part of any secret (masking it would open the comment).
        end = comment.end - 2 if context.parsed.text.startswith("*/", comment.end - 2) else comment.end
        found += commented_secrets(comment.start, end, context)
    return [secret for secret in found if secret is not None]


@_needs(*_TEXT_WORDS)
def commented_secrets(start: int, end: int, context) -> list[Secret | None]:
    """What a comment (or any prose: a suppression's reason) in text[start:end] may hold: what
    literals hold, a statement written out (`CREATE ROLE app PASSWORD 'x'`), a MySQL client's
    `-px`, and a `password: x` line (masked, not reported: prose says `password: see the vault`)."""
    text = context.parsed.text
    if not context.may_hold_secrets or not may_hold_secrets(text, start, end, context.lowered):
        return []
    found = text_secrets(start, end, context)
    lowered = context.lowered
    for match in (
        _COMMENTED_PASSWORD.finditer(text, start, end) if _may_hold(("password", "identified", "secret"), lowered, start, end) else ()
    ):
        found.append(_secret(match.start("secret"), match.end("secret"), "password in a comment", match.span(), context))
    for match in _MYSQL_P_OPTION.finditer(text, start, end) if _may_hold(("-p",), lowered, start, end) else ():
        # Only on a line that runs a MySQL client (looked for a bounded way back: linear however long the line).
        line_start = max(start, match.start() - 200, text.rfind("\n", max(start, match.start() - 200), match.start()) + 1)
        if _MYSQL_CLIENT.search(text, line_start, match.start()):
            found.append(
                _secret(match.start("secret"), match.end("secret"), "password in a MySQL client's -p option", match.span(), context)
            )
    for match in _LABELLED_PASSWORD.finditer(text, start, end) if _may_hold(("pass", "pwd", "secret"), lowered, start, end) else ():
        group = next(g for g in ("q1", "q2", "bare") if match.group(g) is not None)
        found.append(_secret(match.start(group), match.end(group), "password in a comment", match.span(), context, reported=False))
    position = start
    keys, searched = (_PROSE_KEY, text) if lowered is None else (_LOWER_PROSE_KEY, lowered)
    while key := keys.search(searched, position, end):
        position = rest.end() if (rest := _WORD_REST.match(text, key.end(), end)) else key.end()  # it matches the empty string: always
        if (value := _PROSE_VALUE.match(text, position, end)) and _prose_assignment(text, key.start(), value):
            group = next(g for g in ("q0", "q1", "q2") if value.group(g) is not None)
            found.append(_secret(value.start(group), value.end(group), "secret in a comment", value.span(), context, reported=False))
        position = max(position, key.end())
    for match in _PROSE_CONCATENATION.finditer(text, start, end) if _may_hold(("://",), lowered, start, end) else ():
        found.append(_secret(match.start("secret"), match.end("secret"), "password in a comment", match.span(), context, reported=False))
    return found


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


_STATEMENT_TRIGGER = lazy(statement_trigger(_NEEDED))  # here: once every finder above declared what it needs
