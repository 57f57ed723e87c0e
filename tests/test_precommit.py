"""The real pre-commit, running this repository's hooks on a commit in another repository.

pre-commit builds the hook's environment from the repository (pip install, with our
dependencies from the package index: once for the module, ~40 s), then passes the staged files
only: the commit check must fail on a bad staged migration, show the finding, and pass once it
is fixed; the lock hook runs on the folders named whatever is staged.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pre_commit") is None, reason="pre-commit is not installed: pip install -e '.[test]'"
)

GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=GIT_ENV, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def hook_repository(tmp_path_factory) -> Path:
    """This repository's working tree, as it would be committed, in a repository of its own.

    try-repo's own snapshot of uncommitted changes leaves out files not yet added to git
    (a new rule module, say), so the hook would run stale code; this copy has them all.
    """
    if not (REPO / ".git").exists():
        pytest.skip("the hook is installed from a git checkout of safemig-lint")
    copy = tmp_path_factory.mktemp("hook") / "safemig-lint"
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO).split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():  # a tracked file deleted in the working tree is simply absent
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    git("init", "-q", cwd=copy)
    git("add", "-A", cwd=copy)
    git("commit", "-q", "--no-verify", "-m", "snapshot", cwd=copy)
    return copy


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    """pre-commit's own cache, shared by this module's runs: the hook's environment is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


def run_hooks(hook_repository: Path, project: Path, home: Path, hooks: str) -> subprocess.CompletedProcess:
    """`pre-commit run` on what is staged, with a .pre-commit-config.yaml naming this repository's hooks."""
    revision = git("rev-parse", "HEAD", cwd=hook_repository).strip()
    config = f"repos:\n  - repo: {hook_repository}\n    rev: {revision}\n    hooks:\n{hooks}"
    (project / ".pre-commit-config.yaml").write_text(config)
    git("add", ".pre-commit-config.yaml", cwd=project)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--color", "never"],
        cwd=project, env={**GIT_ENV, "PRE_COMMIT_HOME": str(home)}, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


HOOK = "      - id: safemig-lint\n"


def test_commit_check_blocks_a_bad_migration_and_passes_once_fixed(hook_repository, pre_commit_home, tmp_path):
    project = tmp_path / "project"
    migrations = project / "db" / "migrations"
    migrations.mkdir(parents=True)
    git("init", "-q", cwd=project)
    (migrations / "000001_create_users.up.sql").write_text("CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY);\n")
    (migrations / "000001_create_users.down.sql").write_text("DROP TABLE IF EXISTS users;\n")
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "init", cwd=project)

    (migrations / "000002_sessions.up.sql").write_text("DROP TABLE sessions;\n")
    (migrations / "000002_sessions.down.sql").write_text("SELECT 1;\n")
    (migrations / "000003_add_email_up.sql").write_text("ALTER TABLE users ADD COLUMN IF NOT EXISTS email text;\n")
    makefile = 'migrate:\n\tmigrate -path db/migrations -database "postgres://app:{}@db.acme.io:5432/app" up\n'
    (project / "Makefile").write_text(makefile.format("S3cr3t-x7"))
    git("add", "-A", cwd=project)
    # Not staged: read as context by safemig-lint, but not pre-commit's business.
    (migrations / "000004_wip.up.sql").write_text("TRUNCATE users;\n")

    blocked = run_hooks(hook_repository, project, pre_commit_home, HOOK)
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "safemig-lint" in blocked.stdout and "Failed" in blocked.stdout
    assert "db/migrations/000002_sessions.up.sql:1:12: SM101 [error] drop-table" in blocked.stdout
    assert "db/migrations/000003_add_email_up.sql:1:1: SM002 [error] misnamed-migration" in blocked.stdout
    assert "000004_wip" not in blocked.stdout
    assert "Makefile:2:41: SM408 [error] database-url-password" in blocked.stdout
    assert "S3cr3t-x7" not in blocked.stdout + blocked.stderr

    (migrations / "000003_add_email_up.sql").rename(migrations / "000003_add_email.up.sql")
    (migrations / "000003_add_email.down.sql").write_text("ALTER TABLE users DROP COLUMN IF EXISTS email;\n")
    (migrations / "000002_sessions.up.sql").write_text("CREATE TABLE IF NOT EXISTS sessions (id bigint PRIMARY KEY);\n")
    (migrations / "000002_sessions.down.sql").write_text("DROP TABLE IF EXISTS sessions;\n")
    (project / "Makefile").write_text(makefile.format("$(DB_PASSWORD)"))
    git("add", "-A", "--", "db/migrations/000002_*", "db/migrations/000003_*", "Makefile", cwd=project)

    passed = run_hooks(hook_repository, project, pre_commit_home, HOOK)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert any(line.startswith("safemig-lint") and line.endswith("Passed") for line in passed.stdout.splitlines())


