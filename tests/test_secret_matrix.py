"""Every way of writing a secret, in up and down files, linted as each dialect: the secret is in
no output of any command or format (masking happens once, when a file is read)."""

from __future__ import annotations

import pytest
from conftest import write_migrations
from secret_forms import FORMS, SECRET, cache_on, form
from typer.testing import CliRunner

from safemig_lint.cli import app
from safemig_lint.config import Config
from safemig_lint.engine import read_and_parse

runner = CliRunner()
DIALECTS = ("postgres", "mysql", "sqlite")
FORMATS = ("text", "json", "sarif", "github", "markdown")


def _outputs(directory, dialect: str, tmp_path) -> dict[str, tuple[int, str]]:
    outputs = {}
    for format in FORMATS:
        report = tmp_path / f"report.{format}"
        outcome = runner.invoke(
            app, ["check", str(directory), "-d", dialect, "--format", format, "--output-format", format, "--output", str(report)]
        )
        outputs[f"check --format {format}"] = (outcome.exit_code, outcome.output)
        outputs[f"check --output {format}"] = (outcome.exit_code, report.read_text(encoding="utf-8"))
    for format in ("sql", "json"):
        outcome = runner.invoke(app, ["schema", str(directory), "-d", dialect, "--format", format])
        outputs[f"schema --format {format}"] = (outcome.exit_code, outcome.output)
    for versions in (("1", "2"), ("2", "1")):
        outcome = runner.invoke(app, ["diff", str(directory), "-d", dialect, "--from", versions[0], "--to", versions[1]])
        outputs[f"diff {versions}"] = (outcome.exit_code, outcome.output)
    if dialect != "postgres":
        return outputs
    # What the tool writes for the repository: the baseline (committed by design), the cache, the sum file.
    cache = tmp_path / f"cache-{dialect}"
    outcome = runner.invoke(app, ["baseline", str(directory), "-d", dialect])
    baseline = directory / "safemig-baseline.json"
    outputs["baseline file"] = (outcome.exit_code, baseline.read_text(encoding="utf-8") if baseline.exists() else "")
    baseline.unlink(missing_ok=True)
    outcome = runner.invoke(app, ["lock", str(directory)])
    outputs["sum file"] = (0, (directory / "safemig.sum").read_text(encoding="utf-8"))
    (directory / "safemig.sum").unlink()
    with cache_on():
        runner.invoke(app, ["check", str(directory), "-d", dialect, "--cache-dir", str(cache)])
    outputs["cache"] = (0, "".join(p.read_text(encoding="utf-8") for p in cache.rglob("*.json")))
    return outputs


@pytest.mark.parametrize("name", list(FORMS))
def test_no_output_shows_the_secret(tmp_path, name):
    sql = form(name)
    directory = write_migrations(tmp_path / "m", {"1_a.up.sql": sql, "1_a.down.sql": sql, "2_b.up.sql": "SELECT 1;", "2_b.down.sql": sql})
    for dialect in DIALECTS:
        for what, (exit_code, output) in _outputs(directory, dialect, tmp_path).items():
            assert SECRET not in output, f"{name} ({dialect}): {what} shows the secret"
            assert exit_code in (0, 1), f"{name} ({dialect}): {what} exited {exit_code}: {output[-500:]}"


# Forms that were printed without a finding before; each is a hardcoded credential to report.
MUST_BE_REPORTED = {
    "unterminated string": DIALECTS,
    "before an unterminated comment": DIALECTS,
    "replication source": ("mysql",),
    "replication master": ("mysql",),
    "curl -u in a program": ("postgres",),
    "statement in a block comment": DIALECTS,
    "do block variable": DIALECTS,
    "url as a table name": ("postgres",),
    "url as a column default": DIALECTS,
    "go mysql dsn": DIALECTS,
    "url with an empty user": DIALECTS,
    "url whose user holds @": DIALECTS,
    "jdbc thin": DIALECTS,
    "aws secret key in credentials": DIALECTS,
    "url assembled with ||": DIALECTS,
    "mysql -p in a comment": DIALECTS,
    "url in a comment in a function body": ("postgres",),
    "double-quoted password in a url": DIALECTS,
}


