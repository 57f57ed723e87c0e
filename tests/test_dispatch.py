"""The engine calls a rule's check_statement only on the statements that hold what the rule declares
it reads (Rule.reads_ops, reads_tokens, reads_effects). A declaration that leaves out something the
rule does report on would hide findings silently: here every rule page's examples and every fixture
folder are linted with the declarations and with every rule called on every statement, and the
findings must be the same."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, lint_example

from safemig_lint.checks import all_rules
from safemig_lint.config import load_config
from safemig_lint.engine import LintResult, lint
from safemig_lint.rule_pages import load_page

DECLARATIONS = ("reads_ops", "reads_tokens", "reads_effects")
DECLARING = [rule for rule in all_rules() if any(getattr(rule, name) is not None for name in DECLARATIONS)]


def _findings(result: LintResult) -> list[tuple]:
    return sorted(d.sort_key for d in result.diagnostics)


def _called_everywhere(monkeypatch) -> None:
    for rule in DECLARING:
        for name in DECLARATIONS:
            monkeypatch.setattr(rule, name, None)


def test_rules_declare_what_they_read():
    """Not vacuous: the rules this file guards do declare, of each kind."""
    for name in DECLARATIONS:
        assert any(getattr(rule, name) is not None for rule in DECLARING), name


@pytest.mark.parametrize("rule", DECLARING, ids=lambda r: r.code)
def test_page_examples_find_the_same_when_called_everywhere(rule, tmp_path, monkeypatch):
    page = load_page(rule.code)
    for kind, example in (("bad", page.bad), ("good", page.good)):
        declared = _findings(lint_example(example, tmp_path / kind))
        with monkeypatch.context() as patch:
            _called_everywhere(patch)
            everywhere = _findings(lint_example(example, tmp_path / kind))
        assert declared == everywhere, f"{rule.code} {kind} example"


@pytest.mark.parametrize("folder", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()))
def test_fixtures_find_the_same_when_called_everywhere(folder, monkeypatch):
    directory = FIXTURES / folder
    config_file = directory / ".safemig-lint.toml"
    config = load_config(config_file if config_file.exists() else None, [rule.code for rule in all_rules()])
    declared = _findings(lint([str(directory)], config))
    _called_everywhere(monkeypatch)
    assert declared == _findings(lint([str(directory)], config))


@pytest.mark.parametrize("code", sorted(rule.code for rule in all_rules() if rule.dialects is not None))
def test_a_rule_is_called_only_on_its_dialects_files(code, lint_sql, monkeypatch):
    rule = next(rule for rule in all_rules() if rule.code == code)
    called: list[str] = []
    monkeypatch.setattr(rule, "reads_ops", None)  # every statement, whatever it does
    monkeypatch.setattr(rule, "reads_tokens", None)
    monkeypatch.setattr(rule, "reads_effects", None)
    monkeypatch.setattr(rule, "check_statement", lambda self, statement, context: called.append(context.dialect) or ())
    monkeypatch.setattr(rule, "check_file", lambda self, context: called.append(context.dialect) or ())
    files = {"000001_t.up.sql": "CREATE TABLE t (id int);\n", "000001_t.down.sql": "DROP TABLE t;\n"}
    for dialect in ("postgres", "mysql", "sqlite"):
        lint_sql(files, dialect=dialect)
    assert called and set(called) == set(rule.dialects)
