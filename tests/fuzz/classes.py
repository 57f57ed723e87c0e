"""One generator per class of hostile input that broke the tool (issue 24), and what each must keep.

Each class is a hypothesis strategy and a check, cheap enough to run thousands of times:

- statements: odd statement shapes (a DELETE of no table, keywords where names go) in every
  dialect: no internal error (SM000), exit 0 or 1.
- settings: configuration values of every key (Unicode digits, huge numbers, NUL, paths out of
  the project, wrong types): a configuration error (exit 2) or a run, never a crash.
- read-back files: the sum file, the baseline, the configuration and cache entries as FIFOs,
  links to /dev/zero, deep JSON, huge numbers: the run ends (within HANG seconds) without a crash.
- cache: a run with a poisoned cache (entries rewritten, re-signed or not, bytes flipped,
  replaced by specials) gives exactly the output of --no-cache.
- secrets: a secret written in a random form and place (literals, comments, bodies, suppression
  reasons, concatenations) is in no output of any format, nor the cache, sum file or baseline.
- controls: file names and SQL with control bytes: no raw control byte and no forged line in the
  text, GitHub and Markdown reports, the schema or the diff.

Every check records the slowest case; a case slower than HANG seconds fails as a hang.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import tempfile
import threading
import time
from pathlib import Path

from hypothesis import strategies as st
from secret_forms import FORMS, SECRET, cache_on
from typer.testing import CliRunner

from safemig_lint import cache as cache_module
from safemig_lint.cli import app

HANG = 10.0  # seconds: a case slower than this is a hang
DIALECTS = ("postgres", "mysql", "sqlite")
runner = CliRunner()
slowest: dict[str, float] = {}
cases_run: dict[str, int] = {}  # runs of the checked action, by class (a case may make several)


def timed(kind: str, action):
    """Run `action` in a thread: a hang fails the case instead of stopping the campaign."""
    outcome: list = []
    failure: list = []

    def run():
        try:
            outcome.append(action())
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread
            failure.append(error)

    started = time.monotonic()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(HANG * 3)
    took = time.monotonic() - started
    slowest[kind] = max(slowest.get(kind, 0.0), took)
    cases_run[kind] = cases_run.get(kind, 0) + 1
    assert not worker.is_alive() and took < HANG, f"{kind}: a case took {took:.1f} s (a hang)"
    if failure:
        raise failure[0]
    return outcome[0]


def invoke(args: list[str], cwd: Path) -> tuple[int, str]:
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(app, args)
    finally:
        os.chdir(previous)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args}: {type(result.exception).__name__}: {result.exception}")
    assert "Traceback" not in result.output and "internal error" not in result.output.lower(), f"{args}: {result.output[-1500:]}"
    return result.exit_code, result.output


@contextlib.contextmanager
def project(files: dict[str, str | bytes]):
    with tempfile.TemporaryDirectory(prefix="safemig-fuzz-") as temporary:
        # One level down, so that what lies beside the project (check_settings looks there) is this run's own.
        root = Path(temporary) / "project"
        root.mkdir()
        (root / ".git").mkdir()
        folder = root / "m"
        folder.mkdir()
        for name, content in files.items():
            target = folder / name
            target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
        yield root


# --- statements -----------------------------------------------------------------------------

_VERBS = ["DELETE", "DELETE FROM", "UPDATE", "INSERT INTO", "TRUNCATE", "DROP TABLE", "DROP INDEX", "ALTER TABLE", "DROP COLUMN"]
_VERBS += ["CREATE INDEX ON", "GRANT ALL ON", "REINDEX", "COPY", "VACUUM", "COMMENT ON", "SET", "REVOKE ALL ON", "MERGE INTO"]
_TARGETS = ["x", "NULL", "TRUE", "FALSE", "SET x", "1", "'s'", "*", "()", "(SELECT 1)", "x.y.z", '""', "$1", "?", "DEFAULT"]
_TARGETS += ["ONLY x", "x AS y", "x, y", "IF EXISTS", "", "x WHERE", "x SET", "x USING y", "-- c\n", "{{ .T }}", "LATERAL x"]
_TAILS = ["", " WHERE", " WHERE 1", " SET a = 1", " RETURNING *", " CASCADE", " ADD COLUMN", " RENAME TO", " TO x", " (a)", " ,"]


@st.composite
def statement_cases(draw) -> tuple[str, str]:
    statements = draw(
        st.lists(st.tuples(st.sampled_from(_VERBS), st.sampled_from(_TARGETS), st.sampled_from(_TAILS)), min_size=1, max_size=4)
    )
    sql = "".join(f"{verb} {target}{tail};\n" for verb, target, tail in statements)
    return sql, draw(st.sampled_from(DIALECTS))


def check_statements(case: tuple[str, str]) -> None:
    sql, dialect = case
    with project({"1_a.up.sql": sql, "1_a.down.sql": sql}) as root:
        code, output = timed("statements", lambda: invoke(["check", "m", "-d", dialect, "--format", "json", "--no-cache"], root))
    assert code in (0, 1), output[-1500:]
    assert not [d for d in json.loads(output)["diagnostics"] if d["code"] == "SM000"], output[-1500:]


# --- settings -------------------------------------------------------------------------------

_NUMBERS = st.one_of(st.integers(-(2**63), 2**63 - 1), st.sampled_from([0, 1, 16, 10**14, 2**63 - 1, -1]))
_ODD_TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["²", "1²", "٣", "8.0.²", "16", "8.0.29", "3.45.0", "1.2.3.4", "", " ", "\x00", "../elsewhere", "/", "~/x", "a/../../b"]
    ),
)
_VALUES = st.one_of(_NUMBERS, _ODD_TEXT, st.booleans(), st.lists(_ODD_TEXT, max_size=3), st.dictionaries(_ODD_TEXT, _ODD_TEXT, max_size=2))
_KEYS = ["dialect", "select", "ignore", "severity", "exclude", "fail-on", "max-file-bytes", "cache", "cache-dir", "driver"]
_KEYS += ["driver-options", "idempotency", "postgres-version", "mysql-version", "sqlite-version", "small-tables", "invocations"]


@st.composite
def setting_cases(draw) -> dict:
    keys = draw(st.lists(st.one_of(st.sampled_from(_KEYS), st.text(min_size=1, max_size=8)), min_size=1, max_size=3, unique=True))
    return {key: draw(_VALUES) for key in keys}


def _toml(settings: dict) -> str:
    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(i) for i in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{json.dumps(k)} = {value(i)}" for k, i in v.items()) + "}"
        return json.dumps(v)

    return "".join(f"{json.dumps(key)} = {value(v)}\n" for key, v in settings.items())


def check_settings(settings: dict) -> None:
    with project({"1_a.up.sql": "DROP TABLE t;\n", "1_a.down.sql": "SELECT 1;\n"}) as root:
        (root / ".safemig-lint.toml").write_text(_toml(settings), encoding="utf-8", errors="surrogatepass")
        with cache_on():
            code, output = timed("settings", lambda: invoke(["check", "m"], root))
        assert code in (0, 1, 2), output[-1500:]
        outside = [p for p in root.parent.iterdir() if p.name in ("elsewhere", "b")]
        assert not outside, f"the configuration made the tool write outside the project: {outside}"


# --- read-back files ------------------------------------------------------------------------

_SPECIALS = ["fifo", "dev-zero", "dev-null", "deep-json", "huge-number", "garbage", "directory", "dangling"]


_READ_BACK = ["safemig.sum", "safemig-baseline.json", ".safemig-lint.toml", "cache-entry"]


@st.composite
def read_back_cases(draw) -> tuple[str, str, list[tuple[int, int, bytes]]]:
    """A file the tool reads back, made special, or written by the tool and then mutated."""
    kind = draw(st.sampled_from([*_SPECIALS, "mutated", "mutated", "mutated"]))
    mutations = draw(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 64), st.binary(max_size=16)), max_size=6))
    return draw(st.sampled_from(_READ_BACK)), kind, mutations


def _make_special(path: Path, kind: str) -> None:
    path.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "dev-null":
        path.symlink_to("/dev/null")
    elif kind == "deep-json":
        path.write_text("[" * 200_000 + "]" * 200_000)
    elif kind == "huge-number":
        path.write_text('{"key": 1e999, "format": "safemig-lint-baseline", "version": 1e999, "findings": [1e999]}')
    elif kind == "garbage":
        path.write_bytes(bytes(random.Random(len(str(path))).randrange(256) for _ in range(4096)))
    elif kind == "directory":
        path.mkdir()
    else:
        path.symlink_to(path.parent / "nowhere")


def _mutate_bytes(path: Path, mutations: list[tuple[int, int, bytes]]) -> None:
    data = path.read_bytes()
    for position, cut, inserted in mutations:
        position %= len(data) + 1
        data = data[:position] + inserted + data[position + cut :]
    path.write_bytes(data)


def check_read_back(case: tuple[str, str, list]) -> None:
    which, kind, mutations = case
    files = {
        "1_a.up.sql": "DROP TABLE t;\n",
        "1_a.down.sql": "SELECT 1;\n",
        "2_b.up.sql": "DELETE FROM t;\n",
        "2_b.down.sql": "SELECT 1;\n",
    }
    with project(files) as root, cache_on():
        # Each file as the tool writes it, then made special or mutated.
        (root / ".safemig-lint.toml").write_text('dialect = "postgres"\nignore = ["SM511"]\n[severity]\nSM101 = "info"\n')
        invoke(["lock", "m"], root)
        invoke(["baseline", "m"], root)
        invoke(["check", "m"], root)
        if which == "cache-entry":
            targets = list((root / ".safemig-lint-cache").rglob("*.json"))
        else:
            targets = [(root if which.endswith(".toml") else root / "m") / which]
        for target in targets:
            if kind == "mutated":
                _mutate_bytes(target, mutations)
            else:
                _make_special(target, kind)
        code, _ = timed("read-back", lambda: invoke(["check", "m"], root))
        assert code in (0, 1, 2)


# --- cache ----------------------------------------------------------------------------------


@st.composite
def cache_cases(draw) -> tuple[str, str, int, str]:
    sql = draw(st.sampled_from(sorted(FORMS.values()))).replace("{S}", SECRET) + "\n" + draw(st.sampled_from(_CACHE_SQL))
    how = draw(
        st.sampled_from(["flip", "truncate", "clean", "resign-clean", "resign-path", "resign-span", "resign-mask", "swap", "special"])
    )
    return sql, draw(st.sampled_from(DIALECTS)), draw(st.integers(0, 2**31)), how


_CACHE_SQL = [
    "DROP TABLE t;\nALTER TABLE u ADD COLUMN c int NOT NULL;\n",
    "CREATE TABLE IF NOT EXISTS t (id int);\nCREATE INDEX i ON t (id);\n",
    "DELETE FROM t;\n-- safemig-lint: ignore SM101 ok\nDROP TABLE x;\n",
]


def _sign(path: Path, data: dict) -> None:
    body = json.dumps(data).encode()
    path.write_bytes(cache_module._MAGIC + cache_module._mac(cache_module._signing_key(), body) + b"\n" + body)


def _poison(entry: Path, how: str, seed: int) -> None:
    rng = random.Random(seed)
    data = entry.read_bytes()
    if how == "flip":
        position = rng.randrange(len(data))
        entry.write_bytes(data[:position] + bytes([data[position] ^ (1 << rng.randrange(8))]) + data[position + 1 :])
    elif how == "truncate":
        entry.write_bytes(data[: rng.randrange(len(data))])
    elif how == "special":
        _make_special(entry, rng.choice(_SPECIALS))
    elif how == "swap":
        entry.write_bytes(data.replace(b"SM", b"SX", 1))
    else:
        body = json.loads(data.split(b"\n", 2)[2])
        if "diagnostics" not in body:  # a file's ops: rewritten without a signature
            entry.write_text(json.dumps({"key": body["key"], "value": {"unreadable": False, "statements": []}}))
            return
        if how == "clean":
            entry.write_text(json.dumps({**body, "diagnostics": {}}))
            return
        found = [d for items in body["diagnostics"].values() for d in items]
        if how == "resign-clean" or not found:
            _sign(entry, {**body, "diagnostics": {}})  # a signed lie cannot be told apart: not a poisoning (see below)
            return
        name = next(n for n, items in body["diagnostics"].items() if items)
        first = body["diagnostics"][name][0]
        if how == "resign-path":
            first[3] = rng.choice(["/etc/passwd", "../x.sql", "m/other.sql", ""])
            first[9] = [[0, 0, "x"]]
        elif how == "resign-span":
            first[4] = [rng.randrange(2, 10**6), 1, 10**6, 1]
        else:
            body["masks"][name] = [[0, 10**9]]
        _sign(entry, body)


def check_cache(case: tuple[str, str, int, str]) -> None:
    sql, dialect, seed, how = case
    files = {"1_a.up.sql": sql, "1_a.down.sql": "SELECT 1;\n", "2_b.up.sql": sql, "2_b.down.sql": sql}
    with project(files) as root, cache_on():
        expected = invoke(["check", "m", "-d", dialect, "--no-cache"], root)
        assert invoke(["check", "m", "-d", dialect], root) == expected  # cold
        invoke(["check", "m/1_a.up.sql", "-d", dialect], root)  # a partial run: ops of the other files
        entries = sorted((root / ".safemig-lint-cache").rglob("*.json"))
        for entry in entries:
            if entry.is_file():
                _poison(entry, how, seed)
        if how == "resign-clean":
            # Only safemig-lint holds the key: an entry it signed is what it computed. The run
            # must still not crash; the other ways of poisoning must not change a byte.
            timed("cache", lambda: invoke(["check", "m", "-d", dialect], root))
            return
        poisoned = timed("cache", lambda: invoke(["check", "m", "-d", dialect], root))
        assert poisoned == expected, f"{how}: poisoned cache output differs from --no-cache"
        assert SECRET not in "".join(p.read_text(errors="replace") for p in (root / ".safemig-lint-cache").rglob("*.json") if p.is_file())


# --- secrets --------------------------------------------------------------------------------

_PLACES = [
    "{F}\n",
    "-- {F}\nDROP TABLE p;\n",
    "/* {F} */\nDROP TABLE p;\n",
    "DROP TABLE p; -- safemig-lint: ignore SM101 {F}\n",
    "CREATE FUNCTION f() RETURNS int AS $$ BEGIN -- {F}\n RETURN 1; END $$ LANGUAGE plpgsql;\nDROP TABLE p;\n",
    "DO $$ BEGIN /* {F} */ NULL; END $$;\nDROP TABLE p;\n",
]
_SECRET_PIECES = [
    "postgres://admin:{S}@db/app",
    "redis://:{S}@cache:6379",
    "mysql://me@corp.example:{S}@db/app",
    "app:{S}@tcp(db:3306)/app",
    "jdbc:oracle:thin:scott/{S}@db:1521/ORCL",
    "password={S}",
    "password='{S}'",
    "PGPASSWORD={S} migrate up",
    "sqlserver://sa@db?password={S}",
    "aws_secret_access_key={S}",
    "mysql -uroot -p{S} app",
    "password: {S}",
    "postgres://u:'{S}'@h/db",
]


@st.composite
def secret_cases(draw) -> tuple[str, str, str]:
    if draw(st.booleans()):
        form = draw(st.sampled_from(sorted(FORMS.values())))
    else:
        form = draw(st.sampled_from(_SECRET_PIECES))
        if draw(st.booleans()):
            form = f"INSERT INTO s (v) VALUES ('{form.replace(chr(39), chr(39) * 2)}');"
    sql = draw(st.sampled_from(_PLACES)).replace("{F}", form).replace("{S}", SECRET)
    return sql, draw(st.sampled_from(DIALECTS)), draw(st.sampled_from(["up", "down"]))


def check_secrets(case: tuple[str, str, str]) -> None:
    sql, dialect, where = case
    files = {"1_a.up.sql": sql if where == "up" else "SELECT 1;\n", "1_a.down.sql": sql if where == "down" else "SELECT 1;\n"}
    files |= {"2_b.up.sql": "DROP TABLE q;\n", "2_b.down.sql": "SELECT 1;\n"}
    with project(files) as root, cache_on():
        outputs = []
        for format in ("text", "json", "sarif", "github", "markdown"):
            outputs.append(timed("secrets", lambda format=format: invoke(["check", "m", "-d", dialect, "--format", format], root))[1])
        for command in (["schema", "m", "-d", dialect], ["diff", "m", "-d", dialect, "--from", "0", "--to", "2"]):
            outputs.append(invoke(command, root)[1])
        invoke(["baseline", "m", "-d", dialect], root)
        invoke(["lock", "m"], root)
        written = [p for p in root.rglob("*") if p.is_file() and p.suffix in (".json", ".sum") and ".git" not in p.parts]
        outputs += [p.read_text(encoding="utf-8", errors="replace") for p in written]
    leaks = [i for i, output in enumerate(outputs) if SECRET in output]
    assert not leaks, f"the planted secret is in output {leaks}: {sql!r} ({dialect})"


# --- control bytes --------------------------------------------------------------------------

_CONTROLS = ["\n", "\r", "\x1b[31m", "\x1b]0;t\x07", "\x9b2J", "\u202e", "\t", "\x0b", "\u2028", "\x7f", "\x85"]
FORGED = "1:1: SM000 [error] forged"


@st.composite
def control_cases(draw) -> tuple[str, str, str]:
    pieces = draw(st.lists(st.sampled_from([*_CONTROLS, FORGED, "x", "_"]), min_size=1, max_size=5))
    title = "".join(pieces).replace("/", "_")
    name = draw(st.sampled_from([f"000002_{title}.up.sql", f"{title}.sql", f"000002_a.up{title}.sql"]))
    inner = "".join(draw(st.lists(st.sampled_from([*_CONTROLS, FORGED, "a"]), min_size=1, max_size=4)))
    sql = draw(st.sampled_from([f'CREATE TABLE "{inner}" (id int);\nDROP TABLE "{inner}";\n', f"DROP TABLE t; -- {inner}\n"]))
    return name, sql, draw(st.sampled_from(DIALECTS))


def check_controls(case: tuple[str, str, str]) -> None:
    name, sql, dialect = case
    try:
        with project({"000001_x.up.sql": "SELECT 1;\n", "000001_x.down.sql": "SELECT 1;\n", "000002_a.down.sql": "SELECT 1;\n"}) as root:
            try:
                (root / "m" / name).write_text(sql, encoding="utf-8")
            except (OSError, ValueError):
                return  # a name the file system refuses
            commands = [["check", "m", "-d", dialect, "--format", f, "--no-cache"] for f in ("text", "github", "markdown")]
            commands += [["check", "m", "-d", dialect, "--diff", "--no-cache"], ["schema", "m", "-d", dialect]]
            commands += [["diff", "m", "-d", dialect, "--from", "0", "--to", "2"], ["lock", "m"]]
            for command in commands:
                output = timed("controls", lambda command=command: invoke(command, root))[1]
                raw = [c for c in ("\x1b", "\x07", "\x9b", "\u202e", "\x0b", "\u2028", "\x7f", "\x85") if c in output]
                assert not raw and "\r" not in output.replace("\r\n", ""), f"{command}: raw control bytes {raw!r}"
                forged = [line for line in output.splitlines() if line.startswith(FORGED) or line.startswith(f"::error file={FORGED}")]
                assert not forged, f"{command}: a forged line: {forged[0]!r}"
    except OSError:
        pass  # the temporary folder could not be removed (a name the platform cannot delete)
