"""Hostile paths and settings: every unreadable, looping, special or outside-the-tree path is a
diagnostic with its path (SM013), never an internal error and never a silent skip."""

from __future__ import annotations

import os
import tracemalloc

import pytest
from conftest import codes, write_migrations
from typer.testing import CliRunner

from safemig_lint.cli import app
from safemig_lint.config import Config
from safemig_lint.engine import lint
from safemig_lint.reading.source import read_source

runner = CliRunner()


def _by_path(result):
    return {(d.path, d.code) for d in result.active}


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
def test_a_lone_drop_column_is_not_an_internal_error(lint_sql, dialect):
    result = lint_sql({"1_a.up.sql": "DROP COLUMN x;", "1_a.down.sql": "DROP COLUMN x;"}, dialect)
    assert "SM000" not in codes(result)
    assert not {"SM102", "SM302"} & set(codes(result))  # it names no table: nothing is dropped


def test_symlinked_file_outside_the_tree_is_reported_under_the_linked_path(tmp_path):
    (tmp_path / ".git").mkdir()  # outside the linted folder, inside its repository
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "real.sql").write_text("DROP TABLE users;\n")
    migrations = write_migrations(tmp_path / "m", {"1_a.down.sql": "SELECT 1;"})
    (migrations / "1_a.up.sql").symlink_to(outside / "real.sql")
    result = lint([str(migrations)], Config())
    assert (f"{migrations}/1_a.up.sql", "SM101") in _by_path(result)
    assert result.files_checked == 2


@pytest.mark.parametrize("through", ["folder", "link to the folder"])
def test_a_file_named_in_a_folder_is_the_only_one_reported_however_its_folder_is_spelt(tmp_path, through):
    # pre-commit names the staged files: the folder's other files are history, their findings not reported.
    migrations = write_migrations(
        tmp_path / "m",
        {f"{v}_t{v}.{d}.sql": f"DROP TABLE t{v};" if d == "up" else "SELECT 1;" for v in range(1, 6) for d in ("up", "down")},
    )
    folder = migrations
    if through != "folder":
        folder = tmp_path / "linked"
        folder.symlink_to(migrations, target_is_directory=True)
    result = lint([str(folder / "3_t3.up.sql"), str(folder / "5_t5.down.sql")], Config())
    assert {(path.rsplit("/", 1)[-1], code) for path, code in _by_path(result) if code == "SM101"} == {("3_t3.up.sql", "SM101")}
    assert result.files_checked == 2


@pytest.mark.parametrize("repository", [True, False])
def test_a_migration_linked_out_of_the_repository_is_not_read(tmp_path, repository):
    """A pull request can link a migration to a CI runner's ~/.pgpass: SM013, and never its lines."""
    secret_file = tmp_path / "home" / ".pgpass"
    secret_file.parent.mkdir()
    secret_file.write_text("db:5432:*:admin:Zq9xPlant3dSecret\n")
    root = tmp_path / "repo"
    if repository:
        (root / ".git").mkdir(parents=True)
    migrations = write_migrations(root / "migrations", {"1_a.down.sql": "SELECT 1;", "2_b.up.sql": "SELECT 1;"})
    (migrations / "1_a.up.sql").symlink_to(secret_file)
    (migrations / "linked").symlink_to(secret_file.parent, target_is_directory=True)
    (secret_file.parent / "3_c.up.sql").symlink_to(secret_file)
    for format in ("text", "json"):
        outcome = runner.invoke(app, ["check", str(root if repository else migrations), "--format", format, "--no-cache"])
        assert "Zq9xPlant3dSecret" not in outcome.output and "admin" not in outcome.output
        assert outcome.exit_code == 1
    result = lint([str(migrations)], Config())
    found = {d.path.rsplit("/", 1)[-1]: d.message for d in result.active if d.code == "SM013"}
    assert "outside the repository" in found["1_a.up.sql"] and "outside the repository" in found["3_c.up.sql"]
    assert "SM001" not in codes(result)
    (migrations / "linked").unlink()
    # A link that stays inside is read as before.
    (migrations / "1_a.up.sql").unlink()
    (migrations / "1_a.up.sql").symlink_to(migrations / "2_b.up.sql")
    assert "SM013" not in codes(lint([str(migrations)], Config()))


def test_symlink_loops_fifos_and_dangling_links_inside_a_folder_are_diagnostics(tmp_path):
    migrations = write_migrations(tmp_path / "m", {"1_a.up.sql": "SELECT 1;", "1_a.down.sql": "SELECT 1;"})
    (migrations / "2_loop.up.sql").symlink_to("2_loop.up.sql")
    (migrations / "3_gone.up.sql").symlink_to("nowhere.sql")
    os.mkfifo(migrations / "4_pipe.up.sql")
    result = lint([str(migrations)], Config())
    found = {d.path.rsplit("/", 1)[-1]: d.message for d in result.active if d.code == "SM013"}
    assert set(found) == {"2_loop.up.sql", "3_gone.up.sql", "4_pipe.up.sql"}
    assert "symlink loop" in found["2_loop.up.sql"] and "FIFO" in found["4_pipe.up.sql"]
    assert result.exit_code("warning") == 1


