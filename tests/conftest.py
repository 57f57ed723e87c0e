from __future__ import annotations

from pathlib import Path

import pytest

from safemig_lint.checks import rules_by_code
from safemig_lint.config import Config, load_config
from safemig_lint.engine import LintResult, lint
from safemig_lint.rule_pages import Example

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


def write_migrations(directory: Path, files: dict[str, str | bytes]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return directory


def lint_example(example: Example, tmp_path: Path) -> LintResult:
    """Lint a rule page's example the way a user would: its files in a directory, its TOML as config."""
    directory = write_migrations(tmp_path / "migrations", example.files)
    config = Config()
    if example.config:
        config_file = tmp_path / ".safemig-lint.toml"
        config_file.write_text(example.config, encoding="utf-8")
        config = load_config(config_file, list(rules_by_code()))
    return lint([str(directory)], config)


@pytest.fixture
def lint_sql(tmp_path):
    """Lint a dict of {file name: SQL} and return the active diagnostics' codes with the result."""

    def run(files: dict[str, str | bytes], dialect: str = "postgres", **settings) -> LintResult:
        directory = write_migrations(tmp_path / "m", files)
        return lint([str(directory)], Config(dialect=dialect, **settings))

    return run


def codes(result: LintResult) -> list[str]:
    return [d.code for d in result.active]


@pytest.fixture
def in_repo(tmp_path, monkeypatch):
    """A git checkout (just its .git marker) at tmp_path/repo, entered."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    monkeypatch.chdir(root)
    return root
