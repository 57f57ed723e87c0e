"""Configuration: `[tool.safemig-lint]` in pyproject.toml or a `.safemig-lint.toml`, then CLI flags."""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import field, fields, replace
from functools import cache, cached_property
from pathlib import Path

from safemig_lint import values
from safemig_lint.diagnostics import Severity
from safemig_lint.patterns import lazy
from safemig_lint.reading.source import DEFAULT_MAX_FILE_BYTES, READ_BACK_LIMIT, read_regular

CONFIG_FILE = ".safemig-lint.toml"
FAIL_ON_CHOICES = ("error", "warning", "info", "never")
IDEMPOTENCY_CHOICES = ("auto", "strict")  # strict: SM301-SM303 whatever golang-migrate's transactions
# Larger files are not migrations; a limit far above it would only be a way to exhaust memory.
MAX_FILE_BYTES_LIMIT = 1 << 30
# A version's parts: ASCII digits only (str.isdigit also takes "²", which int() rejects), and few of them.
_NUMBER = lazy(r"[0-9]{1,6}")

# golang-migrate's database drivers (the URL schemes its database/* packages register), each with the
# `x-` URL options it reads (golang-migrate v4). Other URL options belong to the database's own client
# (sslmode, parseTime ...) and are not checked.
_TABLE = ("x-migrations-table",)
_POSTGRES = (*_TABLE, "x-migrations-table-quoted", "x-statement-timeout", "x-multi-statement", "x-multi-statement-max-size")
_COCKROACH = (*_TABLE, "x-lock-table", "x-force-lock")
_SQLITE = (*_TABLE, "x-no-tx-wrap")
DRIVER_OPTIONS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("postgres", "postgresql"), _POSTGRES),
    **dict.fromkeys(("pgx", "pgx4", "pgx5"), (*_POSTGRES, "x-lock-strategy", "x-lock-table")),
    "redshift": _TABLE,
    **dict.fromkeys(("cockroachdb", "cockroach", "crdb-postgres"), _COCKROACH),
    **dict.fromkeys(("yugabytedb", "yugabyte", "ysql"), (*_COCKROACH, "x-max-retries", "x-max-retry-interval", "x-max-retry-elapsed-time")),
    "mysql": (*_TABLE, "x-no-lock", "x-statement-timeout", "x-tls-ca", "x-tls-cert", "x-tls-key", "x-tls-insecure-skip-verify"),
    **dict.fromkeys(("sqlite3", "sqlite", "sqlcipher"), _SQLITE),
    "sqlserver": _TABLE,
    "clickhouse": (*_TABLE, "x-migrations-table-engine", "x-cluster-name", "x-multi-statement", "x-multi-statement-max-size"),
    "cassandra": (*_TABLE, "x-multi-statement", "x-multi-statement-max-size"),
    "spanner": (*_TABLE, "x-clean-statements"),
    **dict.fromkeys(("firebird", "firebirdsql"), _TABLE),
    "snowflake": _TABLE,
    "ql": _TABLE,
    "rqlite": (*_TABLE, "x-connect-insecure"),
    "neo4j": ("x-multi-statement", "x-multi-statement-max-size", "x-tls-encrypted"),
    **dict.fromkeys(
        ("mongodb", "mongodb+srv"),
        (
            "x-migrations-collection",
            "x-transaction-mode",
            "x-advisory-locking",
            "x-advisory-lock-collection",
            "x-advisory-lock-timeout",
            "x-advisory-lock-timeout-interval",
        ),
    ),
}


class ConfigError(Exception):
    """A configuration or usage mistake: reported plainly, exit code 2."""


