"""safemig-lint's rules inside the real `sqlfluff lint`, through the plugin entry point."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from conftest import FIXTURES, wide_history, write_migrations
from typer.testing import CliRunner

from safemig_lint import shares
from safemig_lint.cli import app

pytest.importorskip("sqlfluff")
SQLFLUFF = str(Path(sys.executable).parent / "sqlfluff")


def sqlfluff(directory: Path, *args: str) -> list[dict]:
    # A timeout: sqlfluff's pool waits for ever on a result it cannot read back.
    completed = subprocess.run(
        [SQLFLUFF, "lint", "--format", "json", "--nofail", *args], cwd=directory, capture_output=True, text=True, timeout=300
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def found(report: list[dict]) -> set[tuple[str, str, int, int]]:
    return {
        (Path(file["filepath"]).as_posix(), v["code"], v["start_line_no"], v["start_line_pos"])
        for file in report
        for v in file["violations"]
        if v["code"].startswith("SM")
    }


@pytest.fixture
def app_copy(tmp_path):
    shutil.copytree(FIXTURES / "app", tmp_path / "app")
    return tmp_path


def test_the_plugin_is_registered_under_sqlfluffs_entry_point():
    (plugin,) = [e for e in entry_points(group="sqlfluff") if e.name == "safemig_lint"]
    assert plugin.value == "safemig_lint.sqlfluff_plugin"


def test_sqlfluff_reports_safemig_lints_findings_at_the_same_positions(app_copy):
    report = sqlfluff(app_copy, "--dialect", "postgres", "--rules", "safemig", "app")
    ours = json.loads(CliRunner().invoke(app, ["--format", "json", str(app_copy / "app")]).stdout)["diagnostics"]
    expected = {(Path(d["path"]).relative_to(app_copy).as_posix(), d["code"], d["line"], d["column"]) for d in ours}
    assert len(expected) > 5 and found(report) == expected
    names = {v["name"] for file in report for v in file["violations"]}
    assert "safemig.drop_table" in names


def test_codes_are_selected_and_excluded_in_sqlfluffs_config(app_copy):
    only_sm1 = found(sqlfluff(app_copy, "--dialect", "postgres", "--rules", "SM1*", "app"))
    assert only_sm1 and {code for _, code, _, _ in only_sm1} == {"SM101", "SM106", "SM107"}
    (app_copy / ".sqlfluff").write_text("[sqlfluff]\ndialect = postgres\nrules = SM101,SM302,SM004\nexclude_rules = SM302\n")
    selected = found(sqlfluff(app_copy, "app/000004_drop_legacy_sessions.up.sql"))
    assert selected == {
        ("app/000004_drop_legacy_sessions.up.sql", "SM101", 2, 12),
        ("app/000004_drop_legacy_sessions.up.sql", "SM004", 1, 1),
    }


def test_the_folders_safemig_lint_configuration_applies(tmp_path):
    write_migrations(tmp_path / "m", {"000001_a.up.sql": "DROP TABLE a;\n", "000001_a.down.sql": "SELECT 1;\n"})
    (tmp_path / ".safemig-lint.toml").write_text('ignore = ["SM302"]\n')
    codes = {code for _, code, _, _ in found(sqlfluff(tmp_path, "--dialect", "postgres", "--rules", "safemig", "m"))}
    assert codes == {"SM101"}


def test_sqlfluffs_own_processes_lint_a_file_of_a_folder_big_enough_to_be_split(tmp_path):
    """sqlfluff's workers are daemonic: they may start no process, so the plugin lints in the one it is given."""
    files = wide_history(400)
    assert sum(len(text) + shares.FILE_COST for text in files.values()) > shares.SPLIT_MIN_COST  # `check` would split it
    write_migrations(tmp_path / "m", files)
    named = ["m/000001_t1.up.sql", "m/000002_t2.up.sql"]
    report = sqlfluff(tmp_path, "--dialect", "postgres", "--rules", "safemig", "--processes", "2", *named)
    ours = json.loads(CliRunner().invoke(app, ["--format", "json", *(str(tmp_path / name) for name in named)]).stdout)["diagnostics"]
    expected = {(Path(d["path"]).relative_to(tmp_path).as_posix(), d["code"], d["line"], d["column"]) for d in ours}
    assert {path for path, _, _, _ in expected} == set(named) and found(report) == expected


def test_sql_files_that_are_not_migrations_get_no_safemig_findings(tmp_path):
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "report.sql").write_text("DELETE FROM t;\n")
    assert found(sqlfluff(tmp_path, "--dialect", "postgres", "--rules", "safemig", "queries")) == set()


def test_the_readme_configuration_selects_what_it_says(tmp_path):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme[readme.index("\n## sqlfluff plugin\n") :]
    config = section[section.index("```ini\n") + 7 : section.index("```", section.index("```ini\n") + 7)]
    shutil.copytree(FIXTURES / "rerun", tmp_path / "rerun")
    (tmp_path / ".sqlfluff").write_text(config)
    codes = {code for _, code, _, _ in found(sqlfluff(tmp_path, "rerun"))}
    assert codes == {"SM301", "SM302"}  # SM1* (none here), SM3* without the excluded SM303
