"""`check --base REF` in real git repositories built here: edits, out-of-order and deleted migrations,
a rebase, a shallow clone, line-ending normalisation, and git left exactly as it was."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess

import pytest
from conftest import write_migrations
from typer.testing import CliRunner

from safemig_lint.cli import app

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs the git binary")
runner = CliRunner()

APPLIED = {
    "000001_users.up.sql": "CREATE TABLE users (\n    id bigint PRIMARY KEY\n);\n",
    "000001_users.down.sql": "DROP TABLE users;\n",
    "000003_email.up.sql": "ALTER TABLE users ADD COLUMN email text;\n",
    "000003_email.down.sql": "ALTER TABLE users DROP COLUMN email;\n",
}


@pytest.fixture(autouse=True)
def git_identity(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))  # no user or system git configuration leaks in
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "test@example.com")


def git(cwd, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """main has versions 1 and 3 (applied); the work happens on branch `feature`, checked out."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write_migrations(root / "db" / "migrations", APPLIED)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "applied migrations")
    git(root, "checkout", "-qb", "feature")
    monkeypatch.chdir(root)
    return root


def commit(root, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)


def check(*args: str):
    return runner.invoke(app, ["check", "--format", "json", *args, "db/migrations"])


def findings(*args: str) -> list[tuple[str, str, int]]:
    result = check(*args)
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.stdout)
    return [(d["code"], d["path"].rpartition("/")[2], d["line"]) for d in data["diagnostics"]]


def integrity(*args: str) -> list[tuple[str, str, int]]:
    return [f for f in findings(*args) if f[0].startswith("SM6")]


def test_edit_of_an_applied_migration_points_at_the_first_changed_line(repo):
    path = repo / "db/migrations/000001_users.up.sql"
    path.write_text("CREATE TABLE users (\n    id bigint PRIMARY KEY,\n    name text\n);\n")
    assert integrity("--base", "main") == [("SM601", "000001_users.up.sql", 2)]
    commit(repo, "edit")  # committed or not, the same
    assert integrity("--base", "main") == [("SM601", "000001_users.up.sql", 2)]


def test_with_a_lock_file_too_an_edit_is_reported_once_on_its_first_changed_line(repo):
    assert runner.invoke(app, ["lock", "db/migrations"]).exit_code == 0
    commit(repo, "lock")
    path = repo / "db/migrations/000001_users.up.sql"
    path.write_text(path.read_text().replace(");", "    , name text\n);"))
    assert integrity("--base", "main") == [("SM601", "000001_users.up.sql", 3)]
    assert integrity() == [("SM601", "000001_users.up.sql", 1)]  # the lock alone cannot tell the line


def test_only_changed_files_are_reported_but_the_history_is_still_read(repo):
    (repo / ".safemig-lint.toml").write_text('idempotency = "strict"\n')  # SM302 on a lone DROP, as on main
    everything = findings()
    assert any(name == "000001_users.down.sql" for _, name, _ in everything)  # SM101 drop table, SM302 ...
    write_migrations(
        repo / "db/migrations",
        {
            "000004_drop_email.up.sql": "ALTER TABLE users DROP COLUMN email;\n",
            "000004_drop_email.down.sql": "ALTER TABLE users ADD COLUMN email text;\n",
        },
    )
    found = findings("--base", "main")
    assert found and {name for _, name, _ in found} <= {"000004_drop_email.up.sql", "000004_drop_email.down.sql"}
    # The replayed history knows `email` came from version 3: the drop loses existing data.
    assert ("SM102", "000004_drop_email.up.sql", 1) in found
    assert json.loads(check("--base", "main").stdout)["summary"]["files"] == 2