@values.value(unsafe_hash=True)
class Config:
    """The settings of a run or of a migration folder: the defaults, a configuration file's and the flags'."""

    dialect: str = "postgres"
    select: tuple[str, ...] = ("SM",)
    ignore: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    fail_on: str = "warning"
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    cache: bool = True  # keep what linting found in the content cache (cache.py)
    cache_dir: str = ""  # relative to the configuration file; default .safemig-lint-cache beside it
    driver: str | None = None  # golang-migrate's database driver; None: the dialect's usual one
    driver_options: dict[str, str] = field(default_factory=dict)  # golang-migrate URL options (x-multi-statement ...)
    idempotency: str = "auto"
    postgres_version: int | None = None  # the PostgreSQL server's major version, when it matters
    # The other servers' versions, for version-dependent lock rules (SM5xx); None: the
    # documented default (analysis/locks.py).
    mysql_version: tuple[int, ...] | None = None
    sqlite_version: tuple[int, ...] | None = None
    small_tables: tuple[str, ...] = ()  # lock findings on these tables are only info
    invocations: bool = True  # also read Makefiles, CI files, compose files ... that run golang-migrate
    source: Path | None = None  # the file the settings came from

    @cached_property
    def cache_key(self) -> str:
        """These settings as the content cache keys what they produce: every field but the file
        they came from. Worked out once: a run over a folder per release asks it of each."""
        return repr(replace(self, source=None))

    def is_enabled(self, code: str) -> bool:
        """The most specific matching prefix decides; on a tie, ignore wins (as in ruff)."""
        best_select = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        best_ignore = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        return best_select > best_ignore

    def severity_for(self, code: str, default: Severity) -> Severity:
        """A configured override for `code`, the most specific prefix winning."""
        matches = [prefix for prefix in self.severity if code.startswith(prefix)]
        return self.severity[max(matches, key=len)] if matches else default


_KEYS = {f.name.replace("_", "-") for f in fields(Config)} - {"source"}


def find_config_file(start: Path, known: dict[Path, Path | None] | None = None) -> Path | None:
    """Walk up from `start` to the first .safemig-lint.toml, or pyproject.toml with our table.
    `known`: the answers of earlier walks by folder, read and added to (a run over many
    migration folders of one project walks up their common part once)."""
    directory = Path(os.path.realpath(start))  # unlike Path.resolve, never raises on a symlink loop
    if directory.is_file() or not directory.exists():
        directory = directory.parent
    walked: list[Path] = []
    found = None
    for folder in itertools.chain((directory,), directory.parents):  # lazily: most walks stop at a known folder
        if known is not None and folder in known:
            found = known[folder]
            break
        walked.append(folder)
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            found = candidate
            break
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and "safemig-lint" in _tool_tables(pyproject):
            found = pyproject
            break
    if known is not None:
        known.update(dict.fromkeys(walked, found))
    return found


def _read_toml(path: Path) -> dict:
    # Imported here: a run with no configuration file found reads no TOML.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        return tomllib.loads(read_regular(path, READ_BACK_LIMIT).decode("utf-8"))
    except (OSError, UnicodeDecodeError, RecursionError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read configuration: {error}") from error


def _tool_tables(pyproject: Path) -> dict:
    """pyproject.toml's [tool] table; `tool = "..."` is a mistake worth saying, not a crash."""
    tool = _read_toml(pyproject).get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{pyproject}: `tool` must be a table ([tool.safemig-lint] ...), not {type(tool).__name__}")
    return tool


def load_config(path: Path | None, known_codes: list[str], run_dialect: str | None = None) -> Config:
    """`run_dialect`: the dialect the command line sets, which wins over the file's: the driver options are
    judged against the driver of that dialect."""
    if path is None:
        return Config()
    table = _tool_tables(path).get("safemig-lint", {}) if path.name == "pyproject.toml" else _read_toml(path)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.safemig-lint] must be a table of settings, not {type(table).__name__}")
    try:
        return apply_settings(Config(source=path), table, known_codes, where=str(path), run_dialect=run_dialect)
    except ConfigError as error:
        raise ConfigError(_with_line(str(error), path, table, known_codes)) from None