@pytest.mark.parametrize("name", list(MUST_BE_REPORTED))
def test_secret_forms_are_reported(lint_sql, name):
    for dialect in MUST_BE_REPORTED[name]:
        result = lint_sql({"1_a.up.sql": form(name), "1_a.down.sql": "SELECT 1;"}, dialect)
        assert "SM402" in {d.code for d in result.active}, f"{name} ({dialect})"


def test_a_secret_named_setting_is_masked_but_not_reported(lint_sql, tmp_path):
    result = lint_sql({"1_a.up.sql": form("secret-named setting"), "1_a.down.sql": "SELECT 1;"})
    assert "SM402" not in {d.code for d in result.active}
    parsed = read_and_parse(next(tmp_path.rglob("1_a.up.sql")), Config())
    assert SECRET not in parsed.text


def test_the_prefilter_skips_only_texts_that_hold_no_secret(monkeypatch):
    """The trigger-word prefilter (one search per file) changes no finding: every form and every
    fixture gives the same secrets with it as with a prefilter that lets everything through."""
    import re

    from conftest import FIXTURES

    from safemig_lint.analysis import credentials
    from safemig_lint.analysis.masking import file_secrets
    from safemig_lint.reading.statements import parse_file

    texts = [form(name) for name in FORMS] + [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.rglob("*.sql"))]

    def secrets(text: str) -> list:
        return [(s.start, s.end, s.what, s.reported) for s in file_secrets(parse_file(text, "postgres"), "postgres")]

    filtered = [secrets(text) for text in texts]
    # The prefilter's ASCII path (lowered text, lower-case pattern) answers as the case-insensitive pattern does.
    for text in texts + [text.upper() for text in texts] + [text.swapcase() for text in texts]:
        for start in range(0, len(text), 97):
            assert credentials.may_hold_secrets(text, start, start + 120) is (
                credentials._TRIGGER.search(text, start, start + 120) is not None
            )
    monkeypatch.setattr(credentials, "_TRIGGER", re.compile(""))
    monkeypatch.setattr(credentials, "_LOWER_TRIGGER", re.compile(""))
    assert [secrets(text) for text in texts] == filtered
    assert sum(map(len, filtered)) > len(FORMS)  # the check compares real findings


@pytest.mark.parametrize(
    "comment, secret",
    [
        ("-- SELECT set_config('app.jwt_secret', '{S}', false);", True),
        ("-- ALTER DATABASE app SET \"app.jwt_secret\" TO '{S}';", True),
        ("-- CREATE SERVER s OPTIONS (password '{S}');", True),
        ("-- DECLARE pw text := '{S}';", True),
        ("-- SET PASSWORD FOR app = '{S}';", True),
        ("-- ALTER USER app IDENTIFIED WITH mysql_native_password BY '{S}';", True),
        ("-- CREATE ROLE app PASSWORD '{S}", True),
        ("-- 'postgres://admin:' || '{S}' || '@db/app'", True),
        # Prose about secrets is no secret: nothing of these is masked.
        ("-- set the token to '{S}' when the current one is revoked", False),
        ("-- case-sensitive URL that maps to an id_token's {S} claim", False),
        ("-- the default is 'client_secret_basic' ({S})", False),
    ],
)
def test_statements_written_in_comments_are_masked_and_prose_is_not(comment, secret):
    from safemig_lint.analysis.masking import mask_file
    from safemig_lint.reading.statements import parse_file

    text = comment.replace("{S}", SECRET) + "\nDROP TABLE t;\n"
    assert (SECRET not in mask_file(parse_file(text, "postgres"), "postgres").text) is secret


@pytest.mark.parametrize(
    "comment",
    [
        "-- DECLARE pw text := '{V}';",
        "-- SET app.api_key = '{V}';",
        "-- SET app.private_key = '{V}';",
        "DO $$ BEGIN -- pw := '{V}'\n RETURN; END $$;",
    ],
)
def test_a_comment_naming_only_pw_api_key_or_private_key_is_masked(comment):
    """The words commented_secrets' prose finder looks for open the text finders' gate too: before,
    a comment holding no other trigger word (the value here holds none) was never read."""
    from safemig_lint.analysis.masking import mask_file
    from safemig_lint.reading.statements import parse_file

    value = "Zq9xPlant3dVal"
    text = comment.replace("{V}", value) + "\nDROP TABLE t;\n"
    assert value not in mask_file(parse_file(text, "postgres"), "postgres").text
