"""`safemig-lint baseline DIR`, and `check` reporting only findings not in the baseline (SM606 for stale entries)."""

from __future__ import annotations

import json

import pytest
from conftest import write_migrations
from typer.testing import CliRunner

from safemig_lint.cli import app
from safemig_lint.config import Config
from safemig_lint.engine import lint
from safemig_lint.fingerprints import fingerprints
from safemig_lint.reporters import sarif

runner = CliRunner()

LEGACY = {
    "000001_sessions.up.sql": "CREATE TABLE IF NOT EXISTS sessions (id bigint PRIMARY KEY);\n",
    "000001_sessions.down.sql": "DROP TABLE IF EXISTS sessions;\n",
    "000002_cleanup.up.sql": "DELETE FROM sessions;\nDROP TABLE IF EXISTS sessions;\n",
    "000002_cleanup.down.sql": "CREATE TABLE IF NOT EXISTS sessions (id bigint PRIMARY KEY);\n",
}


def run(*args: str):
    return runner.invoke(app, list(args))


def active(directory, **settings) -> list[tuple[str, str, int]]:
    result = lint([str(directory)], Config(**settings))
    return [(d.code, d.path.rpartition("/")[2], d.span.line) for d in result.active]


@pytest.fixture
def legacy(tmp_path):
    directory = write_migrations(tmp_path / "migrations", LEGACY)
    assert active(directory)  # SM105, SM101, SM202 ...
    result = run("baseline", str(directory))
    assert result.exit_code == 0 and "wrote" in result.output
    return directory


def test_baselined_findings_are_not_reported_new_ones_are(legacy):
    assert active(legacy) == []
    assert run(str(legacy)).exit_code == 0
    write_migrations(legacy, {"000003_more.up.sql": "TRUNCATE audit;\n", "000003_more.down.sql": "SELECT 1;\n"})
    assert [code for code, name, _ in active(legacy)] == ["SM104"]


def test_a_new_finding_in_a_baselined_file_is_reported(legacy):
    path = legacy / "000002_cleanup.up.sql"
    path.write_text(path.read_text() + "TRUNCATE audit;\n")
    assert [(code, line) for code, _, line in active(legacy)] == [("SM104", 3)]


def test_lines_inserted_above_a_finding_keep_it_baselined(legacy):
    path = legacy / "000002_cleanup.up.sql"
    path.write_text("-- Retire the sessions table.\n-- (see ADR 12)\n\n" + path.read_text())
    assert active(legacy) == []


def test_a_fixed_finding_leaves_a_stale_entry(legacy):
    (legacy / "000002_cleanup.up.sql").write_text("DELETE FROM sessions WHERE id < 100;\nDROP TABLE IF EXISTS sessions;\n")
    found = active(legacy)
    assert [(code, name) for code, name, _ in found] == [("SM606", "safemig-baseline.json")]
    entry_line = found[0][2]
    assert '"rule": "SM105"' in (legacy / "safemig-baseline.json").read_text().splitlines()[entry_line - 1]
    run("baseline", str(legacy))
    assert active(legacy) == []


def test_a_deleted_file_leaves_stale_entries(legacy):
    (legacy / "000002_cleanup.up.sql").unlink()
    assert {code for code, _, _ in active(legacy)} == {"SM606", "SM006"}  # SM006: its down file is now an orphan


def test_rules_not_selected_do_not_make_entries_stale(legacy):
    assert active(legacy, select=("SM101",)) == []


def test_the_baseline_is_deterministic_and_rewritten_only_when_findings_change(legacy, tmp_path):
    content = (legacy / "safemig-baseline.json").read_bytes()
    assert "up to date" in run("baseline", str(legacy)).output
    other = write_migrations(tmp_path / "again", LEGACY)
    run("baseline", str(other))
    assert (other / "safemig-baseline.json").read_bytes() == content
    data = json.loads(content)
    assert (data["format"], data["version"]) == ("safemig-baseline", 1)
    assert len(content.decode().splitlines()) == 7 + len(data["findings"])  # one finding per line


def test_baseline_writes_only_its_own_file(tmp_path):
    directory = write_migrations(tmp_path / "m", LEGACY)
    before = {p.name: p.read_bytes() for p in directory.iterdir()}
    run("baseline", str(directory))
    after = {p.name: p.read_bytes() for p in directory.iterdir()}
    assert set(after) - set(before) == {"safemig-baseline.json"}
    clean = write_migrations(tmp_path / "clean", {"000001_a.up.sql": "SELECT 1;\n", "000001_a.down.sql": "SELECT 1;\n"})
    run("baseline", str(clean))
    assert not (clean / "safemig-baseline.json").exists()  # no findings, no file


def test_the_baseline_holds_no_statement_text_or_secret(tmp_path):
    directory = write_migrations(
        tmp_path / "m",
        {
            "000001_role.up.sql": "CREATE ROLE app LOGIN PASSWORD 'hunter2-very-secret';\n",
            "000001_role.down.sql": "DROP ROLE IF EXISTS app;\n",
        },
    )
    assert "SM402" in {code for code, _, _ in active(directory)}
    run("baseline", str(directory))
    text = (directory / "safemig-baseline.json").read_text()
    assert "SM402" in text and "hunter2" not in text
    assert active(directory) == []


def test_a_corrupt_baseline_is_a_usage_error(legacy):
    (legacy / "safemig-baseline.json").write_text("{not json")
    result = run(str(legacy))
    assert result.exit_code == 2 and "not a safemig-lint baseline" in result.output


def test_fingerprints_are_the_sarif_ones(legacy, monkeypatch):
    """One function makes both: SARIF keys by repository path, the baseline by file name."""
    monkeypatch.chdir(legacy)
    result = lint(["."], Config(), use_baseline=False)
    findings = [d for d in result.diagnostics]
    assert (
        sarif.as_dict(result)["runs"][0]["results"][0]["partialFingerprints"]["safemigLintHash/v1"]
        == fingerprints(findings, lambda d: sarif.repository_path(d.path) or d.path)[0]
    )
    recorded = {entry["fingerprint"] for entry in json.loads((legacy / "safemig-baseline.json").read_text())["findings"]}
    assert recorded == set(fingerprints(findings, lambda d: d.path.rpartition("/")[2]))
