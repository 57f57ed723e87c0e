"""The CI and pre-commit recipes in README.md run as written, so they cannot drift from the CLI."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO
from test_sarif import schema_errors

from safemig_lint.reporters import PROJECT_URL

yaml = pytest.importorskip("yaml")  # PyYAML comes with pre-commit, in the test extra

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _section() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n## CI and pre-commit\n")
    end = readme.find("\n## ", start + 1)
    return readme[start : end if end >= 0 else None]


def _blocks(language: str) -> list[str]:
    return [body for lang, body in _FENCE.findall(_section()) if lang == language]


def _documents() -> dict[str, dict]:
    """The YAML recipes by kind: the GitHub workflow, the GitLab job, the pre-commit config."""
    found = {}
    for body in _blocks("yaml"):
        document = yaml.safe_load(body)
        kind = "github" if "jobs" in document else "pre-commit" if "repos" in document else "gitlab"
        found[kind] = document
    assert set(found) == {"github", "gitlab", "pre-commit"}
    return found


def _commands() -> list[str]:
    documents = _documents()
    steps = [step.get("run", "") for job in documents["github"]["jobs"].values() for step in job["steps"]]
    scripts = [line for job in documents["gitlab"].values() for line in job["script"]]
    shell = [line for body in _blocks("sh") for line in body.splitlines()]
    return [line.strip() for line in [*steps, *scripts, *shell] if line.strip().startswith("safemig-lint ")]


def _outputs(command: str, environment: dict) -> list[tuple[str, str]]:
    """The (format, file) pairs a command line writes, with $VARIABLES taken from `environment`."""

    def expand(match: re.Match) -> str:
        return environment.get(match.group(1) or match.group(2), match.group(0))

    expanded = [re.sub(r"\$(\w+)|\$\{(\w+)\}", expand, word) for word in shlex.split(command)]
    formats = [expanded[i + 1] for i, word in enumerate(expanded) if word == "--output-format"]
    files = [expanded[i + 1] for i, word in enumerate(expanded) if word == "--output"]
    return list(zip(formats, files))


def test_readme_has_every_recipe_and_their_commands():
    assert len(_commands()) >= 3


@pytest.mark.parametrize("command", _commands())
def test_recipe_command_runs_against_the_fixtures(command, tmp_path):
    workspace = tmp_path / "checkout"
    shutil.copytree(FIXTURES / "app", workspace / "db" / "migrations")
    (workspace / ".git").mkdir()
    summary = tmp_path / "step_summary.md"
    summary.write_text("", encoding="utf-8")
    environment = {
        **os.environ,
        "GITHUB_STEP_SUMMARY": str(summary),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    completed = subprocess.run(["bash", "-c", command], cwd=workspace, env=environment, capture_output=True, text=True, check=False)
    assert completed.returncode == 1, completed.stderr  # the example app has errors on purpose
    assert completed.stderr == ""
    if "--format github" in command:
        assert completed.stdout and all(line.startswith("::") for line in completed.stdout.splitlines())
    else:
        assert "SM101 [error] drop-table" in completed.stdout

    outputs = _outputs(command, environment)
    assert outputs
    for name, target in outputs:
        written = (workspace / target).read_text(encoding="utf-8")
        if name == "sarif":
            log = json.loads(written)
            assert schema_errors(log) == []
            uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
            assert "db/migrations/000004_drop_legacy_sessions.up.sql" in uris
        elif name == "markdown":
            assert written.startswith("## safemig-lint\n") and "[SM101 drop-table](" in written
        else:
            pytest.fail(f"recipe writes a {name} report that this test does not check")


def test_github_workflow_uploads_the_file_the_lint_step_writes():
    workflow = _documents()["github"]
    assert workflow["permissions"]["security-events"] == "write"
    steps = next(iter(workflow["jobs"].values()))["steps"]
    lint = next(step["run"] for step in steps if str(step.get("run", "")).startswith("safemig-lint "))
    upload = next(step for step in steps if str(step.get("uses", "")).startswith("github/codeql-action/upload-sarif@"))
    assert upload["if"] == "always()"
    assert ("sarif", upload["with"]["sarif_file"]) in _outputs(lint, {})


def test_gitlab_job_keeps_its_report_as_an_artifact():
    job = next(iter(_documents()["gitlab"].values()))
    lint = next(line for line in job["script"] if line.startswith("safemig-lint "))
    assert job["artifacts"]["when"] == "always"
    assert {target for _, target in _outputs(lint, {})} <= set(job["artifacts"]["paths"])


def test_install_lines_point_at_this_project():
    installs = re.findall(r"pip install (.+)", _section())
    assert installs
    for line in installs:
        assert f"git+{PROJECT_URL}@" in line


def test_pre_commit_snippet_uses_a_hook_this_repository_defines():
    manifest = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    defined = {hook["id"]: hook for hook in manifest}
    (repository,) = _documents()["pre-commit"]["repos"]
    assert repository["repo"] == PROJECT_URL
    assert re.fullmatch(r"v\d+\.\d+\.\d+", repository["rev"])
    for hook in repository["hooks"]:
        assert hook["id"] in defined
        if defined[hook["id"]].get("pass_filenames", True):
            assert re.search(hook["files"], "db/migrations/000001_init.up.sql")
            assert not re.search(hook["files"], "queries/report.sql")
        else:  # the lock hook runs on the folders it is given, whatever is staged
            assert defined[hook["id"]]["always_run"] is True and hook["args"] == ["db/migrations"]


def test_hook_definition_matches_migrations_and_stray_sql():
    hook, lock = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert lock["id"] == "safemig-lint-lock" and shlex.split(lock["entry"])[:3] == ["safemig-lint", "lock", "--check"]
    assert lock["pass_filenames"] is False and lock["always_run"] is True
    assert hook["id"] == "safemig-lint" and hook["language"] == "python" and hook["require_serial"] is True
    assert shlex.split(hook["entry"])[0] == "safemig-lint"
    files = re.compile(hook["files"])
    for name in ["db/000001_init.up.sql", "db/000001_init.down.sql", "db/V1__init.sql", "db/0002_add_up.SQL"]:
        assert files.search(name), name
    # and the files that run golang-migrate (SM408-SM412)
    for name in [
        "Makefile",
        "deploy/app.mk",
        ".github/workflows/ci.yml",
        "docker-compose.prod.yaml",
        "Dockerfile",
        "scripts/migrate.sh",
        "config/.env.prod",
        "cmd/migrate/main.go",
        ".gitlab-ci.yml",
    ]:
        assert files.search(name), name
    for name in ["db/README.md", "db/000001_init.up.sql.orig", "config.yml", "docs/makefile.md"]:
        assert not files.search(name), name
