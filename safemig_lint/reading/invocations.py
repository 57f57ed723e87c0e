"""Read the places golang-migrate is configured and run: database URLs and `migrate` commands.

A repository runs its migrations from Makefiles, CI workflows, compose files, Dockerfiles, shell
scripts, `.env` files and Go code (found by invocation_files.py). This module reads, with exact
offsets, every golang-migrate database URL written in them and every `migrate` CLI command. Checks (SM408-SM412) decide what is a problem; nothing here reports.

Every scan is a single left-to-right pass with regexes whose repetitions cannot overlap, so the
work is linear in the size of the file.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from urllib.parse import parse_qsl, unquote

from safemig_lint import values
from safemig_lint.reading.source import LineIndex

# The database drivers golang-migrate registers (database/*/: database.Register("scheme", ...)).
DATABASE_SCHEMES = (
    "cassandra",
    "clickhouse",
    "cockroach",
    "cockroachdb",
    "crdb-postgres",
    "firebird",
    "firebirdsql",
    "mongodb",
    "mongodb+srv",
    "mysql",
    "neo4j",
    "pgx",
    "pgx4",
    "pgx5",
    "postgres",
    "postgresql",
    "ql",
    "redshift",
    "rqlite",
    "snowflake",
    "spanner",
    "sqlcipher",
    "sqlite",
    "sqlite3",
    "sqlserver",
    "yugabyte",
    "yugabytedb",
    "ysql",
)
_SCHEMES = "|".join(re.escape(s) for s in sorted(DATABASE_SCHEMES, key=len, reverse=True))
# A URL runs to the first character that cannot be part of it in a command line or literal.
# `${{ secrets.X }}` and `{{ .Password }}` may hold spaces and still be part of the URL.
_URL = re.compile(rf"(?<![\w+.-])(?P<scheme>{_SCHEMES})://(?P<rest>(?:\$?\{{\{{[^}}\n]*\}}\}}|[^\s\"'`<>\\])*)", re.IGNORECASE)

# Query parameters that turn transport encryption off, per driver family.
_TLS_OFF = {"sslmode": {"disable"}, "tls": {"false"}, "encrypt": {"disable", "false"}, "ssl": {"false"}}

# `migrate` is the golang-migrate CLI when it starts a command (or is the migrate/migrate image).
_COMMAND_START = re.compile(
    r"(?:^|(?<=[\s;&|(`\"'\[,]))(?P<word>(?:[\w./-]*/)?migrate(?:\.exe)?|migrate/migrate(?::[\w.-]+)?)(?=[\s\"',\]]|$)"
)
# A shell word: quoted and unquoted pieces run together (`-database="$URL"`), with backslash escapes.
_TOKEN = re.compile(r"(?:\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'|\\.|[^\s\"',\[\];&|\\])+")
_QUOTING = re.compile(r"\"((?:[^\"\\\n]|\\.)*)\"|'([^'\n]*)'|\\[\"']|\\(.)")
_CONTINUATION = re.compile(r"\\\r?\n")
_VALUE_FLAGS = {"source", "path", "database", "lock-timeout", "prefetch"}
_BOOL_FLAGS = {"verbose", "version", "help"}
SUBCOMMANDS = {"create", "goto", "up", "down", "drop", "force", "version"}

# What runs unattended is "automation".
AUTOMATION_KINDS = {"ci", "compose", "dockerfile", "shell"}
_KIND_NAMES = {
    "make": "a Makefile",
    "ci": "a CI configuration",
    "compose": "a compose file",
    "dockerfile": "a Dockerfile",
    "shell": "a shell script",
    "env": "a tracked .env file",
    "go": "Go source",
}
_EXAMPLE_HOSTS = {"host", "hostname", "example.com", "example.org", "your-host", "dbhost", "db-host"}
_EXAMPLE_PASSWORDS = {"password", "pass", "passwd", "pwd", "your-password", "yourpassword"}


@values.value(unsafe_hash=True)
class DatabaseUrl:
    start: int
    end: int
    scheme: str
    user: str
    password: str | None  # as written (None when the URL has no password)
    password_start: int  # offsets of the password in the file, when there is one
    password_end: int
    host: str  # lower-cased, without port; "" when the URL names none
    params: dict[str, str]

    @property
    def password_is_reference(self) -> bool:
        """Filled in when the command runs ($VAR, ${VAR}, $(VAR), {{ secrets.X }}, %s ...), not written here."""
        return self.password is not None and bool(re.search(r"[$%{}<>*]", self.password))

    @property
    def is_example(self) -> bool:
        """A documentation example (`user:password@host`), not a database anyone connects to."""
        return (
            self.host in _EXAMPLE_HOSTS
            or self.host.endswith((".example.com", ".example.org", ".example.net", ".example"))
            or (self.password or "").lower() in _EXAMPLE_PASSWORDS
        )

    @property
    def host_is_templated(self) -> bool:
        """The host is filled in at run time (`%s`, `$DB_HOST`, `{{ .Host }}`): where it is, is unknown here."""
        return bool(re.search(r"[$%{}]", self.host))

    @property
    def tls_disabled(self) -> str | None:
        """The parameter that turns TLS off, as written (`sslmode=disable`), or None."""
        for key, value in self.params.items():
            if value.lower() in _TLS_OFF.get(key.lower(), ()):
                return f"{key}={value}"
        return None


@values.value(unsafe_hash=True)
class MigrateCommand:
    start: int
    end: int
    subcommand: str  # up, down, drop, force ... ("" when none is given)
    arguments: tuple[str, ...]  # what follows the subcommand
    database: DatabaseUrl | None  # the -database URL when it is written out
    database_argument: str  # the -database value as written ("" when absent)


@dataclass
class InvocationFile:
    path: Path
    display_path: str
    kind: str  # make, ci, compose, dockerfile, shell, env, go
    text: str
    lines: LineIndex
    urls: list[DatabaseUrl] = field(default_factory=list)
    commands: list[MigrateCommand] = field(default_factory=list)
    services: set[str] = field(
        default_factory=set
    )  # containers started by this file (compose/CI services) or the repository's compose files

    @property
    def kind_name(self) -> str:
        return _KIND_NAMES[self.kind]

    @property
    def is_automation(self) -> bool:
        return self.kind in AUTOMATION_KINDS

    def is_local(self, host: str) -> bool:
        """A database on this machine (or a container this file starts), whose credentials open nothing else."""
        return is_loopback(host) or host in self.services

    def runs_on_local_database(self, command: MigrateCommand) -> bool:
        """The command's -database is written out and names a local database (a test or development one)."""
        return command.database is not None and self.is_local(command.database.host)

    @cached_property
    def masked_text(self) -> str:
        """The text with every written password replaced by asterisks of the same length (positions stay)."""
        pieces, last = [], 0
        for url in self.urls:
            if url.password and not url.password_is_reference:
                pieces += [self.text[last : url.password_start], "*" * (url.password_end - url.password_start)]
                last = url.password_end
        return "".join(pieces) + self.text[last:]


