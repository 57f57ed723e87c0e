"""--database-url: parsed per dialect, and its password never shown; usage errors exit 2."""

from __future__ import annotations

import pytest
from conftest import write_migrations
from typer.testing import CliRunner

from safemig_lint.cli import app
from safemig_lint.verify.urls import UrlError, mask_url, parse_url

runner = CliRunner()


@pytest.mark.parametrize(
    "url, masked",
    [
        ("postgres://ci:p%40ss@db:5432/app?sslmode=disable", "postgres://ci:***@db:5432/app?sslmode=disable"),
        ("mysql://root:hunter2@127.0.0.1:3306/", "mysql://root:***@127.0.0.1:3306/"),
        ("postgres://ci@db/app", "postgres://ci@db/app"),
        ("host=db user=ci password=hunter2 dbname=app", "host=db user=ci password=*** dbname=app"),
    ],
)
def test_mask_url(url, masked):
    assert mask_url(url) == masked


def test_parse_url_per_dialect_and_hide_both_spellings_of_the_password():
    url = parse_url("postgresql://ci:p%40ss@db:5433/app")
    assert (url.dialect, url.host, url.port, url.user, url.password, url.database) == ("postgres", "db", 5433, "ci", "p@ss", "app")
    assert url.hide("failed for p@ss and p%40ss") == "failed for *** and ***"
    assert parse_url("mariadb://root@localhost/").dialect == "mysql"
    assert parse_url("sqlite:///tmp/x.db").database == "/tmp/x.db"
    with pytest.raises(UrlError, match="unsupported scheme") as error:
        parse_url("oracle://scott:tiger@db/orcl")
    assert "tiger" not in str(error.value)
    with pytest.raises(UrlError) as error:
        parse_url("postgres://ci:hunter2@db:notaport/app")
    assert "hunter2" not in str(error.value)


def test_usage_errors_exit_2_without_the_password(tmp_path):
    directory = write_migrations(tmp_path / "m", {"000001_a.up.sql": "SELECT 1;\n", "000001_a.down.sql": "SELECT 1;\n"})
    mismatch = runner.invoke(app, ["verify", str(directory), "--dialect", "sqlite", "--database-url", "postgres://ci:hunter2@db/app"])
    assert mismatch.exit_code == 2 and "the migrations are sqlite" in mismatch.output and "hunter2" not in mismatch.output
    # A MySQL folder without a server is not a usage error: its versions are reported as not verified (SM710).
    mysql = runner.invoke(app, ["verify", str(directory), "--dialect", "mysql"])
    assert mysql.exit_code == 1 and "SM710" in mysql.output and "need a server: pass --database-url" in mysql.output
    existing = tmp_path / "has-tables.db"
    import sqlite3

    with sqlite3.connect(existing) as connection:
        connection.execute("CREATE TABLE t (x)")
    refused = runner.invoke(app, ["verify", str(directory), "--dialect", "sqlite", "--database-url", f"sqlite://{existing}"])
    assert refused.exit_code == 2 and "already has tables" in refused.output
    clean = runner.invoke(app, ["verify", str(directory), "--dialect", "sqlite", "--database-url", f"sqlite://{tmp_path / 'new.db'}"])
    assert clean.exit_code == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["has-tables.db", "m"]