def _did_you_mean(unknown: set[str], known: Iterable[str] = _KEYS) -> str:
    import difflib

    known = list(known)
    guesses = {key: close[0] for key in sorted(unknown) if (close := difflib.get_close_matches(key, known, n=1))}
    if len(unknown) == 1 and guesses:
        return f" (did you mean {next(iter(guesses.values()))!r}?)"
    return f" (did you mean {', '.join(f'{v!r} for {k!r}' for k, v in guesses.items())}?)" if guesses else ""


def _with_line(message: str, path: Path, table: dict, known_codes: list[str]) -> str:
    """`file: msg` -> `file:LINE: msg`, at the line of the first setting that is wrong on its own."""
    for key in table:
        try:
            apply_settings(Config(), {key: table[key]}, known_codes, where=str(path))
        except ConfigError:
            line = _line_of(path, _wrong_entry(table, key, known_codes, path) or key) or _line_of(path, key)
            if line:
                return message.replace(f"{path}:", f"{path}:{line}:", 1)
            break
    return message


def _wrong_entry(table: dict, key: str, known_codes: list[str], path: Path) -> str | None:
    """In a table setting (`[severity]`), the entry that is wrong on its own."""
    if not isinstance(table[key], dict):
        return None
    for entry, value in table[key].items():
        try:
            apply_settings(Config(), {key: {entry: value}}, known_codes, where=str(path))
        except ConfigError:
            return entry
    return None


