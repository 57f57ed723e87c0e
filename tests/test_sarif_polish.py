"""SARIF for code scanning: run ids, related up-file locations, versioned help, repository root."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import write_migrations
from test_sarif import run_of, sarif_of, schema_errors

from safemig_lint import __version__

UP = "CREATE TABLE IF NOT EXISTS t (id int);\n"
DOWN = "DROP TABLE IF EXISTS t;\n"


def _repository(root):
    """A real git repository with one migration set whose down file forgets its up's index."""
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return write_migrations(
        root / "db" / "migrations",
        {
            "000001_a.up.sql": UP,
            "000001_a.down.sql": DOWN,
            "000002_b.up.sql": "-- index\nCREATE INDEX IF NOT EXISTS t_id ON t (id);\n",
            "000002_b.down.sql": "SELECT 1;\n",
        },
    )


def test_down_file_finding_points_at_the_up_statement_it_is_about(tmp_path, monkeypatch):
    _repository(tmp_path / "repo")
    monkeypatch.chdir(tmp_path / "repo")
    log = sarif_of("db/migrations")
    assert schema_errors(log) == []
    (result,) = [r for r in run_of(log)["results"] if r["ruleId"] == "SM201"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "db/migrations/000002_b.down.sql"
    (related,) = result["relatedLocations"]
    location = related["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "db/migrations/000002_b.up.sql", "uriBaseId": "%SRCROOT%"}
    assert location["region"]["startLine"] == 2 and related["message"]["text"]


def test_run_has_an_automation_id_per_linted_directory(tmp_path, monkeypatch):
    _repository(tmp_path / "repo")
    write_migrations(tmp_path / "repo" / "other", {"000001_a.up.sql": UP, "000001_a.down.sql": DOWN})
    monkeypatch.chdir(tmp_path / "repo")
    assert run_of(sarif_of("db/migrations"))["automationDetails"] == {"id": "safemig-lint/db/migrations/"}
    assert run_of(sarif_of("other"))["automationDetails"] == {"id": "safemig-lint/other/"}


def test_help_uri_points_at_this_versions_rule_page(tmp_path, monkeypatch):
    _repository(tmp_path / "repo")
    monkeypatch.chdir(tmp_path / "repo")
    rules = run_of(sarif_of("db/migrations"))["tool"]["driver"]["rules"]
    sm201 = next(rule for rule in rules if rule["id"] == "SM201")
    assert sm201["helpUri"].endswith(f"/blob/v{__version__}/rules/SM201.md")


def test_paths_are_relative_to_the_git_top_level_when_run_from_elsewhere(tmp_path, monkeypatch):
    migrations = _repository(tmp_path / "repo")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    completed = subprocess.run(
        [sys.executable, "-m", "safemig_lint", "--format", "sarif", str(migrations)], cwd=elsewhere, capture_output=True, text=True
    )
    log = json.loads(completed.stdout)
    assert schema_errors(log) == []
    run = run_of(log)
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == (tmp_path / "repo").resolve().as_uri() + "/"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "db/migrations/000002_b.down.sql" in uris and all(uri.startswith("db/migrations/0000") for uri in uris)
    assert run["automationDetails"]["id"] == "safemig-lint/db/migrations/"
