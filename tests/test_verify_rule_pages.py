"""The SM7xx rule pages' examples, run the way `verify` runs them: the Bad example is flagged, the Good one is not."""

from __future__ import annotations

import pytest
from conftest import write_migrations

from safemig_lint.checks import all_rules, rules_by_code
from safemig_lint.config import load_config
from safemig_lint.reading.discovery import discover
from safemig_lint.rule_pages import load_page
from safemig_lint.verify.runner import RoundTrip, VerifyOptions
from safemig_lint.verify.targets import PostgresTarget, SqliteTarget

VERIFY_RULES = [rule for rule in all_rules() if rule.code.startswith("SM7")]


def verify_example(example, tmp_path, request) -> list[str]:
    directory = write_migrations(tmp_path / "migrations", example.files)
    config_file = tmp_path / ".safemig-lint.toml"
    config_file.write_text(example.config or 'dialect = "postgres"\n', encoding="utf-8")
    config = load_config(config_file, list(rules_by_code()))
    if config.dialect == "sqlite":
        new_target = lambda: SqliteTarget(tmp_path, statement_timeout=10)  # noqa: E731
    else:
        server = request.getfixturevalue("embedded_postgres")
        new_target = lambda: PostgresTarget(server.connection_kwargs, statement_timeout=10)  # noqa: E731
    (migrations,) = discover([str(directory)]).directories
    outcome = RoundTrip(migrations, config, new_target, VerifyOptions(compare_model=True, with_data=True)).run()
    return [d.code for d in outcome.diagnostics if d.suppression is None]


@pytest.mark.parametrize("rule", VERIFY_RULES, ids=lambda r: r.code)
def test_bad_example_is_flagged_by_verify(rule, tmp_path, request):
    assert rule.code in verify_example(load_page(rule.code).bad, tmp_path, request)


@pytest.mark.parametrize("rule", VERIFY_RULES, ids=lambda r: r.code)
def test_good_example_is_not_flagged_by_verify(rule, tmp_path, request):
    assert rule.code not in verify_example(load_page(rule.code).good, tmp_path, request)
