"""TableMap's index (operations/model.py) answers `holding`, `referencing` and `named` as a scan of
every table would, however tables are taken out, changed, replaced, deleted and shared between
copies: random changes, the same questions asked of the map and of a plain scan."""

from __future__ import annotations

import random

import pytest

from safemig_lint.operations.model import Constraint, Index, Table, TableMap, plain_name

KEYS = ["a", "b", "s.a", "s.c", "d", "e"]
NAMES = ["a_pkey", "a_x_idx", "b_fk", "k1", "k2"]
TARGETS = ["a(id)", "s.a(id)", "b", 'd("x(y)")(id)', "e(id, x)"]


def _holding(tables: TableMap, name: str) -> set[str]:
    return {key for key, table in dict.items(tables) if name in table.indexes or name in table.constraints}


def _referencing(tables: TableMap, target: str) -> set[str]:
    found = set()
    for key, table in dict.items(tables):
        for constraint in table.constraints.values():
            spelled = constraint.references
            if constraint.kind == "foreign" and (
                spelled == target or any(spelled[:at] == target for at in range(len(spelled)) if spelled[at] == "(")
            ):
                found.add(key)
    return found


def _change(rng: random.Random, table: Table) -> None:
    """Add or remove a key of the table, or change what it does not index (a column)."""
    choice = rng.randrange(5)
    name = rng.choice(NAMES)
    if choice == 0:
        table.indexes[name] = Index(name, ("x",))
    elif choice == 1:
        table.constraints[name] = Constraint(name, "foreign", ("x",), rng.choice(TARGETS))
    elif choice == 2:
        table.constraints[name] = Constraint(name, rng.choice(["primary", "unique"]), ("id",))
    elif choice == 3:
        table.indexes.pop(name, None)
        table.constraints.pop(name, None)
    else:
        table.columns = {**table.columns, f"c{rng.randrange(3)}": None}  # type: ignore[dict-item]


def _ask(rng: random.Random, tables: TableMap, every: bool = True) -> None:
    """Each question, or (not `every`) one of them: the index builds each kind when first asked for, and
    a kind first asked for after many changes must answer as one kept up to date through them."""
    name, target = rng.choice(NAMES), rng.choice(["a", "s.a", "b", 'd("x(y)")', "d", "e", "e(id, x)", "a(id)"])
    words = set(rng.sample(["a", "b", "c", "d", "e", "f"], 2))
    asked = (0, 1, 2) if every else (rng.choice((0, 0, 0, 0, 1, 2)),)
    if 0 in asked:
        assert tables.holding(name) == _holding(tables, name)
    if 1 in asked:
        assert tables.referencing(target) == _referencing(tables, target)
    if 2 in asked:
        assert tables.named(words) == [key for key in dict.keys(tables) if plain_name(key) in words]


@pytest.mark.parametrize("seed", range(40))
def test_the_index_answers_as_a_scan(seed):
    rng = random.Random(seed)
    maps = [TableMap()]
    for _ in range(300):
        tables = maps[-1]
        move = rng.randrange(10)
        key = rng.choice(KEYS)
        if move <= 3 and key in tables:
            _change(rng, tables[key] if rng.random() < 0.7 else tables.get(key))  # type: ignore[arg-type]
        elif move == 4:
            tables[key] = Table(key)
            if rng.random() < 0.5:
                _change(rng, tables[key])
        elif move == 5 and key in tables:
            if rng.random() < 0.5:
                del tables[key]
            else:
                tables.pop(key)
        elif move == 6 and rng.random() < 0.2:
            maps.append(tables.share())  # a copy to change; the map it came from is left as it is
            continue
        tables.settle()
        _ask(rng, tables, every=seed % 2 == 0)
    for tables in maps:  # each earlier map, after its copies changed: still its own answers
        tables.settle()
        for _ in range(10):
            _ask(rng, tables)
