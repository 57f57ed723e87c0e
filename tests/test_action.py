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


def run_action(root: Path, tmp_path: Path, **inputs: str) -> tuple[subprocess.CompletedProcess, dict, str]:
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "SAFEMIG_LINT": CLI,
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_OUTPUT": str(runner_temp / "output"),
        "GITHUB_STEP_SUMMARY": str(runner_temp / "summary.md"),
    }
    env.update({f"INPUT_{key.upper()}": value for key, value in inputs.items()})
    completed = subprocess.run(["bash", str(SCRIPT), "lint"], cwd=root, env=env, capture_output=True, text=True)
    outputs = dict(line.split("=", 1) for line in (runner_temp / "output").read_text().splitlines())
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
    for name in action["inputs"]:
        assert f"`{name}`" in readme, f"input {name} is not documented in README.md"
        if name != "upload-sarif":
            variable = "INPUT_" + name.upper().replace("-", "_")
            assert lint_env[variable] == f"${{{{ inputs.{name} }}}}" and variable in script
