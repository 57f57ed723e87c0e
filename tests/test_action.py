"""The GitHub Action's steps (scripts/action.sh, wired up by action.yml), run locally on a real git
repository with a pull-request-like diff, as a runner would run them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, write_migrations

SCRIPT = REPO / "scripts" / "action.sh"
CLI = str(Path(sys.executable).parent / "safemig-lint")


def git(root: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def pull_request(tmp_path):
    """main has two clean-ish migrations with an old problem; the branch adds a risky third one."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write_migrations(
        root / "db" / "migrations",
        {
            "000001_users.up.sql": "CREATE TABLE IF NOT EXISTS users (id bigint);\n",
            "000001_users.down.sql": "DROP TABLE IF EXISTS users;\n",
            "000002_old.up.sql": "DROP TABLE legacy;\n",  # an old finding, already merged
            "000002_old.down.sql": "SELECT 1;\n",
        },
    )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "feature")
    write_migrations(
        root / "db" / "migrations",
        {
            "000003_orders.up.sql": "CREATE TABLE orders (id bigint);\nTRUNCATE users;\n",
            "000003_orders.down.sql": "DROP TABLE IF EXISTS orders;\n",
        },
    )
    (root / "README.md").write_text("not a migration\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "add orders")
    return root


def run_action(
    root: Path, tmp_path: Path, step: str = "lint", runner: dict | None = None, **inputs: str
) -> tuple[subprocess.CompletedProcess, dict, str]:
    """One step of the action, as a runner runs it: a fresh GITHUB_OUTPUT and GITHUB_STEP_SUMMARY per step."""
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir(exist_ok=True)
    for name in ("output", "summary.md"):
        (runner_temp / name).unlink(missing_ok=True)
    env = {
        **os.environ,
        "SAFEMIG_LINT": CLI,
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_OUTPUT": str(runner_temp / "output"),
        "GITHUB_STEP_SUMMARY": str(runner_temp / "summary.md"),
        "SAFEMIG_LINT_NO_CACHE": "1",
        **(runner or {}),
    }
    env.update({f"INPUT_{key.upper()}": value for key, value in inputs.items()})
    completed = subprocess.run(["bash", str(SCRIPT), step], cwd=root, env=env, capture_output=True, text=True)
    output = runner_temp / "output"
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines()) if output.exists() else {}
    summary = (runner_temp / "summary.md").read_text() if (runner_temp / "summary.md").exists() else ""
    return completed, outputs, summary


def test_changed_only_reports_on_the_pull_requests_migrations(pull_request, tmp_path):
    completed, outputs, summary = run_action(pull_request, tmp_path, paths="db/migrations", changed_only="true", base="main")
    assert completed.returncode == 0, completed.stderr  # the step records the status; a later step fails
    assert outputs["exit-code"] == "1"
    assert "reporting on migrations added or changed since main" in completed.stdout
    annotated = set(re.findall(r"^::\w+ file=([^,]+),", completed.stdout, re.M))
    assert annotated == {"db/migrations/000003_orders.up.sql"}
    sarif = json.loads(Path(outputs["sarif-file"]).read_text())
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"SM104"}
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {"db/migrations/000003_orders.up.sql"}
    assert outputs["category"] == "safemig-lint/db/migrations"
    assert summary.startswith("## safemig-lint\n\n**1 problem** (1 error)")
    assert "000002_old" not in summary


def test_without_changed_only_every_migration_is_reported(pull_request, tmp_path):
    completed, outputs, summary = run_action(pull_request, tmp_path, paths="db/migrations", category="migrations-pg")
    assert outputs["exit-code"] == "1" and outputs["category"] == "migrations-pg"
    assert "000002_old.up.sql" in summary and "000003_orders.up.sql" in summary