def test_an_unchanged_misnamed_file_is_context_too(repo):
    git(repo, "checkout", "-q", "main")
    write_migrations(repo / "db/migrations", {"000004_phone_up.sql": "ALTER TABLE users ADD COLUMN phone text;\n"})
    commit(repo, "misnamed")
    git(repo, "checkout", "-q", "feature")
    git(repo, "rebase", "-q", "main")
    assert ("SM002", "000004_phone_up.sql", 1) in findings()
    assert findings("--base", "main") == []
    (repo / "db/migrations/000004_phone_up.sql").write_text("ALTER TABLE users ADD COLUMN phone2 text;\n")
    assert [code for code, _, _ in findings("--base", "main")] == ["SM002"]


def test_new_migration_below_the_newest_on_the_base_is_out_of_order(repo):
    write_migrations(
        repo / "db/migrations",
        {
            "000002_phone.up.sql": "ALTER TABLE users ADD COLUMN phone text;\n",
            "000002_phone.down.sql": "ALTER TABLE users DROP COLUMN phone;\n",
        },
    )
    assert integrity("--base", "main") == [("SM603", "000002_phone.down.sql", 1), ("SM603", "000002_phone.up.sql", 1)]


def test_new_migration_above_the_newest_is_fine(repo):
    write_migrations(
        repo / "db/migrations",
        {
            "000004_phone.up.sql": "ALTER TABLE users ADD COLUMN phone text;\n",
            "000004_phone.down.sql": "ALTER TABLE users DROP COLUMN phone;\n",
        },
    )
    commit(repo, "phone")
    assert integrity("--base", "main") == []


def test_deleted_applied_migration(repo):
    (repo / "db/migrations/000003_email.down.sql").unlink()
    assert integrity("--base", "main") == [("SM602", "000003_email.down.sql", 1)]
    commit(repo, "delete")
    assert integrity("--base", "main") == [("SM602", "000003_email.down.sql", 1)]


def test_renamed_applied_migration_with_the_same_content_is_not_flagged(repo):
    git(repo, "mv", "db/migrations/000003_email.up.sql", "db/migrations/000003_add_email.up.sql")
    git(repo, "mv", "db/migrations/000003_email.down.sql", "db/migrations/000003_add_email.down.sql")
    commit(repo, "rename")
    assert integrity("--base", "main") == []


def test_main_moved_on_after_the_fork_then_rebase(repo):
    """The branch forked when main's newest was 3; main then applied 5. The branch's 4 is out of order
    before the rebase (compared with main itself) and after it; renumbered above 5, it is fine."""
    write_migrations(
        repo / "db/migrations",
        {
            "000004_phone.up.sql": "ALTER TABLE users ADD COLUMN phone text;\n",
            "000004_phone.down.sql": "ALTER TABLE users DROP COLUMN phone;\n",
        },
    )
    commit(repo, "phone")
    git(repo, "checkout", "-q", "main")
    write_migrations(
        repo / "db/migrations",
        {
            "000005_age.up.sql": "ALTER TABLE users ADD COLUMN age int;\n",
            "000005_age.down.sql": "ALTER TABLE users DROP COLUMN age;\n",
        },
    )
    commit(repo, "age")
    git(repo, "checkout", "-q", "feature")
    expected = [("SM603", "000004_phone.down.sql", 1), ("SM603", "000004_phone.up.sql", 1)]
    assert integrity("--base", "main") == expected  # and main's 5 is not "deleted" on this branch
    git(repo, "rebase", "-q", "main")
    assert integrity("--base", "main") == expected
    git(repo, "mv", "db/migrations/000004_phone.up.sql", "db/migrations/000006_phone.up.sql")
    git(repo, "mv", "db/migrations/000004_phone.down.sql", "db/migrations/000006_phone.down.sql")
    commit(repo, "renumber")
    assert integrity("--base", "main") == []


def test_same_version_as_a_migration_main_added_after_the_fork(repo):
    write_migrations(repo / "db/migrations", {"000004_phone.up.sql": "ALTER TABLE users ADD COLUMN phone text;\n"})
    commit(repo, "phone")
    git(repo, "checkout", "-q", "main")
    write_migrations(repo / "db/migrations", {"000004_age.up.sql": "ALTER TABLE users ADD COLUMN age int;\n"})
    commit(repo, "age")
    git(repo, "checkout", "-q", "feature")
    result = check("--base", "main")
    assert "already taken by 000004_age.up.sql on main" in result.stdout


