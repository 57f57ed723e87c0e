"""Find the files under a linted path that may run golang-migrate (invocations.py reads them).

By name, with a Path made only for a file that may be one: the search walks every folder
linted, migrations and all, on each run.
"""

from __future__ import annotations

import os
from pathlib import Path

# Where golang-migrate is typically invoked.
_CI_FILES = {
    ".gitlab-ci.yml",
    "bitbucket-pipelines.yml",
    "azure-pipelines.yml",
    ".travis.yml",
    ".drone.yml",
    "Jenkinsfile",
    "cloudbuild.yaml",
    "cloudbuild.yml",
    "buildspec.yml",
    "appveyor.yml",
}
_MAKE_FILES = {"Makefile", "makefile", "GNUmakefile", "justfile", "Justfile", "Taskfile.yml", "Taskfile.yaml"}
_SKIPPED_DIRECTORIES = {".git", "node_modules", "vendor", "third_party", ".venv", "venv", "__pycache__"}


def invocation_kind(path: Path) -> str | None:
    """What kind of place `path` is, or None when golang-migrate is not invoked from such files."""
    name = path.name
    kind = _kind_by_name(name)
    if kind is None and name.endswith((".yml", ".yaml")):
        parts = path.absolute().parts
        if parts[-3:-1] == (".github", "workflows") or parts[-2:] == (".circleci", "config.yml"):
            return "ci"
    return kind


def _kind_by_name(name: str) -> str | None:
    """invocation_kind as far as the name alone tells (a CI workflow is known by its folder too)."""
    if name.endswith(".go"):
        return "go"
    if name in _MAKE_FILES or name.endswith(".mk"):
        return "make"
    if name.startswith(("docker-compose", "compose")) and name.endswith((".yml", ".yaml")):
        return "compose"
    if name == "Dockerfile" or name.startswith("Dockerfile.") or name.endswith(".Dockerfile"):
        return "dockerfile"
    if name.endswith((".sh", ".bash")):
        return "shell"
    if name == ".env" or name.startswith(".env."):
        return "env"
    return "ci" if name in _CI_FILES else None


def find_invocation_files(directory: Path, display: str, excluded) -> list[tuple[Path, str, str]]:
    """(path, display path, kind) of every invocation file under `directory`.

    `.env` files are read only when git tracks them: an untracked one is the local secret store
    it is meant to be (git is asked once, and only when there is such a file).
    """
    found = []
    tracked_env: set[Path] | None = None
    stack = [directory]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as scanned:  # each entry's type comes with the listing
                entries = list(scanned)  # in any order: what is found is sorted at the end
        except OSError:
            continue
        for entry in entries:
            if entry.is_symlink():
                continue
            if entry.is_dir():
                if entry.name not in _SKIPPED_DIRECTORIES:
                    stack.append(folder / entry.name)
                continue
            # By name first: a Path is made only for a file that may be one. Most are migrations, and
            # a .sql file is one only as `.env.*` or `Dockerfile.*` (_kind_by_name): told at once.
            if entry.name.endswith(".sql") and not entry.name.startswith((".env.", "Dockerfile.")):
                continue
            kind = _kind_by_name(entry.name)
            if kind is None and not entry.name.endswith((".yml", ".yaml")):
                continue
            path = folder / entry.name
            kind = kind or invocation_kind(path)
            if kind is None:
                continue
            if kind == "env":
                tracked_env = _tracked_env_files(directory) if tracked_env is None else tracked_env
                if path.resolve() not in tracked_env:
                    continue
            rel = path.relative_to(directory).as_posix()
            shown = rel if display in ("", ".") else f"{display.rstrip('/')}/{rel}"
            if not excluded(shown):
                found.append((path, shown, kind))
    return sorted(found, key=lambda item: item[1])


def _tracked_env_files(directory: Path) -> set[Path]:
    import subprocess

    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--", ".env", "*/.env", ".env.*", "*/.env.*"],
            cwd=directory,
            capture_output=True,
            timeout=30,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return set()
    return {(directory / name).resolve() for name in listed.decode("utf-8", "replace").split("\0") if name}