@pytest.mark.parametrize("kind", ["fifo", "loop", "device"])
def test_special_paths_named_on_the_command_line(tmp_path, kind):
    if kind == "fifo":
        target = tmp_path / "x.sql"
        os.mkfifo(target)
    elif kind == "loop":
        target = tmp_path / "a"
        target.symlink_to(tmp_path / "b")
        (tmp_path / "b").symlink_to(target)
    else:
        target = "/dev/null"
    outcome = runner.invoke(app, ["check", str(target), "--format", "json"])
    assert outcome.exit_code == 1, outcome.output
    assert '"SM013"' in outcome.stdout and str(target) in outcome.stdout
    for command in (["schema", str(target)], ["diff", str(target), "--from", "1", "--to", "1"]):
        outcome = runner.invoke(app, command)
        assert outcome.exit_code == 2 and "internal error" not in outcome.output


def test_a_folder_that_cannot_be_listed_is_a_diagnostic_and_the_run_goes_on(tmp_path, monkeypatch):
    write_migrations(tmp_path / "m", {"1_a.up.sql": "DROP TABLE t;", "1_a.down.sql": "SELECT 1;"})
    write_migrations(tmp_path / "m" / "locked", {"1_b.up.sql": "SELECT 1;"})
    real_scandir = os.scandir

    def scandir(path):  # as the kernel answers for a folder without read (or execute) permission
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = lint([str(tmp_path / "m")], Config())
    assert (f"{tmp_path}/m/locked", "SM013") in _by_path(result)
    assert (f"{tmp_path}/m/1_a.up.sql", "SM101") in _by_path(result)
    outcome = runner.invoke(app, ["schema", str(tmp_path / "m")])
    assert outcome.exit_code == 2 and "locked" in outcome.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root may list any folder")
@pytest.mark.parametrize("mode", [0o100, 0o200, 0o000])
def test_real_unreadable_folders(tmp_path, mode):
    write_migrations(tmp_path / "m", {"1_a.up.sql": "SELECT 1;", "1_a.down.sql": "SELECT 1;"})
    locked = write_migrations(tmp_path / "m" / "locked", {"1_b.up.sql": "SELECT 1;"})
    locked.chmod(mode)
    try:
        result = lint([str(tmp_path / "m")], Config())
    finally:
        locked.chmod(0o700)
    assert "SM013" in codes(result) and "SM000" not in codes(result)


@pytest.mark.parametrize("content", ['tool = "safemig-lint"\n', "[tool]\nsafemig-lint = 1\n"])
def test_malformed_pyproject_tables_are_config_errors_naming_the_file(tmp_path, content):
    (tmp_path / "pyproject.toml").write_text(content)
    write_migrations(tmp_path / "m", {"1_a.up.sql": "SELECT 1;", "1_a.down.sql": "SELECT 1;"})
    outcome = runner.invoke(app, ["check", str(tmp_path / "m")])
    assert outcome.exit_code == 2
    assert f"{tmp_path}/pyproject.toml" in outcome.output and "internal error" not in outcome.output


@pytest.mark.parametrize("dialect", [" ", "", "postgres,normalization_strategy=lowercase", "postgres "])
def test_dialect_must_be_a_plain_dialect_name(tmp_path, dialect):
    write_migrations(tmp_path / "m", {"1_a.up.sql": "SELECT 1;", "1_a.down.sql": "SELECT 1;"})
    for command in (["check", str(tmp_path / "m")], ["schema", str(tmp_path / "m")]):
        outcome = runner.invoke(app, [*command, "-d", dialect])
        assert outcome.exit_code == 2 and "dialect" in outcome.output


def test_the_size_limit_is_checked_before_reading(tmp_path):
    huge = tmp_path / "1_a.up.sql"
    with huge.open("wb") as file:  # 4 GiB, sparse: nothing on disk
        file.truncate(4 * 1024**3)
    tracemalloc.start()
    try:
        outcome = read_source(huge, 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "4,294,967,296 bytes" in outcome.reason
    assert peak < 1024 * 1024  # the file was never read into memory


def test_a_file_that_grows_past_the_limit_is_cut_off_at_the_limit(tmp_path):
    small = tmp_path / "1_a.up.sql"
    small.write_text("SELECT 1;\n" * 10)
    assert isinstance(read_source(small, 1000), str)
    assert "over the 50-byte limit" in read_source(small, 50).reason