def test_no_changed_migration_is_a_clean_run_with_a_summary(pull_request, tmp_path):
    git(pull_request, "checkout", "-q", "main")
    completed, outputs, summary = run_action(pull_request, tmp_path, paths="db/migrations", changed_only="true", base="main")
    assert completed.returncode == 0 and outputs["exit-code"] == "0", completed.stderr
    assert json.loads(Path(outputs["sarif-file"]).read_text())["runs"][0]["results"] == []
    assert summary.startswith("## safemig-lint\n\nNo problems found")


def test_pull_request_base_comes_from_github_base_ref(pull_request, tmp_path):
    git(pull_request, "update-ref", "refs/remotes/origin/main", "main")  # what actions/checkout fetches
    completed, outputs, _ = run_action(pull_request, tmp_path, paths="db/migrations", changed_only="true")
    assert completed.returncode == 2 and "changed-only needs a pull request" in completed.stderr
    env_runner = tmp_path / "runner"
    env = {
        **os.environ,
        "SAFEMIG_LINT": CLI,
        "RUNNER_TEMP": str(env_runner),
        "GITHUB_OUTPUT": str(env_runner / "out2"),
        "GITHUB_BASE_REF": "main",
        "INPUT_PATHS": "db/migrations",
        "INPUT_CHANGED_ONLY": "true",
    }
    completed = subprocess.run(["bash", str(SCRIPT), "lint"], cwd=pull_request, env=env, capture_output=True, text=True)
    assert completed.returncode == 0 and "since origin/main" in completed.stdout


def test_a_base_missing_from_a_shallow_checkout_is_a_clear_error(pull_request, tmp_path):
    completed, _, _ = run_action(pull_request, tmp_path, paths="db/migrations", changed_only="true", base="origin/nope")
    assert completed.returncode == 2
    assert "fetch-depth: 0" in completed.stderr


