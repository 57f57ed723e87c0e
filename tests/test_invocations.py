"""SM408-SM412: golang-migrate's database URLs and CLI commands in Makefiles, CI files, compose files,
Dockerfiles, scripts, tracked .env files and Go code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import codes, write_migrations

from safemig_lint.config import Config
from safemig_lint.engine import lint
from safemig_lint.reading.invocation_files import invocation_kind
from safemig_lint.reading.invocations import read_invocations

SECRET = "Tr0ub4dor-x9"
MIGRATIONS = {"000001_init.up.sql": "CREATE TABLE IF NOT EXISTS t (id int);\n", "000001_init.down.sql": "DROP TABLE IF EXISTS t;\n"}


def lint_repo(tmp_path: Path, files: dict[str, str], **settings):
    root = write_migrations(tmp_path / "repo", {**{f"db/migrations/{k}": v for k, v in MIGRATIONS.items()}, **files})
    return lint([str(root)], Config(**settings))


def found(result, code: str) -> list:
    return [d for d in result.active if d.code == code]


def read(kind_name: str, text: str):
    path = Path(kind_name)
    return read_invocations(path, kind_name, invocation_kind(path), text)


# --- reading -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, user, password, host",
    [
        ("postgres://app:pw1@db.acme.io:5432/app?sslmode=disable", "app", "pw1", "db.acme.io"),
        ("mysql://root:pw2@tcp(db.acme.io:3306)/app?multiStatements=true", "root", "pw2", "db.acme.io"),
        ("mysql://root:pw3@(localhost:3306)/app", "root", "pw3", "localhost"),
        ("pgx://u:p@ss@[::1]:5432/app", "u", "p@ss", "::1"),
        ("sqlserver://sa:pw4@mssql.acme.io:1433?database=app&encrypt=disable", "sa", "pw4", "mssql.acme.io"),
        ("cockroach://root@crdb:26257/defaultdb?sslmode=disable", "root", None, "crdb"),
        ("clickhouse://host.acme.io:9000?username=u&password=x", "", None, "host.acme.io"),
    ],
)
def test_reads_database_urls_of_every_driver(url, user, password, host):
    file = read("Makefile", f'up:\n\tmigrate -path m -database "{url}" up\n')
    (parsed,) = file.urls
    assert (parsed.user, parsed.password, parsed.host) == (user, password, host)
    if password:
        assert file.text[parsed.password_start : parsed.password_end] == password


def test_reads_migrate_commands_with_flags_continuations_and_the_docker_image():
    file = read(
        "deploy.sh",
        'migrate -path db/migrations \\\n  -database="$DATABASE_URL" down 2\n'
        'docker run --rm -v $(pwd):/m migrate/migrate:v4.17.0 -path=/m -database "$DB" force 7 && echo ok\n'
        "./keto migrate up -c config.yml\n"  # another tool's `migrate` subcommand
        "go run main.go migrate -c test.env\n"
        '# migrate -path m -database "$DB" drop -f\n',  # commented out: does not run
    )
    assert [(c.subcommand, c.arguments, c.database_argument) for c in file.commands] == [
        ("down", ("2",), "$DATABASE_URL"),
        ("force", ("7",), "$DB"),
    ]


def test_reads_services_a_compose_file_starts_and_the_migrate_image_command():
    file = read(
        "docker-compose.yml",
        "services:\n"
        "  postgres:\n    image: postgres:16\n"
        "  migrate:\n    image: migrate/migrate\n    command:\n      - -path=/migrations\n"
        "      - -database=postgres://app:x@postgres:5432/app?sslmode=disable\n      - drop\n      - -f\n",
    )
    assert file.services == {"postgres", "migrate"}
    (command,) = file.commands
    assert command.subcommand == "drop" and command.database.host == "postgres"


# --- SM408 ---------------------------------------------------------------------------------------


def test_password_in_a_makefile_is_flagged_and_never_shown(tmp_path):
    makefile = f'migrate-up:\n\tmigrate -path db/migrations -database "postgres://app:{SECRET}@db.acme.io:5432/app" up\n'
    result = lint_repo(tmp_path, {"Makefile": makefile})
    (finding,) = found(result, "SM408")
    assert finding.path.endswith("repo/Makefile") and finding.span.line == 2
    assert SECRET not in finding.message + finding.help + finding.snippet
    assert SECRET not in result.sources[finding.path].text


@pytest.mark.parametrize(
    "password",
    ["$DB_PASSWORD", "${DB_PASSWORD}", "$(DB_PASSWORD)", "${{ secrets.DB_PASSWORD }}", "{{ .Password }}", "%s", "password"],
)
def test_a_password_filled_in_at_run_time_or_an_example_is_not_flagged(tmp_path, password):
    makefile = f'up:\n\tmigrate -path db/migrations -database "postgres://app:{password}@db.acme.io:5432/app" up\n'
    assert found(lint_repo(tmp_path, {"Makefile": makefile}), "SM408") == []


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "host.docker.internal"])
def test_a_local_database_password_is_not_flagged(tmp_path, host):
    makefile = f'up:\n\tmigrate -path db/migrations -database "postgres://app:{SECRET}@{host}:5432/app" up\n'
    assert found(lint_repo(tmp_path, {"Makefile": makefile}), "SM408") == []


def test_a_container_the_compose_file_starts_is_local_but_another_host_is_not(tmp_path):
    compose = (
        "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: " + SECRET + "\n"
        "  app:\n    environment:\n"
        f"      DATABASE_URL: postgres://app:{SECRET}@db:5432/app?sslmode=disable\n"
        f"      REPORTING_URL: postgres://app:{SECRET}@reports.acme.io:5432/app?sslmode=disable\n"
    )
    result = lint_repo(tmp_path, {"docker-compose.yml": compose})
    assert [d.span.line for d in found(result, "SM408")] == [9]
    assert [d.span.line for d in found(result, "SM409")] == [9]


def test_ci_service_containers_are_local(tmp_path):
    workflow = (
        "jobs:\n  test:\n    services:\n      postgres:\n        image: postgres\n    steps:\n"
        f"      - run: migrate -path db/migrations -database postgres://postgres:{SECRET}@postgres:5432/t?sslmode=disable up\n"
    )
    assert codes(lint_repo(tmp_path, {".github/workflows/test.yml": workflow})) == []


def test_go_source_building_a_url_from_literals(tmp_path):
    go = (
        'package main\n\nimport "github.com/golang-migrate/migrate/v4"\n\nfunc main() {\n'
        f'\tm, _ := migrate.New("file://db/migrations", "mysql://root:{SECRET}@tcp(mysql.acme.io:3306)/app?tls=false")\n'
        "\tm.Up()\n}\n"
    )
    result = lint_repo(tmp_path, {"cmd/migrate/main.go": go})
    assert sorted(codes(result)) == ["SM408", "SM409"]


def test_env_files_are_read_only_when_git_tracks_them(tmp_path):
    env = f"DATABASE_URL=postgres://app:{SECRET}@db.acme.io:5432/app\n"
    root = write_migrations(tmp_path / "repo", {**{f"db/{k}": v for k, v in MIGRATIONS.items()}, ".env": env, "config/.env.prod": env})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "config/.env.prod"], check=True)
    result = lint([str(root)], Config())
    assert [d.path for d in found(result, "SM408")] == [f"{root}/config/.env.prod"]


# --- SM409 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("setting", ["sslmode=disable", "tls=false", "encrypt=disable"])
def test_tls_off_for_a_remote_host_is_flagged(tmp_path, setting):
    script = f'migrate -path db/migrations -database "postgres://app:$PW@db.acme.io:5432/app?{setting}" up\n'
    (finding,) = found(lint_repo(tmp_path, {"migrate.sh": script}), "SM409")
    assert setting in finding.message


@pytest.mark.parametrize(
    "url",
    [
        "postgres://app:$PW@localhost:5432/app?sslmode=disable",
        "postgres://app:$PW@$DB_HOST:5432/app?sslmode=disable",
        "postgres://app:$PW@db.acme.io:5432/app?sslmode=verify-full",
    ],
)
def test_tls_look_alikes_are_not_flagged(tmp_path, url):
    assert found(lint_repo(tmp_path, {"migrate.sh": f'migrate -path m -database "{url}" up\n'}), "SM409") == []


# --- SM410-SM412 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command, code",
    [
        ("down -all", "SM410"),
        ("down", "SM410"),
        ("force 12", "SM411"),
        ("drop -f", "SM412"),
    ],
)
def test_risky_commands_in_automation(tmp_path, command, code):
    workflow = f'jobs:\n  deploy:\n    steps:\n      - run: migrate -path db/migrations -database "$DATABASE_URL" {command}\n'
    assert codes(lint_repo(tmp_path, {".github/workflows/deploy.yml": workflow})) == [code]


@pytest.mark.parametrize(
    "files",
    [
        {".github/workflows/deploy.yml": 'jobs:\n  d:\n    steps:\n      - run: migrate -path m -database "$DATABASE_URL" down 1\n'},
        # run by people, not automation
        {"Makefile": 'reset:\n\tmigrate -path m -database "$(DATABASE_URL)" drop -f\n'},
        # a test database on the CI runner itself
        {"scripts/test.sh": "migrate -path m -database postgres://t:t@localhost:5432/t?sslmode=disable drop -f\n"},
    ],
)
def test_risky_command_look_alikes_are_not_flagged(tmp_path, files):
    assert codes(lint_repo(tmp_path, files)) == []


def test_suppression_comment_in_a_script(tmp_path):
    script = '# safemig-lint: ignore SM412 review apps only, each on its own database\nmigrate -path m -database "$DB" drop -f\n'
    result = lint_repo(tmp_path, {"scripts/review-reset.sh": script})
    assert codes(result) == []
    assert [(d.code, d.suppression.reason) for d in result.diagnostics] == [("SM412", "review apps only, each on its own database")]


def test_switched_off_by_configuration(tmp_path):
    makefile = f'up:\n\tmigrate -path m -database "postgres://app:{SECRET}@db.acme.io/app" up\n'
    assert codes(lint_repo(tmp_path, {"Makefile": makefile}, invocations=False)) == []


def test_one_rule_switched_off_by_ignore_leaves_the_others(tmp_path):
    """`ignore` reaches the rules reading invocation files as it does the others (engine._enabled_rule_types)."""
    makefile = f'up:\n\tmigrate -path m -database "postgres://app:{SECRET}@db.acme.io/app?sslmode=disable" up\n'
    assert set(codes(lint_repo(tmp_path / "all", {"Makefile": makefile}))) >= {"SM408", "SM409"}
    left = codes(lint_repo(tmp_path / "some", {"Makefile": makefile}, ignore=("SM408",)))
    assert "SM408" not in left and "SM409" in left


def test_cli_every_format_masks_the_password_and_the_flag_turns_it_off(tmp_path):
    root = write_migrations(
        tmp_path / "repo",
        {
            **{f"db/{k}": v for k, v in MIGRATIONS.items()},
            "Makefile": f'up:\n\tmigrate -path db -database "mysql://root:{SECRET}@tcp(db.acme.io:3306)/app" up\n',
        },
    )
    command = [sys.executable, "-m", "safemig_lint", "check", str(root)]
    for output in ("text", "json", "sarif", "github", "markdown"):
        run = subprocess.run([*command, "--format", output], capture_output=True, text=True)
        assert run.returncode == 1, run.stderr
        assert "SM408" in run.stdout and SECRET not in run.stdout + run.stderr
    quiet = subprocess.run([*command, "--no-invocations", "--format", "json"], capture_output=True, text=True)
    assert quiet.returncode == 0 and json.loads(quiet.stdout)["diagnostics"] == []


def test_scanning_is_linear_in_the_input():
    """Adversarial input for every pattern: the work (matches found) grows with the text, never blows up."""
    for piece in ("postgres://" + "a" * 2000, "migrate " * 2000, "${{" * 2000, "migrate -path " + "\\\n" * 2000, "# " + "migrate x" * 2000):
        file = read("scripts/x.sh", piece * 50)  # ~100 KB: returns at once when the scans are linear
        assert len(file.text) >= 100_000


def test_every_character_is_tokenized_at_most_once(monkeypatch):
    """`migrate` words inside another command's arguments start no new reading: the work stays linear."""
    from safemig_lint.reading import invocations

    calls = []
    real = invocations._TOKEN

    class Counting:
        def match(self, text, position, end):
            calls.append(position)
            return real.match(text, position, end)

    monkeypatch.setattr(invocations, "_TOKEN", Counting())
    for text in ("migrate " * 5000, "migrate -path " + "x \\\n" * 5000, "migrate -database $DB " * 5000):
        calls.clear()
        read("scripts/x.sh", text)
        assert len(calls) == len(set(calls)) <= len(text.split())


