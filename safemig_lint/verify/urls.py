"""`--database-url`: which server, and how to show it without its password."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from safemig_lint.values import value

SCHEMES = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "pgx": "postgres",
    "pgx5": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
    "sqlite3": "sqlite",
    "file": "sqlite",
}


class UrlError(ValueError):
    """A --database-url verify cannot use (its message never holds the password)."""


@value(unsafe_hash=True)
class DatabaseUrl:
    dialect: str  # postgres, mysql or sqlite
    raw: str
    host: str | None
    port: int | None
    user: str | None
    password: str | None
    database: str  # the database to connect to first (a path for SQLite)
    query: str

    @property
    def masked(self) -> str:
        return mask_url(self.raw)

    def hide(self, text: str) -> str:
        """`text` with this URL's password (as written and decoded) replaced by ***."""
        for secret in {secret for secret in (self.password, _raw_password(self.raw)) if secret}:
            text = text.replace(secret, "***")
        return text


def _raw_password(url: str) -> str | None:
    match = re.match(r"^[a-z0-9+.-]+://[^:/@]*:([^@]*)@", url, re.IGNORECASE)
    return match.group(1) if match else None


def mask_url(url: str) -> str:
    """The URL with its password replaced by *** (the URL itself, or a DSN-style password=...)."""
    masked = re.sub(r"^([a-z0-9+.-]+://[^:/@]*:)[^@]*@", r"\1***@", url, flags=re.IGNORECASE)
    return re.sub(r"(?i)(password=)[^&\s]*", r"\1***", masked)


def parse_url(url: str) -> DatabaseUrl:
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    dialect = SCHEMES.get(scheme)
    if dialect is None:
        raise UrlError(f"--database-url {mask_url(url)}: unsupported scheme {scheme!r}; use postgres://, mysql:// or sqlite://")
    if dialect == "sqlite":
        path = re.sub(r"^[a-z0-9]+:(//)?", "", url, flags=re.IGNORECASE).split("?", 1)[0]
        if not path:
            raise UrlError(f"--database-url {url}: name a SQLite file, e.g. sqlite:///tmp/verify.db (as golang-migrate's sqlite3:// URLs)")
        return DatabaseUrl("sqlite", url, None, None, None, None, path, "")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UrlError(f"--database-url {mask_url(url)}: {mask_url(str(error))}") from None
    return DatabaseUrl(
        dialect,
        url,
        parts.hostname,
        port,
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password is not None else None,
        unquote(parts.path.lstrip("/")),
        parts.query,
    )