def test_action_yml_runs_the_script_and_documents_every_input():
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    runs = " ".join(step.get("run", "") for step in steps)
    assert 'scripts/action.sh" install' in runs and 'scripts/action.sh" lint' in runs
    upload = next(step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["category"] == "${{ steps.lint.outputs.category }}"
    lint_env = next(step for step in steps if step.get("id") == "lint")["env"]
    script = SCRIPT.read_text()
    readme = (REPO / "README.md").read_text()
    verify_env = next(step for step in steps if step.get("id") == "verify")["env"]
    install_env = next(step for step in steps if 'action.sh" install' in step.get("run", ""))["env"]
    for name in action["inputs"]:
        assert f"`{name}`" in readme, f"input {name} is not documented in README.md"
        variable = "INPUT_" + name.upper().replace("-", "_")
        assert variable in script
        passed = lint_env.get(variable) or verify_env.get(variable) or install_env.get(variable)
        assert passed == f"${{{{ inputs.{name} }}}}", name
    uploads = [step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert [u["with"]["category"] for u in uploads] == ["${{ steps.lint.outputs.category }}", "${{ steps.verify.outputs.category }}"]


def test_paths_as_a_yaml_block_and_args_with_quotes_are_read_as_a_shell_would(pull_request, tmp_path):
    write_migrations(pull_request / "db" / "other", {"000001_t.up.sql": "DROP TABLE t;\n", "000001_t.down.sql": "SELECT 1;\n"})
    block = "db/migrations\ndb/other\n"  # `paths: |` in a workflow
    completed, outputs, summary = run_action(pull_request, tmp_path, paths=block, args='--ignore "SM104" --exclude "*/000002_*"')
    assert outputs["exit-code"] == "1", completed.stderr
    assert "db/other/000001_t.up.sql" in summary and "in 6 files" in summary  # 000002_* excluded
    assert "SM104" not in summary and "000002_old" not in summary
    assert outputs["category"] == "safemig-lint/db/migrations,db/other"
    spaced, outputs, _ = run_action(pull_request, tmp_path, paths="db/migrations db/other")
    assert outputs["category"] == "safemig-lint/db/migrations,db/other"
    unclosed, _, _ = run_action(pull_request, tmp_path, paths="db/migrations", args='--ignore "SM104')
    assert unclosed.returncode == 2 and "cannot read" in unclosed.stderr


def test_a_usage_error_fails_the_step_with_its_message_and_nothing_stale_is_reported(pull_request, tmp_path):
    good, outputs, _ = run_action(pull_request, tmp_path, paths="db/migrations")
    assert outputs["exit-code"] == "1" and Path(outputs["sarif-file"]).exists()
    failed, outputs, summary = run_action(pull_request, tmp_path, paths="db/migrations", args="--dialect postgress")
    assert failed.returncode == 2  # the step itself fails
    assert "::error title=safemig-lint check::safemig-lint: error: command line: unknown dialect 'postgress'" in failed.stderr
    assert outputs["exit-code"] == "2" and outputs["sarif-file"] == ""  # no SARIF of the earlier run is uploaded
    assert "unknown dialect" in summary and "000003_orders" not in summary  # no report of the earlier run either
    typo, outputs, _ = run_action(pull_request, tmp_path, paths="db/migratons")
    assert typo.returncode == 2 and "db/migratons: no such file or directory" in typo.stderr


def test_the_job_summary_opens_with_a_table_per_rule_then_findings_until_the_cap(pull_request, tmp_path):
    many = "".join(f"DROP TABLE t{i};\n" for i in range(2000))
    write_migrations(pull_request / "db" / "migrations", {"000004_many.up.sql": many, "000004_many.down.sql": "SELECT 1;\n"})
    completed, outputs, summary = run_action(pull_request, tmp_path, paths="db/migrations")
    assert outputs["exit-code"] == "1"
    assert len(summary) <= 65_536
    table = summary[: summary.index("\n### ")]
    assert "| Rule | Findings |" in table and re.search(r"\| \[SM101 drop-table\]\([^)]*\) \| 2001 \|", table)
    assert re.search(r"… and \d+ more findings were cut \(in `db/migrations/000004_many.up.sql`\) to fit", summary), summary[-400:]


def test_a_pull_request_from_a_fork_skips_the_upload_with_a_notice(pull_request, tmp_path):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"head": {"repo": {"full_name": "someone/fork"}}}}))
    runner = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event), "GITHUB_REPOSITORY": "acme/app"}
    completed, outputs, summary = run_action(pull_request, tmp_path, runner=runner, paths="db/migrations")
    assert completed.returncode == 0 and outputs["exit-code"] == "1"
    assert outputs["sarif-file"] == ""  # the upload step's condition is false: it is skipped
    assert "::notice title=safemig-lint::not uploading SARIF: a pull request from the fork someone/fork" in completed.stdout
    assert "000003_orders" in summary  # the findings are still shown
    same = {**runner, "GITHUB_REPOSITORY": "someone/fork"}
    _, outputs, _ = run_action(pull_request, tmp_path, runner=same, paths="db/migrations")
    assert outputs["sarif-file"].endswith("check.sarif")


def test_verify_runs_on_the_same_paths_with_its_own_category_and_files(tmp_path):
    root = tmp_path / "repo"
    write_migrations(
        root / "db",
        {
            "000001_a.up.sql": "CREATE TABLE a (id INTEGER);\n",
            "000001_a.down.sql": "SELECT 1;\n",  # leaves table a behind
        },
    )
    (root / ".safemig-lint.toml").write_text('dialect = "sqlite"\n')
    lint, lint_outputs, _ = run_action(root, tmp_path, paths="db")
    completed, outputs, summary = run_action(root, tmp_path, step="verify", paths="db")
    assert completed.returncode == 0, completed.stderr
    assert outputs["exit-code"] == "1" and outputs["category"] == "safemig-lint/db/verify"
    sarif = json.loads(Path(outputs["sarif-file"]).read_text())
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"SM703", "SM704"}  # left behind, so up fails again
    assert Path(outputs["sarif-file"]).parent != Path(lint_outputs["sarif-file"]).parent
    assert "SM703" in summary
