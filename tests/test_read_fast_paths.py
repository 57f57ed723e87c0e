"""The shortcuts operations/read.py takes when reading a statement give what the general reading gives."""

from __future__ import annotations

import re

import pytest
from conftest import sql_texts

from safemig_lint.operations.read import Names
from safemig_lint.reading.statements import parse_file

TEMPLATED = 'CREATE TABLE {{ .Schema }}.users (id int);\nCREATE INDEX ${PREFIX}_idx ON "{{.S}}".t (a);\n'


def _names_written(names: Names) -> set[str]:
    """Every name (and qualified name) of the texts as written, and the keys they make, with the file's stand-ins."""
    written = {
        "users",
        "Users",
        '"users"',
        "public.users",
        "café",
        "é" * 40,
        "_x",
        "x1",
        "a" * 63,
        "a" * 64,
        "user_$",
        "t1",
        "1t",
        "",
    }
    for text in [*sql_texts(), TEMPLATED]:
        written.update(re.findall(r'(?:"[^"\n]+"|`[^`\n]+`|[\w$]+)(?:\.(?:"[^"\n]+"|`[^`\n]+`|[\w$]+))*', text))
    for placeholder in names.placeholders:
        written.update((placeholder.mask, f"{placeholder.mask}_idx", f"{placeholder.mask}.users"))
    return written | {names.text(name) for name in list(written)}


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
@pytest.mark.parametrize("templated", [False, True])
def test_a_name_taken_as_its_own_key_is_keyed_so_by_the_general_reading(dialect, templated):
    """Names.text takes a lower-case word as its own key (_is_own_key) instead of reading it (_key_of_text)."""
    names = Names(dialect, parse_file(TEMPLATED, dialect).placeholders if templated else ())
    own = other = 0
    for raw in sorted(_names_written(names)):
        if names._is_own_key(raw):
            assert names._key_of_text(raw) == raw, raw
            own += 1
        else:
            other += 1
    assert (own > 300 if not templated else own == 0) and other > 200