def is_loopback(host: str) -> bool:
    if host in ("", "localhost", "host.docker.internal") or host.endswith(".localhost") or host.startswith("/"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_invocations(path: Path, display: str, kind: str, text: str) -> InvocationFile:
    file = InvocationFile(path, display, kind, text, LineIndex(text))
    file.urls = [url for match in _URL.finditer(text) if (url := _database_url(match)) is not None]
    if kind in ("compose", "ci"):
        file.services = _yaml_children(text, "services")
    if kind != "go":
        file.commands = _commands(text, file.urls)
        if kind == "compose":
            file.commands += _compose_image_commands(text, file.urls)
    return file


def share_compose_services(files: list[InvocationFile]) -> None:
    """The containers a repository's compose files start are local to every file of that repository:
    a Makefile's `migrate -database postgres://...@db/app` reaches the `db` its docker-compose.yml runs."""
    started = {service for file in files if file.kind == "compose" for service in file.services}
    for file in files:
        file.services |= started


def _database_url(match: re.Match[str]) -> DatabaseUrl | None:
    rest = match.group("rest").rstrip(".,;:]}")
    if rest.count(")") > rest.count("("):  # a URL inside $(...) or (...): the bracket is not its own
        rest = rest[: rest.rfind(")")]
    if not rest:
        return None
    authority_end = _authority_end(rest)
    at = rest.rfind("@", 0, authority_end)
    user, password, password_start = "", None, -1
    if at >= 0:
        user, colon, secret = rest[:at].partition(":")
        if colon:
            password, password_start = secret, match.start("rest") + len(user) + 1
    query = rest[authority_end:].partition("?")[2].partition("#")[0]
    return DatabaseUrl(
        match.start(),
        match.start("rest") + len(rest),
        match.group("scheme").lower(),
        unquote(user),
        password,
        password_start,
        password_start + len(password or ""),
        _host(rest[at + 1 : authority_end]),
        dict(parse_qsl(query, keep_blank_values=True)),
    )


def _authority_end(rest: str) -> int:
    """Where user, password and address end: the first / ? # outside MySQL's tcp(...) or unix(...)."""
    depth = 0
    for index, char in enumerate(rest):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char in "/?#" and depth == 0:
            return index
    return len(rest)


def _host(address: str) -> str:
    """The host of `host:port`, `[::1]:5432`, or MySQL's `tcp(host:port)` / `(host:port)` / `unix(/path)`."""
    inner = re.match(r"^(?:tcp|unix)?\((?P<inner>[^)]*)\)", address)
    if inner:
        address = inner.group("inner")
    if address.startswith("["):
        return address[1 : address.find("]")].lower() if "]" in address else address.lower()
    if address.startswith("/"):
        return address
    return address.split(",")[0].rpartition(":")[0].lower() if ":" in address else address.lower()


def _commands(text: str, urls: list[DatabaseUrl]) -> list[MigrateCommand]:
    """`migrate [flags] SUBCOMMAND [args]` commands, across line continuations.

    A `migrate` inside words already read (another command's arguments) starts nothing, so every
    character is tokenized at most once.
    """
    commands = []
    read_up_to = 0
    comments = _CommentStarts(text)
    for match in _COMMAND_START.finditer(text):
        if match.start() < read_up_to or comments.before(match.start()):
            continue  # an argument of the command before, or commented out: it does not run
        tokens = _tokens_after(text, match.end())
        read_up_to = tokens[-1][1] if tokens else match.end()
        command = _command(match.start(), tokens, urls)
        if command is not None:
            commands.append(command)
    return commands


class _CommentStarts:
    """Whether an offset is inside a `#` comment (Makefiles, shell, YAML, Dockerfiles).

    Offsets are asked in increasing order, so each line is looked at once.
    """

    _HASH = re.compile(r"(?:^|(?<=\s))#", re.MULTILINE)

    def __init__(self, text: str) -> None:
        self._text = text
        self._line_end = -1  # the current line is text[_line_start:_line_end]
        self._comment = -1  # where its comment starts (len(text) for none)

    def before(self, offset: int) -> bool:
        if offset > self._line_end:
            searched_from = self._line_end + 1  # lines before it were looked at already
            line_start = max(self._text.rfind("\n", searched_from, offset) + 1, searched_from)
            end = self._text.find("\n", offset)
            self._line_end = end if end >= 0 else len(self._text)
            found = self._HASH.search(self._text, line_start, self._line_end)
            self._comment = found.start() if found else len(self._text)
        return self._comment < offset


def _tokens_after(text: str, offset: int, end: int | None = None) -> list[tuple[int, int, str]]:
    """The command's words from `offset` to the end of its logical line or the next ; && || |.

    With `end`, the words up to there, across lines (a YAML flow list or folded scalar).
    """
    tokens = []
    position = offset
    stops = ";&|" if end is not None else "\r\n;&|"
    end = len(text) if end is None else end
    while position < end:
        continuation = _CONTINUATION.match(text, position)
        if continuation:
            position = continuation.end()
            continue
        char = text[position]
        if char in stops:
            break
        if char in " \t\r\n,[]":
            position += 1
            continue
        token = _TOKEN.match(text, position, end)
        if token is None:
            break
        word = _QUOTING.sub(lambda quoted: next((g for g in quoted.groups() if g is not None), ""), token.group())
        tokens.append((token.start(), token.end(), word))
        position = token.end()
    return tokens


def _command(start: int, tokens: list[tuple[int, int, str]], urls: list[DatabaseUrl]) -> MigrateCommand | None:
    """Read golang-migrate's CLI grammar: flags, then a subcommand and its arguments."""
    flags: dict[str, tuple[int, str]] = {}
    index = 0
    while index < len(tokens):
        _, _, word = tokens[index]
        if not word.startswith("-") or word in ("-", "--"):
            break
        name, equals, value = word.lstrip("-").partition("=")
        if name in _VALUE_FLAGS and not equals and index + 1 < len(tokens):
            index += 1
            value = tokens[index][2]
        elif name not in _VALUE_FLAGS and name not in _BOOL_FLAGS:
            return None  # another program's flags: not golang-migrate's CLI
        flags[name] = (tokens[index][0], value)
        index += 1
    # Without -database or -source/-path it is some other `migrate` (a subcommand of another tool).
    if not {"database", "source", "path"} & flags.keys():
        return None
    subcommand = tokens[index][2] if index < len(tokens) and tokens[index][2] in SUBCOMMANDS else ""
    arguments = tuple(word for _, _, word in tokens[index + 1 :]) if subcommand else ()
    end = tokens[-1][1] if tokens else start
    database_offset, database_argument = flags.get("database", (-1, ""))
    database = next((u for u in urls if u.start <= database_offset < u.end or u.start == database_offset), None)
    if database is None and database_offset >= 0:
        database = next((u for u in urls if database_offset <= u.start < database_offset + len(database_argument) + 2), None)
    return MigrateCommand(start, end, subcommand, arguments, database, database_argument)


def _yaml_children(text: str, key: str) -> set[str]:
    """Names directly under every `key:` mapping (compose `services:`, a CI job's `services:`)."""
    names: set[str] = set()
    lines = text.splitlines()
    for number, line in enumerate(lines):
        heading = re.match(rf"^(\s*){key}:\s*(#.*)?$", line)
        if not heading:
            continue
        parent_indent, child_indent = len(heading.group(1)), None
        for child in lines[number + 1 :]:
            if not child.strip() or child.lstrip().startswith("#"):
                continue
            indent = len(child) - len(child.lstrip())
            if indent <= parent_indent:
                break
            child_indent = child_indent or indent
            entry = re.match(r"^\s*[\"']?([\w.-]+)[\"']?:", child)
            if indent == child_indent and entry:
                names.add(entry.group(1).lower())
    return names


def _compose_image_commands(text: str, urls: list[DatabaseUrl]) -> list[MigrateCommand]:
    """A compose service running the migrate/migrate image: its `command:` is the CLI's arguments."""
    commands = []
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    for number, line in enumerate(lines):
        image = re.match(r"^(\s*)image:\s*[\"']?migrate/migrate\b", line)
        if not image:
            continue
        indent = len(image.group(1))
        for other in (*range(number - 1, -1, -1), *range(number + 1, len(lines))):
            candidate = lines[other]
            if not candidate.strip() or candidate.lstrip().startswith("#"):
                continue
            candidate_indent = len(candidate) - len(candidate.lstrip())
            if candidate_indent < indent:  # left the service (its name, or the next service)
                if other < number:
                    continue
                break
            command = re.match(r"^\s*command:[ \t]*", candidate)
            if candidate_indent == indent and command:
                offset = offsets[other] + command.end()
                found = _command(offset, _block_list_tokens(text, offset, indent), urls)
                if found is not None:
                    commands.append(found)
                break
    return commands


def _block_list_tokens(text: str, offset: int, indent: int) -> list[tuple[int, int, str]]:
    """Words of a compose `command:`: inline, a flow list `[...]` over several lines, a folded or
    literal block (`>`, `|`), or a block list (`- item`)."""
    line_end = text.find("\n", offset)
    line_end = len(text) if line_end < 0 else line_end
    value = text[offset:line_end].strip()
    if value.startswith("["):
        close = text.find("]", offset)
        return _tokens_after(text, offset, close if close >= 0 else len(text))
    if value and value[0] not in ">|":
        return _tokens_after(text, offset)
    tokens: list[tuple[int, int, str]] = []
    position = line_end + 1
    while 0 < position < len(text):
        item = _BLOCK_LINE.match(text, position)
        if item is None or len(item.group(1)) <= indent and not item.group(2):
            break
        if len(item.group(1)) < indent:
            break
        tokens += _tokens_after(text, item.end())
        following = text.find("\n", position)
        position = following + 1 if following >= 0 else len(text)
    return tokens


# A line of a block list (`  - -path=/m`) or of a folded block (`  -path=/m`); group 2 is the dash.
_BLOCK_LINE = re.compile(r"([ \t]*)(-[ \t]+|-$)?(?=\S)", re.MULTILINE)