def test_containers_the_repository_compose_files_start_are_local_to_its_makefile(tmp_path):
    compose = "services:\n  finance_postgres:\n    image: postgres:16\n"
    makefile = f'up:\n\tmigrate -path db/migrations -database "postgresql://postgres:{SECRET}@finance_postgres:5432/f?sslmode=disable" up\n'
    assert codes(lint_repo(tmp_path, {"docker-compose.yml": compose, "Makefile": makefile})) == []
    assert sorted(codes(lint_repo(tmp_path / "alone", {"Makefile": makefile}))) == ["SM408", "SM409"]


@pytest.mark.parametrize(
    "command",
    [
        '[\n      "-path", "/migrations",\n      "-database", "postgres://app:{pw}@reports.acme.io:5432/app",\n      "drop", "-f"\n    ]',
        ">\n      -path=/migrations\n      -database=postgres://app:{pw}@reports.acme.io:5432/app\n      drop -f",
        "\n      - -path=/migrations\n      - -database=postgres://app:{pw}@reports.acme.io:5432/app\n      - drop\n      - -f",
    ],
)
def test_compose_command_of_the_migrate_image_in_every_yaml_form(tmp_path, command):
    compose = (
        "services:\n  migrate:\n    image: migrate/migrate:v4.17.0\n    volumes:\n      - ./m:/migrations\n"
        f"    command: {command.format(pw=SECRET)}\n    depends_on:\n      - db\n"
    )
    assert sorted(codes(lint_repo(tmp_path, {"docker-compose.yml": compose}))) == ["SM408", "SM412"]
