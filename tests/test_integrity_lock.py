"""The lock file safemig.sum: `lock`, `lock --check`, and what `check` reports against it (SM601-SM605)."""

from __future__ import annotations

import json
import os

import pytest
from conftest import write_migrations
from typer.testing import CliRunner

from safemig_lint import atomic
from safemig_lint.cli import app
from safemig_lint.config import Config
from safemig_lint.engine import lint
from safemig_lint.integrity import files as integrity_files
from safemig_lint.integrity import sumfile
from safemig_lint.reading.discovery import discover

runner = CliRunner()

MIGRATIONS = {
    "000001_users.up.sql": "CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY);\n",
    "000001_users.down.sql": "DROP TABLE IF EXISTS users;\n",
    "000003_email.up.sql": "ALTER TABLE users ADD COLUMN IF NOT EXISTS email text;\n",
    "000003_email.down.sql": "ALTER TABLE users DROP COLUMN IF EXISTS email;\n",
}


def run(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def locked(tmp_path):
    directory = write_migrations(tmp_path / "migrations", MIGRATIONS)
    assert run("lock", str(directory)).exit_code == 0
    return directory


def integrity(directory) -> list[tuple[str, str, int, str]]:
    result = lint([str(directory)], Config())
    return [(d.code, d.path.rpartition("/")[2], d.span.line, d.message) for d in result.active if d.code.startswith("SM6")]


def snapshot(directory) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_lock_lists_every_up_and_down_file_in_version_order(locked):
    text = (locked / "safemig.sum").read_text()
    lines = text.splitlines()
    assert lines[0] == "safemig-sum 1"
    names = [line.split("  ", 1)[1] for line in lines if len(line) > 64 and line[64:66] == "  "]
    assert names == ["000001_users.down.sql", "000001_users.up.sql", "000003_email.down.sql", "000003_email.up.sql"]
    assert lines[-1].startswith("total ")
    assert integrity(locked) == []


def test_lock_is_deterministic_and_rewrites_nothing_when_up_to_date(locked, tmp_path):
    before = (locked / "safemig.sum").read_bytes()
    stat = (locked / "safemig.sum").stat()
    result = run("lock", str(locked))
    assert "up to date" in result.output
    assert (locked / "safemig.sum").stat().st_mtime_ns == stat.st_mtime_ns
    other = write_migrations(tmp_path / "copy", MIGRATIONS)
    run("lock", str(other))
    assert (other / "safemig.sum").read_bytes() == before


def test_edited_applied_migration(locked):
    (locked / "000001_users.up.sql").write_text("CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY, name text);\n")
    found = integrity(locked)
    assert [(code, name, line) for code, name, line, _ in found] == [("SM601", "000001_users.up.sql", 1)]
    assert "changed after it was locked in safemig.sum" in found[0][3]


def test_edited_down_file_counts_too(locked):
    (locked / "000003_email.down.sql").write_text("SELECT 1;\n")
    assert [f[:2] for f in integrity(locked)] == [("SM601", "000003_email.down.sql")]


def test_removed_files_are_reported_on_their_line_of_the_sum_file(locked):
    (locked / "000003_email.down.sql").unlink()
    (found,) = integrity(locked)
    lines = (locked / "safemig.sum").read_text().splitlines()
    assert found[:3] == ("SM602", "safemig.sum", lines.index(next(line for line in lines if line.endswith("000003_email.down.sql"))) + 1)
    assert "rolling back version 3 now only changes the recorded version" in found[3]
    (locked / "000003_email.up.sql").unlink()
    messages = [f[3] for f in integrity(locked)]
    assert any("no migration found for version 3" in m for m in messages)


def test_new_file_below_the_newest_locked_version_is_out_of_order(locked):
    write_migrations(locked, {"000002_phone.up.sql": "ALTER TABLE users ADD COLUMN IF NOT EXISTS phone text;\n"})
    found = integrity(locked)
    assert [f[:2] for f in found] == [("SM603", "000002_phone.up.sql")]
    assert "below 000003_email.up.sql (version 3)" in found[0][3]


def test_new_file_above_the_newest_is_only_not_locked_yet(locked):
    write_migrations(
        locked,
        {
            "000004_phone.up.sql": "ALTER TABLE users ADD COLUMN IF NOT EXISTS phone text;\n",
            "000004_phone.down.sql": "ALTER TABLE users DROP COLUMN IF EXISTS phone;\n",
        },
    )
    found = integrity(locked)
    assert [f[:2] for f in found] == [("SM605", "000004_phone.down.sql"), ("SM605", "000004_phone.up.sql")]
    assert lint([str(locked)], Config()).exit_code("warning") == 0  # info: CI uses `lock --check` to require it
    run("lock", str(locked))
    assert integrity(locked) == []


def test_a_down_file_added_to_a_locked_version_is_not_out_of_order(tmp_path):
    directory = write_migrations(tmp_path / "m", {k: v for k, v in MIGRATIONS.items() if k != "000001_users.down.sql"})
    run("lock", str(directory))
    write_migrations(directory, {"000001_users.down.sql": "DROP TABLE IF EXISTS users;\n"})
    found = integrity(directory)
    assert [f[:2] for f in found] == [("SM605", "000001_users.down.sql")]
    assert "adds a down file to version 1, which is locked" in found[0][3]


def test_a_rename_with_the_same_content_is_harmless_a_rename_with_an_edit_is_not(locked):
    (locked / "000003_email.up.sql").rename(locked / "000003_add_email.up.sql")
    assert [f[:2] for f in integrity(locked)] == [("SM605", "000003_add_email.up.sql")]
    (locked / "000003_add_email.up.sql").write_text("ALTER TABLE users ADD COLUMN IF NOT EXISTS mail text;\n")
    found = integrity(locked)
    assert [f[:2] for f in found] == [("SM601", "000003_add_email.up.sql")]
    assert "renamed from 000003_email.up.sql" in found[0][3]


def test_line_endings_and_bom_do_not_change_a_hash(locked):
    original = (locked / "000001_users.up.sql").read_bytes()
    (locked / "000001_users.up.sql").write_bytes(b"\xef\xbb\xbf" + original.replace(b"\n", b"\r\n"))
    (locked / "safemig.sum").write_bytes((locked / "safemig.sum").read_bytes().replace(b"\n", b"\r\n"))
    assert integrity(locked) == []
    # ... but any other byte does, trailing whitespace included
    (locked / "000001_users.up.sql").write_bytes(original.replace(b";", b"; "))
    assert [f[0] for f in integrity(locked)] == ["SM601"]


def test_content_hash_normalisation():
    assert integrity_files.content_hash(b"a\r\nb\rc\n") == integrity_files.content_hash(b"\xef\xbb\xbfa\nb\nc\n")
    assert integrity_files.content_hash(b"a\n") != integrity_files.content_hash(b"a\n\n")


@pytest.mark.parametrize(
    "tamper, reason",
    [
        (lambda lines: [lines[0], *lines[1:4], lines[5], lines[4], *lines[6:]], "out of order"),
        (lambda lines: [*lines[:4], *lines[5:]], "the total does not match"),
        (lambda lines: lines[:-1], "the 'total' line is missing"),
        (lambda lines: [lines[0].replace("1", "2"), *lines[1:]], "format 2"),
        (lambda lines: ["sha256 sums", *lines[1:]], "does not start with 'safemig-sum 1'"),
        (lambda lines: [*lines[:4], "garbage", *lines[4:]], "not an entry"),
        (lambda lines: [*lines[:4], lines[4], *lines[4:]], "listed twice"),
        (lambda lines: [], "is empty"),
    ],
)
def test_a_corrupt_or_hand_edited_sum_file_is_itself_a_finding(locked, tamper, reason):
    path = locked / "safemig.sum"
    lines = path.read_text().splitlines()
    path.write_text("".join(f"{line}\n" for line in tamper(lines)))
    found = [f for f in integrity(locked) if f[0] == "SM604"]
    assert found and all(f[1] == "safemig.sum" for f in found)
    assert any(reason in f[3] for f in found), found


def test_a_hand_edited_hash_hides_nothing(locked):
    path = locked / "safemig.sum"
    edited = "CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY, name text);\n"
    old, new = (integrity_files.content_hash(t.encode()) for t in (MIGRATIONS["000001_users.up.sql"], edited))
    path.write_text(path.read_text().replace(old, new))
    (locked / "000001_users.up.sql").write_text(edited)
    found = integrity(locked)
    assert [f[0] for f in found] == ["SM604"]
    assert found[0][2] == len(path.read_text().splitlines())  # on the total line


def test_binary_sum_file_is_a_finding_not_a_crash(locked):
    (locked / "safemig.sum").write_bytes(b"\xff\xfe\x00garbage")
    assert [f[0] for f in integrity(locked)] == ["SM604"]


def test_without_a_sum_file_nothing_is_reported(tmp_path):
    directory = write_migrations(tmp_path / "m", MIGRATIONS)
    assert integrity(directory) == []


def test_excluded_files_are_not_removed_files(locked):
    result = lint([str(locked)], Config(exclude=("000003_email.down.sql",)))
    assert [d.code for d in result.active if d.code.startswith("SM6")] == []


def test_lock_check_verifies_and_writes_nothing(locked, tmp_path):
    result = run("lock", "--check", str(locked))
    assert result.exit_code == 0 and "matches its 4 files" in result.output
    (locked / "000001_users.up.sql").write_text("SELECT 1;\n")
    write_migrations(locked, {"000004_x.up.sql": "SELECT 1;\n"})
    before = snapshot(locked)
    result = run("lock", "--check", str(locked))
    assert result.exit_code == 1
    assert "000001_users.up.sql:1: SM601" in result.output and "000004_x.up.sql:1: SM605 not locked yet" in result.output
    assert snapshot(locked) == before
    fresh = write_migrations(tmp_path / "fresh", MIGRATIONS)
    result = run("lock", "--check", str(fresh))
    assert result.exit_code == 1 and "safemig.sum: missing" in result.output
    assert not (fresh / "safemig.sum").exists()


def test_lock_writes_only_its_own_file(tmp_path):
    directory = write_migrations(tmp_path / "m", MIGRATIONS)
    before = snapshot(directory)
    assert run("lock", str(directory)).exit_code == 0
    after = snapshot(directory)
    assert set(after) - set(before) == {"safemig.sum"}
    assert {k: v for k, v in after.items() if k != "safemig.sum"} == before


def test_lock_of_a_missing_path_is_a_usage_error(tmp_path):
    result = run("lock", str(tmp_path / "nope"))
    assert result.exit_code == 2 and "no such file or directory" in result.output


class _FailingFile:
    """A file whose write stores half the data and then fails, as a full disk or a kill would."""

    def __init__(self, real):
        self.real = real

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.real.close()

    def write(self, data):
        self.real.write(data[: len(data) // 2])
        self.real.flush()
        raise OSError(28, "No space left on device")


@pytest.mark.parametrize("error", [OSError, KeyboardInterrupt])
def test_an_interrupted_lock_leaves_the_old_sum_file_intact(locked, monkeypatch, error):
    before = snapshot(locked)
    (locked / "000001_users.up.sql").write_text("SELECT 2;\n")
    real_fdopen = os.fdopen

    def failing_fdopen(descriptor, *args, **kwargs):
        file = _FailingFile(real_fdopen(descriptor, *args, **kwargs))
        if error is KeyboardInterrupt:
            file.write = lambda data: (_ for _ in ()).throw(KeyboardInterrupt())
        return file

    monkeypatch.setattr(atomic.os, "fdopen", failing_fdopen)
    with pytest.raises(error):
        sumfile.lock(discover([str(locked)]).directories[0])
    assert (locked / "safemig.sum").read_bytes() == before["safemig.sum"]
    assert sorted(p.name for p in locked.iterdir()) == sorted(before)  # no temporary file left behind


def test_findings_reach_every_format_with_file_and_line(locked, monkeypatch):
    (locked / "000003_email.up.sql").write_text("ALTER TABLE users ADD COLUMN IF NOT EXISTS mail text;\n")
    monkeypatch.chdir(locked.parent)
    data = json.loads(run("--format", "json", "migrations").output)
    (finding,) = [d for d in data["diagnostics"] if d["code"] == "SM601"]
    assert (finding["path"], finding["line"]) == ("migrations/000003_email.up.sql", 1)
    sarif = json.loads(run("--format", "sarif", "migrations").output)
    (result,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "SM601"]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 1
    assert "SM601" in {rule["id"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert "::error file=migrations/000003_email.up.sql,line=1" in run("--format", "github", "migrations").output
    assert "SM601" in run("--format", "markdown", "migrations").output
