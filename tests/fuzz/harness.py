"""The fuzzing harness: mutated fixtures and generated SQL, through every command and format.

For each case (an up/down pair, maybe with a planted secret, linted as one dialect) it checks:
every command exits 0 or 1 (schema and diff 0), no SM000, JSON and SARIF parse (SARIF against
the official schema), the planted secret is in no output, and the work done on the case
repeated 8 times is about 4 times the work on it repeated twice (steps counted, not time).

Run briefly with the suite (tests/fuzz/test_fuzz.py); for a long run see README "Fuzzing".
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st
from secret_forms import FORMS, SECRET, form
from typer.testing import CliRunner

from safemig_lint.cli import app
from safemig_lint.config import Config
from safemig_lint.engine import lint

REPO = Path(__file__).resolve().parents[2]
FIXTURE_TEXTS = sorted(path.read_text(encoding="utf-8") for path in (REPO / "fixtures").rglob("*.sql"))
DIALECTS = ("postgres", "mysql", "sqlite")
FORMATS = ("text", "json", "sarif", "github", "markdown")
LINEAR = 7  # steps on the case x8 over steps on it x2: about 4 when linear, 16 when quadratic

# Pieces that have broken parsers: quotes and comments left open, templates, nesting, bodies,
# repeated keywords, escapes, terminal control sequences, odd Unicode.
FRAGMENTS = [
    "'",
    '"',
    "`",
    "$$",
    "$tag$",
    "/*",
    "*/",
    "--",
    "#",
    ";",
    "(",
    ")",
    ",",
    "\\",
    "{{",
    "}}",
    "${a",
    "}",
    " CASE WHEN 1 THEN ",
    " END ",
    " THEN ",
    " DO '' ",
    " DO $$ BEGIN ",
    " END $$",
    " CREATE FUNCTION ",
    " OPTIONS ( ",
    " EXCEPTION ",
    " BEGIN ",
    " IF NOT EXISTS ",
    " DROP COLUMN x",
    " DROP TABLE ",
    " ALTER TABLE t ",
    " ADD VALUE 'v'",
    " CREATE DOMAIN d AS int ",
    " LANGUAGE plpgsql ",
    " EXECUTE ",
    " GRANT ALL ON t TO PUBLIC ",
    " COPY t FROM PROGRAM ",
    " -----BEGIN RSA PRIVATE KEY----- ",
    " a-a-a-a-a ",
    "://",
    "@",
    ":",
    "=",
    " password ",
    " IDENTIFIED BY ",
    "\x1b[31m",
    "\x1b]0;x\x07",
    "\u202e",
    "é",
    "😀",
    "\t",
    "\r\n",
    "\n",
    " " * 50,
    "-- safemig-lint: ignore SM101 reason\n",
    "{{ if .x }}",
    "{{ end }}",
    "{{ .Schema }}.",
]


@dataclass(frozen=True)
class Case:
    up: str
    down: str
    dialect: str
    secret: bool  # a form of SECRET was planted


def _mutate(text: str, draw) -> str:
    for _ in range(draw(st.integers(0, 6))):
        position = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "duplicate", "truncate", "swap"]))
        if kind == "insert":
            text = text[:position] + draw(st.sampled_from(FRAGMENTS)) + text[position:]
        elif kind == "delete":
            text = text[:position] + text[position + draw(st.integers(1, 40)) :]
        elif kind == "duplicate":
            end = min(len(text), position + draw(st.integers(1, 200)))
            text = text[:end] + text[position:end] * draw(st.integers(1, 5)) + text[end:]
        elif kind == "truncate":
            text = text[:position]
        elif text:
            other = draw(st.integers(0, len(text) - 1))
            first, second = sorted((position, other))
            text = text[:first] + text[second:] + text[first:second]
    return text


@st.composite
def generated_sql(draw) -> str:
    """Statements put together from fragments and fixture lines."""
    lines = [line for text in FIXTURE_TEXTS for line in text.splitlines() if line.strip()]
    pieces = draw(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.sampled_from(lines)), max_size=30))
    return "".join(pieces)


@st.composite
def cases(draw) -> Case:
    texts = []
    for _ in range(2):
        base = draw(st.one_of(st.sampled_from(FIXTURE_TEXTS), generated_sql(), st.text(max_size=200)))
        texts.append(_mutate(base, draw))
    secret = draw(st.booleans())
    if secret:
        which = draw(st.integers(0, 1))
        # At the start of the file: after a mutated text, an open quote could close on the form's
        # own quote and leave the secret as bare words, no longer a secret of any form.
        texts[which] = form(draw(st.sampled_from(list(FORMS)))) + "\n" + texts[which]
    texts = [t.replace("\x00", "") for t in texts]  # a NUL makes the file unreadable (SM008), no more
    return Case(texts[0], texts[1], draw(st.sampled_from(DIALECTS)), secret)


runner = CliRunner()


def _write(directory: Path, case: Case, repeat: int = 1) -> Path:
    (directory / "000001_a.up.sql").write_text(case.up * repeat, encoding="utf-8")
    (directory / "000001_a.down.sql").write_text(case.down * repeat, encoding="utf-8")
    (directory / "000002_b.up.sql").write_text(case.down * repeat, encoding="utf-8")
    (directory / "000002_b.down.sql").write_text(case.up * repeat, encoding="utf-8")
    return directory


def check_case(case: Case, sarif_errors=None, linearity: bool = True) -> None:
    """Run every command and format on the case and assert the harness's promises."""
    with tempfile.TemporaryDirectory(prefix="safemig-fuzz-") as temporary:
        _check_outputs(case, _write(Path(temporary), case), sarif_errors)
    if linearity:
        small, large = steps(case, 2), steps(case, 8)
        assert large / max(small, 1) < LINEAR, f"{small} steps on the case x2, {large} on x8"