def new_project(tmp_path: Path) -> tuple[Path, Path]:
    project = tmp_path / "project"
    migrations = project / "db" / "migrations"
    migrations.mkdir(parents=True)
    git("init", "-q", cwd=project)
    (migrations / "000001_users.up.sql").write_text("CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY);\n")
    (migrations / "000001_users.down.sql").write_text("DROP TABLE IF EXISTS users;\n")
    return project, migrations


def test_the_lock_hook_fails_a_commit_that_deletes_a_locked_migration(hook_repository, pre_commit_home, tmp_path):
    project, migrations = new_project(tmp_path)
    subprocess.run(
        [str(Path(sys.executable).parent / "safemig-lint"), "lock", "db/migrations"], cwd=project, check=True, capture_output=True
    )
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "init", cwd=project)
    hooks = "      - id: safemig-lint-lock\n        args: [db/migrations]\n"
    clean = run_hooks(hook_repository, project, pre_commit_home, hooks)
    assert clean.returncode == 0, clean.stdout + clean.stderr  # runs with no migration staged (always_run)
    assert "safemig-lint lock --check" in clean.stdout and "Passed" in clean.stdout

    git("rm", "-q", "db/migrations/000001_users.down.sql", cwd=project)  # stages no file the check hook would get
    blocked = run_hooks(hook_repository, project, pre_commit_home, hooks)
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "000001_users.down.sql" in blocked.stdout and "Failed" in blocked.stdout


def test_a_staged_down_whose_up_is_untracked_is_judged_as_the_commit_will_be(hook_repository, pre_commit_home, tmp_path):
    project, migrations = new_project(tmp_path)
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "init", cwd=project)
    (migrations / "000002_orders.up.sql").write_text("CREATE TABLE IF NOT EXISTS orders (id bigint);\n")  # not staged
    (migrations / "000002_orders.down.sql").write_text("DROP TABLE IF EXISTS orders;\n")
    git("add", "db/migrations/000002_orders.down.sql", cwd=project)

    blocked = run_hooks(hook_repository, project, pre_commit_home, HOOK)
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "db/migrations/000002_orders.down.sql:1:1: SM006 [warning] orphan-down" in blocked.stdout, blocked.stdout
    # The working tree, as `safemig-lint check` sees it outside a hook run, has the pair.
    cli = subprocess.run(
        [str(Path(sys.executable).parent / "safemig-lint"), "check", "db/migrations/000002_orders.down.sql"],
        cwd=project, capture_output=True, text=True,
    )  # fmt: skip
    assert "SM006" not in cli.stdout

    git("add", "db/migrations/000002_orders.up.sql", cwd=project)
    passed = run_hooks(hook_repository, project, pre_commit_home, HOOK)
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_the_projects_own_hooks_run_ruff_check_format_and_mypy(hook_repository, pre_commit_home):
    """`.pre-commit-config.yaml` of this repository: ruff check, ruff format and mypy pass on its own tree,
    and catch an unused import, a badly formatted line and a type error (~10 s: pre-commit installs ruff
    once). mypy is the one of the environment the tests run in, as the hook's is the developer's; it starts
    from a copy of this checkout's mypy cache when there is one (the test command has just filled it)."""
    mypy_cache = pre_commit_home / "mypy-cache"
    if (REPO / ".mypy_cache").is_dir() and not mypy_cache.exists():
        shutil.copytree(REPO / ".mypy_cache", mypy_cache)
    env = {
        **GIT_ENV,
        "PRE_COMMIT_HOME": str(pre_commit_home),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "MYPY_CACHE_DIR": str(mypy_cache),
    }

    def run_all() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
            cwd=hook_repository, env=env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip

    clean = run_all()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "ruff check" in clean.stdout and "ruff format" in clean.stdout and "mypy" in clean.stdout
    bad = hook_repository / "safemig_lint" / "zz_bad.py"
    bad.write_text("import os\nx = {  'a':1 }\ny: int = 'one'\n")
    git("add", "safemig_lint/zz_bad.py", cwd=hook_repository)
    try:
        failed = run_all()
        assert failed.returncode == 1
        assert "F401" in failed.stdout and "files were modified by this hook" in failed.stdout
        # (the line after ruff format's blank line below the import)
        assert 'zz_bad.py:4: error: Incompatible types in assignment (expression has type "str", variable has type "int")' in failed.stdout
    finally:
        git("rm", "-q", "-f", "safemig_lint/zz_bad.py", cwd=hook_repository)
