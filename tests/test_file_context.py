"""FileContext's per-file facts: the shortcuts that leave ops out answer as reading every op would."""

from __future__ import annotations

from conftest import FIXTURES

from safemig_lint.checks import base
from safemig_lint.operations.ops import Op
from safemig_lint.operations.read import Reading
from safemig_lint.reading.statements import parse_file


def test_the_objects_a_file_creates_are_found_with_only_the_ops_that_create_drop_or_rename(monkeypatch):
    texts = [path.read_text(encoding="utf-8") for path in sorted(FIXTURES.rglob("*.sql"))] + [
        "CREATE TABLE t_new (id int); DROP TABLE t; ALTER TABLE t_new RENAME TO t;",
        "CREATE TABLE a (id int); ALTER TABLE a RENAME COLUMN id TO key; ALTER TABLE a ADD COLUMN b int; CREATE VIEW v AS SELECT 1;",
        "CREATE INDEX i ON a (b); CREATE SEQUENCE s; CREATE TYPE e AS ENUM ('x'); ALTER TABLE a DROP COLUMN b;",
    ]
    readings = [Reading("postgres").of(parse_file(text, "postgres")) for text in texts]
    found = [base._created(operations) for operations in readings]
    monkeypatch.setattr(base, "_CREATING_OR_DROPPING", (Op,))  # every op read
    assert [base._created(operations) for operations in readings] == found
    assert sum(map(len, found)) > 40  # the comparison is between real objects