def _check_outputs(case: Case, directory: Path, sarif_errors) -> None:
    outputs = {}  # what a user sees: standard output and error
    for format in FORMATS:
        outcome = runner.invoke(app, ["check", str(directory), "-d", case.dialect, "--format", format])
        assert outcome.exit_code in (0, 1), f"check --format {format} exited {outcome.exit_code}: {outcome.output[-2000:]}"
        outputs[f"check {format}"] = outcome.output
        if format == "json":
            diagnostics = json.loads(outcome.stdout)["diagnostics"]
            internal = [d["message"] for d in diagnostics if d["code"] == "SM000"]
            assert not internal, internal
        if format == "sarif":
            log = json.loads(outcome.stdout)
            if sarif_errors is not None:
                assert not sarif_errors(log), sarif_errors(log)[:5]
    for command in (
        ["schema", "--format", "sql"],
        ["schema", "--format", "json"],
        ["diff", "--from", "1", "--to", "2"],
        ["diff", "--from", "2", "--to", "1"],
    ):
        outcome = runner.invoke(app, [command[0], str(directory), "-d", case.dialect, *command[1:]])
        assert outcome.exit_code == 0, f"{' '.join(command)} exited {outcome.exit_code}: {outcome.output[-2000:]}"
        outputs[" ".join(command)] = outcome.output
        if command[-1] == "json":
            json.loads(outcome.stdout)
    if case.secret:
        for what, output in outputs.items():
            assert SECRET not in output, f"{what} shows the planted secret"


def steps(case: Case, repeat: int) -> int:
    """Function calls made linting the case's files repeated `repeat` times."""
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        count += event in ("call", "c_call")

    with tempfile.TemporaryDirectory(prefix="safemig-fuzz-") as temporary:
        directory = _write(Path(temporary), case, repeat)
        sys.setprofile(profile)
        try:
            lint([str(directory)], Config(dialect=case.dialect))
        finally:
            sys.setprofile(None)
    return count