def _line_of(path: Path, key: str) -> int | None:
    """The line that sets `key` (`key = ...`, or a `[...key]` table header)."""
    pattern = re.compile(rf"""^\s*(["']?{re.escape(key)}["']?\s*=|\[[^\]]*\b{re.escape(key)}["']?\s*\])""")
    try:
        lines = read_regular(path, READ_BACK_LIMIT).decode("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return next((number for number, line in enumerate(lines, 1) if pattern.match(line)), None)


class ConfigResolver:
    """Settings for each linted directory: its nearest config file, then the CLI flags on top.

    With an explicit --config file, that file applies everywhere.
    """

    def __init__(self, flags: dict, known_codes: list[str], explicit: Path | None = None) -> None:
        if explicit is not None and not explicit.is_file():
            raise ConfigError(f"--config {explicit}: no such file")
        self._flags = flags
        self._known = known_codes
        self._explicit = explicit
        self._loaded: dict[Path | None, Config] = {}
        self._found: dict[Path, Path | None] = {}  # folder -> its configuration file, as walked up to

    def for_path(self, path: Path) -> Config:
        source = self._explicit or find_config_file(path, self._found)
        if source not in self._loaded:
            dialect = self._flags.get("dialect")
            config = load_config(source, self._known, validate_dialect(dialect, "command line") if dialect else None)
            self._loaded[source] = apply_settings(config, self._flags, self._known, where="command line")
        return self._loaded[source]


def apply_settings(config: Config, settings: dict, known_codes: list[str], where: str, run_dialect: str | None = None) -> Config:
    """Validate settings (TOML keys, or CLI flags spelled the same) and lay them over `config`; `run_dialect`,
    when the command line sets one, is the dialect the settings will run with."""
    unknown = set(settings) - _KEYS
    if unknown:
        raise ConfigError(
            f"{where}: unknown setting(s) {', '.join(sorted(unknown))}{_did_you_mean(unknown)}; known: {', '.join(sorted(_KEYS))}"
        )
    changes: dict = {}
    if "dialect" in settings:
        changes["dialect"] = validate_dialect(settings["dialect"], where)
    for key in ("select", "ignore", "exclude"):
        if key in settings:
            values = _string_list(settings[key], key, where)
            if key != "exclude":
                values = [_validate_code(v, known_codes, where) for v in values]
            changes[key] = tuple(values)
    if "severity" in settings:
        if not isinstance(settings["severity"], dict):
            raise ConfigError(f'{where}: severity must be a table of CODE = "error" | "warning" | "info"')
        severity = dict(config.severity)
        for code, level in settings["severity"].items():
            severity[_validate_code(code, known_codes, where)] = _severity(level, where)
        changes["severity"] = severity
    if "fail-on" in settings:
        if settings["fail-on"] not in FAIL_ON_CHOICES:
            raise ConfigError(f"{where}: fail-on must be one of {', '.join(FAIL_ON_CHOICES)}")
        changes["fail_on"] = settings["fail-on"]
    if "max-file-bytes" in settings:
        value = settings["max-file-bytes"]
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_FILE_BYTES_LIMIT:
            raise ConfigError(f"{where}: max-file-bytes must be a positive integer of at most {MAX_FILE_BYTES_LIMIT:,} (1 GiB)")
        changes["max_file_bytes"] = value
    if "cache" in settings:
        changes["cache"] = _boolean(settings, "cache", where)
    if "cache-dir" in settings:
        value = settings["cache-dir"]
        if not isinstance(value, str) or not value or "\0" in value:
            raise ConfigError(f"{where}: cache-dir must be a directory path")
        # A configuration comes with the repository: it may not make the tool write outside it.
        if os.path.isabs(value) or value.startswith("~") or ".." in Path(value).parts:
            raise ConfigError(f"{where}: cache-dir must be a relative path inside the project (no `..`), got {value!r}")
        changes["cache_dir"] = settings["cache-dir"]
    changes.update(_execution_settings(settings, where, config, run_dialect or changes.get("dialect", config.dialect)))
    for key in ("mysql-version", "sqlite-version"):
        if key in settings:
            changes[key.replace("-", "_")] = _version(settings[key], key, where, "8.0.29" if key.startswith("mysql") else "3.35.0")
    if "small-tables" in settings:
        changes["small_tables"] = tuple(_string_list(settings["small-tables"], "small-tables", where))
    if "invocations" in settings:
        changes["invocations"] = _boolean(settings, "invocations", where)
    return replace(config, **changes)


def _execution_settings(settings: dict, where: str, config: Config, dialect: str) -> dict:
    """driver, driver-options, idempotency and postgres-version: how golang-migrate runs the files."""
    changes: dict = {}
    if "driver" in settings:
        driver = settings["driver"].strip().lower() if isinstance(settings["driver"], str) else ""
        if driver not in DRIVER_OPTIONS:
            raise ConfigError(
                f"{where}: unknown driver {settings['driver']!r}{_did_you_mean({driver}, DRIVER_OPTIONS) if driver else ''}; "
                f"golang-migrate's drivers are {', '.join(sorted(DRIVER_OPTIONS))}"
            )
        changes["driver"] = driver
    if "driver-options" in settings:
        options = settings["driver-options"]
        if isinstance(options, str):  # a URL's query string: "x-multi-statement=true&sslmode=disable"
            options = dict(pair.partition("=")[::2] for pair in options.lstrip("?").split("&") if pair)
        if not isinstance(options, dict) or not all(isinstance(v, (str, bool, int)) for v in options.values()):
            raise ConfigError(f"{where}: driver-options must be a table of golang-migrate URL options, e.g. {{ x-multi-statement = true }}")
        options = {str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in options.items()}
        from safemig_lint.analysis.execution import MULTI_STATEMENT, NO_TX_WRAP, default_driver, parse_go_bool

        driver = changes.get("driver") or config.driver or default_driver(dialect)
        known = DRIVER_OPTIONS.get(driver, ())
        # `x-` options are golang-migrate's own: a misspelt one is silently ignored by it, and changes the model here.
        unknown = {name for name in options if name.lower().startswith("x-") and name not in known}
        if unknown:
            raise ConfigError(
                f"{where}: driver-options: golang-migrate's {driver} driver has no option {', '.join(sorted(unknown))}"
                f"{_did_you_mean(unknown, known)}; its options are {', '.join(known) or 'none'}"
            )
        for name in (MULTI_STATEMENT, NO_TX_WRAP):
            try:
                parse_go_bool(options.get(name, "false"))
            except ValueError as error:
                raise ConfigError(f"{where}: driver-options {name}: {error}") from None
        changes["driver_options"] = options
    if "idempotency" in settings:
        if settings["idempotency"] not in IDEMPOTENCY_CHOICES:
            raise ConfigError(f"{where}: idempotency must be one of {', '.join(IDEMPOTENCY_CHOICES)}")
        changes["idempotency"] = settings["idempotency"]
    if "postgres-version" in settings:
        version = settings["postgres-version"]
        if isinstance(version, str) and _NUMBER.fullmatch(version.split(".")[0]):
            version = int(version.split(".")[0])
        if not isinstance(version, int) or isinstance(version, bool) or not 9 <= version <= 99:
            raise ConfigError(f"{where}: postgres-version must be a major version number such as 16")
        changes["postgres_version"] = version
    return changes


def _version(value: object, key: str, where: str, example: str) -> tuple[int, ...]:
    """A server version, `16` or `"8.0.29"`, as a tuple of numbers."""
    text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    parts = text.split(".")
    if not text or len(parts) > 3 or not all(_NUMBER.fullmatch(p) for p in parts):
        raise ConfigError(f"{where}: {key} must be a version number such as {example!r}, got {value!r}")
    return tuple(int(p) for p in parts)


def _boolean(settings: dict, key: str, where: str) -> bool:
    if not isinstance(settings[key], bool):
        raise ConfigError(f"{where}: {key} must be true or false")
    return settings[key]


def validate_dialect(name: object, where: str) -> str:
    from safemig_lint.dialects import ALIASES, FIRST_CLASS

    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: dialect must be a name such as postgres, mysql or sqlite")
    wanted = name.lower()
    wanted = ALIASES.get(wanted, wanted)
    if wanted in _bundled_dialects():
        return wanted
    from sqlglot.dialects.dialect import Dialects

    # Only a plain dialect name: sqlglot would also take `postgres, setting=value` strings,
    # and the rules compare the name itself (an unknown spelling silently turns some off).
    known = sorted(d.value for d in Dialects if d.value)
    if wanted in known:
        return wanted
    import difflib

    # The closest name, the first-class dialects and their aliases first: `postgress` is postgres.
    close = difflib.get_close_matches(wanted, [*FIRST_CLASS, *ALIASES], n=1, cutoff=0.6) or difflib.get_close_matches(wanted, known, n=1)
    guess = f" (did you mean {ALIASES.get(close[0], close[0])!r}?)" if close else ""
    others = [d for d in known if d not in FIRST_CLASS]
    raise ConfigError(
        f"{where}: unknown dialect {name!r}{guess}; choose from {', '.join(FIRST_CLASS)} (every rule knows these), "
        f"or another of sqlglot's: {', '.join(others)}"
    )


@cache
def _bundled_dialects() -> frozenset[str]:
    """The dialects sqlglot ships (one module each), found without importing sqlglot: a run
    answered from the cache never needs it."""
    spec = importlib.util.find_spec("sqlglot")
    folders = [Path(p) / "dialects" for p in (spec.submodule_search_locations or [])] if spec else []
    return frozenset(p.stem for folder in folders for p in folder.glob("*.py") if not p.stem.startswith("_") and p.stem != "dialect")


def _string_list(value: object, key: str, where: str) -> list[str]:
    if isinstance(value, str):  # `ignore = "SM303"` is a mistake, not a list of one: say so
        raise ConfigError(f"{where}: {key} must be a list of strings, e.g. {key} = [{json.dumps(value)}]")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of strings")
    return [v.strip() for v in value]


def _validate_code(value: str, known_codes: list[str], where: str) -> str:
    code = value.strip().upper()
    if not any(known.startswith(code) for known in known_codes) or not code.startswith("SM"):
        raise ConfigError(f"{where}: {value!r} is not a rule code or prefix (see `safemig-lint rules`)")
    return code


def _severity(level: object, where: str) -> Severity:
    try:
        return Severity(str(level).lower())
    except ValueError:
        raise ConfigError(f"{where}: severity {level!r} must be error, warning or info") from None
