"""--with-data: rows that a down-then-up cycle loses.

After a version's first up, a few generated rows go into every table that existed before the
up; then the down file and the up file run again, and the rows are read back. Only columns that
existed before the up are compared: data in a column the up file added is expected to go with
its rollback (SM202 says so statically). All of it runs inside one transaction that is rolled
back, so the round trip itself (SM703/SM704) sees the database exactly as it would without
--with-data; a down or up file that cannot run inside a transaction is not data-checked.

Values are generated from each column's type; columns with a default, identity or generated
value are left to the database; a NOT NULL foreign key takes a value from the referenced table.
A row the database refuses (a CHECK, a trigger) is skipped. PostgreSQL and SQLite only.
"""

from __future__ import annotations

import re
from collections import Counter

from safemig_lint.values import value
from safemig_lint.verify.catalog import Snapshot

ROWS_PER_TABLE = 2
_FOREIGN_KEY = re.compile(r"FOREIGN KEY \((\w+)\) REFERENCES ([\w.\"]+)\((\w+)\)", re.IGNORECASE)


@value(unsafe_hash=True)
class DataLoss:
    table: str
    detail: str


def _value(type_name: str, number: int, labels: dict[str, list[str]]) -> str | None:
    """A SQL literal of the column's type for row `number`, or None when verify cannot make one."""
    lowered = type_name.lower()
    length = re.search(r"\((\d+)\)", lowered)
    if lowered.endswith("[]"):
        return "'{}'"
    if lowered in labels:
        return "'" + labels[lowered][0].replace("'", "''") + "'"
    if any(word in lowered for word in ("int", "serial", "numeric", "decimal", "real", "double", "float", "money")) or lowered == "":
        return str(1000 + number)
    if "bool" in lowered:
        return "true" if number % 2 else "false"
    if "uuid" in lowered:
        return f"'00000000-0000-4000-8000-{number:012d}'"
    if "timestamp" in lowered or "date" in lowered:
        return f"'2001-02-{number:02d} 03:04:05'" if "timestamp" in lowered or "datetime" in lowered else f"'2001-02-{number:02d}'"
    if lowered.startswith("time"):
        return f"'01:02:{number:02d}'"
    if "json" in lowered:
        return f"'{{\"v\": {number}}}'"
    if "interval" in lowered:
        return f"'{number} days'"
    if "inet" in lowered or "cidr" in lowered:
        return f"'10.0.0.{number}'"
    if "bytea" in lowered or "blob" in lowered:
        return f"'\\x{number:02x}'" if "bytea" in lowered else f"X'{number:02x}'"
    if any(word in lowered for word in ("char", "text", "clob", "citext", "string", "varchar")):
        text = f"v{number}"
        return "'" + (text[-int(length.group(1)) :] if length else text) + "'"
    return None


def _quote(name: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


class DataCheck:
    def __init__(self, target, before: Snapshot, after: Snapshot) -> None:
        self.target = target
        self.dialect = target.dialect
        self.labels = {name.lower(): attributes["labels"].split(", ") for (kind, name), attributes in after.items() if kind == "enum"}
        self.tables = sorted(name for kind, name in before if kind == "table" and ("table", name) in after)
        self.columns = {
            table: [
                (name.rsplit(".", 1)[1], attributes)
                for (kind, name), attributes in after.items()
                if kind == "column" and name.rsplit(".", 1)[0] == table
            ]
            for table in self.tables
        }
        # Columns whose data must survive the cycle: there before the up and after it.
        self.kept = {table: [c for c, _ in self.columns[table] if ("column", f"{table}.{c}") in before] for table in self.tables}
        self.foreign_keys = self._foreign_keys(after)

    def _foreign_keys(self, snapshot: Snapshot) -> dict[tuple[str, str], tuple[str, str]]:
        found = {}
        for (kind, name), attributes in snapshot.items():
            if kind == "constraint" and attributes.get("kind") == "foreign key":
                match = _FOREIGN_KEY.search(attributes.get("definition", ""))
                if match:
                    found[(name.rsplit(".", 1)[0], match.group(1))] = (match.group(2).replace('"', ""), match.group(3))
            elif kind == "foreign key":  # SQLite: table.fk(column)->parent(column)
                match = re.match(r"^(.*)\.fk\((\w+)\)->(.+)\((\w+)\)$", name)
                if match:
                    found[(match.group(1), match.group(2))] = (match.group(3), match.group(4))
        return found

    def seed(self) -> None:
        """Insert rows, parents before children: tables that fail are tried again after the others."""
        pending = list(self.tables)
        for _ in range(3):
            pending = [table for table in pending if not self._seed_table(table)]
            if not pending:
                return

    def _seed_table(self, table: str) -> bool:
        inserted = False
        for number in range(1, ROWS_PER_TABLE + 1):
            names, values = [], []
            for column, attributes in self.columns[table]:
                if attributes.get("default") or attributes.get("identity") or attributes.get("generated"):
                    continue
                if attributes.get("primary key position") and attributes.get("type", "").upper() == "INTEGER":
                    continue  # SQLite's rowid
                reference = self.foreign_keys.get((table, column))
                if reference is not None:
                    if attributes["nullable"] == "yes":
                        continue
                    value = self.target.first_value(_quote(reference[0]), _quote(reference[1]))
                    if value is None:
                        return False  # the parent has no row yet
                    value = "'" + str(value).replace("'", "''") + "'"
                else:
                    value = _value(attributes.get("type", ""), number, self.labels)
                    if value is None:
                        if attributes["nullable"] == "yes":
                            continue
                        return True  # a type verify cannot fill: the table is left empty
                names.append(_quote(column))
                values.append(value)
            columns = f"({', '.join(names)}) VALUES ({', '.join(values)})" if names else "DEFAULT VALUES"
            inserted |= self.target.try_statement(f"INSERT INTO {_quote(table)} {columns}")
        return inserted

    def contents(self) -> dict[str, Counter]:
        found = {}
        for table in self.tables:
            if self.kept[table]:
                rows = self.target.rows(_quote(table), [_quote(c) for c in self.kept[table]])
                if rows is not None:
                    found[table] = Counter(rows)
        return found

    def losses(self, seeded: dict[str, Counter], cycled: dict[str, Counter]) -> list[DataLoss]:
        found = []
        for table, rows in seeded.items():
            after = cycled.get(table)
            if after is None:
                found.append(DataLoss(table, f"table {table} and its {sum(rows.values())} rows are gone"))
                continue
            lost = rows - after
            if lost:
                example = ", ".join(f"{c}={v!r}" for c, v in zip(self.kept[table], next(iter(lost))))
                found.append(
                    DataLoss(
                        table, f"{sum(lost.values())} of {sum(rows.values())} rows of table {table} are lost or changed (e.g. {example})"
                    )
                )
        return found