def test_missing_ref_is_a_clear_usage_error(repo):
    result = runner.invoke(app, ["check", "--base", "origin/main", "db/migrations"])
    assert result.exit_code == 2
    assert "--base origin/main: no such commit" in result.output and "git fetch --depth=50 origin main" in result.output


def test_outside_a_repository_is_a_clear_usage_error(tmp_path, monkeypatch):
    write_migrations(tmp_path / "plain" / "db/migrations", APPLIED)
    monkeypatch.chdir(tmp_path / "plain")
    result = runner.invoke(app, ["check", "--base", "main", "db/migrations"])
    assert result.exit_code == 2 and "not inside a git repository" in result.output


def test_shallow_clone(repo, tmp_path, monkeypatch):
    (repo / "db/migrations/000001_users.up.sql").write_text("CREATE TABLE users (\n    id bigint PRIMARY KEY,\n    x int\n);\n")
    commit(repo, "edit on the branch")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", f"file://{repo}", str(clone))
    monkeypatch.chdir(clone)
    result = runner.invoke(app, ["check", "--base", "origin/main", "db/migrations"])
    assert result.exit_code == 2
    assert "no such commit in this shallow clone" in result.output and "git fetch --depth=50 origin main" in result.output
    git(clone, "fetch", "-q", "--depth=1", "origin", "main:refs/remotes/origin/main")
    assert integrity("--base", "origin/main") == [("SM601", "000001_users.up.sql", 2)]
    assert "no common ancestor" in check("--base", "origin/main").output  # warned, on standard error


@pytest.mark.parametrize("setting", ["autocrlf", "gitattributes"])
def test_line_ending_normalisation_changes_no_hash(repo, tmp_path, monkeypatch, setting):
    """A Windows-style checkout (CRLF on disk, LF in git) is neither an edit nor a lock mismatch."""
    assert runner.invoke(app, ["lock", "db/migrations"]).exit_code == 0
    if setting == "gitattributes":
        (repo / ".gitattributes").write_text("* text=auto eol=crlf\n")
    commit(repo, "lock")
    git(repo, "checkout", "-q", "main")
    clone = tmp_path / "crlf"
    options = ["-c", "core.autocrlf=true"] if setting == "autocrlf" else []
    git(tmp_path, "clone", "-q", *options, "--branch", "feature", f"file://{repo}", str(clone))
    monkeypatch.chdir(clone)
    assert b"\r\n" in (clone / "db/migrations/000001_users.up.sql").read_bytes()
    assert b"\r\n" in (clone / "db/migrations/safemig.sum").read_bytes()
    assert runner.invoke(app, ["lock", "--check", "db/migrations"]).exit_code == 0
    assert integrity() == []
    assert integrity("--base", "origin/main") == []
    # An edit is still an edit, and its line is right.
    path = clone / "db/migrations/000001_users.up.sql"
    path.write_bytes(path.read_bytes().replace(b"PRIMARY KEY", b"PRIMARY KEY NOT NULL"))
    assert integrity("--base", "origin/main") == [("SM601", "000001_users.up.sql", 2)]


def test_check_with_base_leaves_git_and_the_tree_untouched(repo):
    (repo / "db/migrations/000001_users.up.sql").write_text("CREATE TABLE users (id int);\n")  # stat-dirty, unstaged
    status = git(repo, "status", "--porcelain")  # (git status itself refreshes the index: before the snapshot)
    before = _tree_digest(repo)
    assert integrity("--base", "main")
    assert _tree_digest(repo) == before
    assert git(repo, "status", "--porcelain") == status


def _tree_digest(root) -> dict[str, str]:
    """Every file under root, .git included (its index too), by content and mtime."""
    return {
        str(path.relative_to(root)): f"{hashlib.sha256(path.read_bytes()).hexdigest()}:{path.stat().st_mtime_ns}"
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }
