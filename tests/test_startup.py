"""What a run does before and around linting, cut down: the rule modules of other dialects and of `verify`
not imported (checks.rules_for), only the command asked for built by typer (cli._app_for), no cache key
worked out for a cache that keeps nothing, value classes described without `inspect`. Each is compared
here with the general path on real inputs: the rule pages' examples, the fixtures, the commands' help."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import FIXTURES, page_example_folders, write_migrations
from typer.testing import CliRunner

from safemig_lint import checks, cli, engine
from safemig_lint.cache import Cache, MemoryCache
from safemig_lint.checks import all_rules, rule_codes, rules_for
from safemig_lint.checks.base import Rule
from safemig_lint.config import Config, load_config
from safemig_lint.engine import LintResult, lint
from safemig_lint.values import value

DIALECTS = ("postgres", "mysql", "sqlite")


def _findings(result: LintResult) -> list[tuple]:
    return [(d.sort_key, d.message, d.help, d.snippet) for d in result.diagnostics]


def _hooks(rule: type[Rule]) -> set[str]:
    return {hook for hook in ("check_statement", "check_file", "check_directory", "check_invocation") if rule.overrides(hook)}


def _may_act_on(rule: type[Rule], dialect: str) -> bool:
    """Whether a `check` of a folder of this dialect may call one of the rule's hooks (the engine's own tests)."""
    hooks = _hooks(rule)
    if hooks - {"check_statement", "check_file"}:
        return True  # the folder's and invocation files' hooks run whatever the dialect
    return bool(hooks) and (rule.dialects is None or dialect in rule.dialects)


@pytest.mark.parametrize("dialect", [*DIALECTS, "other"])
def test_rules_for_a_dialect_leave_out_only_rules_that_cannot_act_on_it(dialect):
    """A rule left out that could act on the dialect's folders would lose its findings silently."""
    kept = set(rules_for(dialect))
    assert kept <= set(all_rules())
    assert [rule for rule in all_rules() if rule not in kept and _may_act_on(rule, dialect)] == []
    assert list(rules_for(dialect)) == sorted(kept, key=lambda rule: rule.code)  # all_rules' order


def test_only_for_table_follows_the_rules_declarations():
    """Each module of the table is there for the dialects its rules declare (none: `verify`'s rules, with no
    hook), and every module that could be is (else its rules are imported for nothing)."""
    by_module: dict[str, list[type[Rule]]] = {}
    for rule in all_rules():
        by_module.setdefault(rule.__module__.rpartition(".")[2][:5], []).append(rule)
    expected = {}
    for module, rules in by_module.items():
        if all(not _hooks(rule) for rule in rules):
            expected[module] = frozenset()
        elif all(rule.dialects is not None and _hooks(rule) <= {"check_statement", "check_file"} for rule in rules):
            expected[module] = frozenset().union(*(rule.dialects or () for rule in rules))
    assert checks._ONLY_FOR == expected
    assert any(expected.values()) and frozenset() in expected.values()  # not vacuous


def test_rule_codes_are_the_rules_codes():
    """Suppressions are judged against rule_codes (the modules' names), not the rules imported."""
    assert rule_codes() == [rule.code for rule in all_rules()]


def test_pages_and_fixtures_find_the_same_with_every_rule_imported(tmp_path, monkeypatch):
    """The rule pages' examples (every dialect) and the fixtures, linted with the rules of their dialect and
    with every rule: the same findings. Suppressions of other dialects' rules are among them (SM010)."""
    folders = page_example_folders(tmp_path, rule_codes())
    (tmp_path / "pg").mkdir()
    suppressing = write_migrations(
        tmp_path / "pg" / "migrations",
        {
            "000001_a.up.sql": "-- safemig-lint: ignore SM520 copied on MySQL only\n"
            "-- safemig-lint: ignore SM701 verify's\n-- safemig-lint: ignore SM999\nCREATE TABLE t (id int);\n",
            "000001_a.down.sql": "DROP TABLE t;\n",
        },
    )
    default = folders.setdefault("", (load_config(None, rule_codes()), []))[1]
    default.extend([str(suppressing), *(str(path) for path in sorted(FIXTURES.iterdir()) if path.is_dir())])
    chosen = {text: _findings(lint(paths, config, jobs=1)) for text, (config, paths) in folders.items()}
    suppressed = [d for d in lint([str(suppressing)], Config(), jobs=1).diagnostics if d.code in ("SM009", "SM010")]
    assert len(suppressed) == 3  # SM520 and SM701 silenced nothing, SM999 is no rule
    monkeypatch.setattr(checks, "rules_for", lambda dialect: all_rules())
    for text, (config, paths) in folders.items():
        assert _findings(lint(paths, config, jobs=1)) == chosen[text], text


def test_a_check_of_postgres_imports_no_rule_of_other_dialects_or_of_verify_nor_hashlib(tmp_path):
    """Nor hashlib, without a cache that keeps anything: importing it (it starts OpenSSL) costs a one-file run ~1%."""
    folder = write_migrations(tmp_path / "migrations", {"000001_a.up.sql": "CREATE TABLE t (id int);\n"})
    code = (
        "import sys\nfrom safemig_lint.config import Config\nfrom safemig_lint.engine import lint\n"
        f"lint([{str(folder)!r}], Config(), jobs=1)\n"
        "print(sorted(m.rpartition('.')[2][:5] for m in sys.modules if m.startswith('safemig_lint.checks.sm') or 'hash' in m))"
    )
    imported = set(eval(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout))
    assert "sm101" in imported and "hashl" not in imported
    other_dialects = {name for name, only in checks._ONLY_FOR.items() if only and "postgres" not in only}
    assert other_dialects and imported.isdisjoint(other_dialects | {f"sm{number}" for number in range(701, 712)})


