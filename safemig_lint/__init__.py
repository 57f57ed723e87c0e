"""safemig-lint: static analysis for golang-migrate SQL migration files."""

__version__ = "0.1.0"