COMMANDS = [command.name or command.callback.__name__ for command in cli.app.registered_commands if command.callback]


@pytest.mark.parametrize("command", COMMANDS)
def test_the_app_of_one_command_helps_as_the_whole_app(command):
    """`safemig-lint COMMAND --help` from the app holding that command alone, and from the whole app."""
    runner = CliRunner()
    whole = runner.invoke(cli.app, [command, "--help"], prog_name="safemig-lint", env={"COLUMNS": "100"})
    alone = runner.invoke(cli._app_for([command, "--help"]), [command, "--help"], prog_name="safemig-lint", env={"COLUMNS": "100"})
    assert whole.exit_code == alone.exit_code == 0
    assert alone.output == whole.output
    assert [c.name for c in cli._app_for([command]).registered_commands] in ([command], [None])


def test_the_app_of_check_lints_as_the_whole_app(tmp_path):
    folder = write_migrations(tmp_path / "migrations", {"000001_a.up.sql": "DROP TABLE t;\nCREATE INDEX i ON t (a);\n"})
    runner = CliRunner()
    arguments = ["check", "--no-cache", "--format", "json", str(folder)]
    whole = runner.invoke(cli.app, arguments, prog_name="safemig-lint")
    alone = runner.invoke(cli._app_for(arguments), arguments, prog_name="safemig-lint")
    assert (alone.exit_code, alone.output) == (whole.exit_code, whole.output)
    assert '"SM101"' in whole.output


@pytest.mark.parametrize("arguments", [[], ["migrations/"], ["--version"], ["--help"], ["chek", "x"]])
def test_a_run_not_naming_a_command_first_builds_the_whole_app(arguments):
    """Defaulting to `check`, root options and typos need every command."""
    assert cli._app_for(arguments) is cli.app


def test_a_cache_that_keeps_nothing_is_not_keyed_and_the_findings_are_the_same(tmp_path):
    """No key is worked out for a cache that keeps nothing; one that keeps is keyed as before."""
    folder = write_migrations(tmp_path / "migrations", {"000001_a.up.sql": "DROP TABLE t;\n", "000001_a.down.sql": "SELECT 1;\n"})
    discovery = engine.discover([str(folder)], [])
    (directory,) = discovery.directories
    unkeyed = engine._work(directory, Config(), discovery, None, {}, Cache(None).keeps)
    keyed = engine._work(directory, Config(), discovery, None, {}, MemoryCache().keeps)
    assert unkeyed.key == "" and len(keyed.key) == 64
    assert _findings(lint([str(folder)], Config(), cache=Cache(None), jobs=1)) == _findings(
        lint([str(folder)], Config(), cache=Cache(tmp_path / "cache"), jobs=1)
    )


@value
class _Base:
    first: int
    second: str = ""


@value
class _Undescribed(_Base):
    third: float = 0.0
    second: str = "kept in its place"


@value
class _Described:
    """Said here."""

    only: int


def test_a_value_class_without_a_docstring_is_described_by_its_fields_in_order():
    """dataclass would describe it by its signature (inspect); the fields named are those, in its order."""
    assert _Undescribed.__doc__ == "_Undescribed(first, second, third)"
    assert list(_Undescribed.__dataclass_fields__) == ["first", "second", "third"]
    assert _Base.__doc__ == "_Base(first, second)"
    assert _Described.__doc__ == "Said here."


@value(unsafe_hash=True)
class _NothingCompared:
    pass


@value(unsafe_hash=True)
class _OneCompared:
    only: int


def test_each_value_class_compares_the_tuple_of_its_compared_fields():
    """values._compared, an attrgetter per class, gives what a generator over the compared fields gave (a tuple,
    one field's too: hashes, and so the order of sets of values, stay those of dataclass's __hash__)."""
    import importlib
    from dataclasses import fields
    from types import SimpleNamespace

    for module in ("analysis.schema.effects", "operations.ops", "operations.model", "operations.file_ops", "diagnostics"):
        importlib.import_module(f"safemig_lint.{module}")
    all_rules()
    classes = {cls for module in list(sys.modules.values()) for cls in vars(module).values() if hasattr(cls, "_value_compared")}
    classes = {cls for cls in classes if isinstance(cls, type)}
    assert {_NothingCompared, _OneCompared, _Undescribed} <= classes and len(classes) > 50
    for cls in classes:
        names = [f.name for f in fields(cls) if f.compare]
        item = SimpleNamespace(**{name: object() for name in names})
        assert cls._value_compared(item) == tuple(getattr(item, name) for name in names), cls  # what values._compared reads
    assert hash(_OneCompared(3)) == hash((3,)) and _OneCompared(3) == _OneCompared(3) != _OneCompared(4)
    assert _NothingCompared() == _NothingCompared() and hash(_NothingCompared()) == hash(())
