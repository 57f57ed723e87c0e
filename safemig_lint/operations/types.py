"""Column types: read them from sqlglot, and decide whether one can hold every value of another.

`holds(old, new)` answers True (every value fits), False (some values are truncated, rounded,
rejected or lose information), or None (the model cannot tell, e.g. an extension's type).
Postgres and MySQL enforce declared types; SQLite does not (a VARCHAR(10) column stores any
text), so there only a change of type affinity that converts stored values counts.
"""

from __future__ import annotations

from sqlglot import exp

from safemig_lint.operations.model import ColumnType, UserType
from safemig_lint.operations.sql_text import POSITION, Unshaped, WrittenSql, shape, written

DType = exp.DataType.Type


def column_type(node: exp.DataType, dialect: str, fold) -> ColumnType:
    """A ColumnType from sqlglot's DataType; `fold` turns a type name into a model key."""
    key = _plain_key(node, dialect)
    if key is None:
        return _shaped_type(node, dialect, fold)
    known = _column_types.get(key)
    if known is None:
        known = _keep(key, _column_type(node, dialect, _no_key))
    return known


def _shaped_type(node: exp.DataType, dialect: str, fold) -> ColumnType:
    """column_type of a type that is not plain: keyed by its shape (sql_text.shape), or read each time."""
    try:
        items = node.args.get("expressions")
        if not isinstance(node.this, DType) or items and any(isinstance(item, exp.DataType) for item in items):
            return _column_type(node, dialect, fold)
        key = (dialect, shape(node))
        known = _column_types.get(key)
    except (Unshaped, TypeError):  # TypeError: an argument that is no dict key (unhashable)
        return _column_type(node, dialect, fold)
    if known is None:
        known = _keep(key, _column_type(node, dialect, _no_key))
    if node.this is DType.USERDEFINED and node.args.get("kind"):  # its key is the file's (placeholders): folded here
        return known.of_user(fold(node.args["kind"]))
    return known


def _keep(key: tuple[object, ...], ctype: ColumnType) -> ColumnType:
    if len(_column_types) >= _TYPES_KEPT:
        _column_types.clear()
    _column_types[key] = ctype
    return ctype


# The same few types recur on most columns: each is read once, without the key of a user type (kept as "").
# A plain type's key (_plain_key) is all strings, a shaped one's (dialect, shape) holds a tuple: they never meet.
_column_types: dict[tuple[object, ...], ColumnType] = {}
_TYPES_KEPT = 4096


def _plain_key(node: exp.DataType, dialect: str) -> tuple[str, ...] | None:
    """(dialect, name, the text of each number parameter) of a type as most columns' are: a name (a DType),
    not nested, and no parameters (None; an empty list has no key) or numbers (varchar(200), numeric(12, 2)).
    None for any other type, or one with more for the generator to read (a comment, another setting). Each
    check is a test of a type or an identity, so that the commonest types cost a few dozen bytecodes."""
    args = node.args
    this = args.get("this")
    if type(this) is not DType or args.keys() != _PLAIN_ARGS or args["nested"] is not False:
        return None
    # sqlglot gives a type and its parameters no meta (their numbers hold where they were written): their
    # bareness is tested inline, a call fewer for the type and for each parameter than _bare takes
    if node._meta is not None or node._type is not None or node.comments:
        return None
    parameters = args["expressions"]
    if parameters is None:
        return (dialect, this._name_)  # an enum hashes in Python: its name in C
    if type(parameters) is not list or not parameters:
        return None
    key = [dialect, this._name_]
    for parameter in parameters:
        if type(parameter) is not exp.DataTypeParam or parameter._meta is not None or parameter._type is not None or parameter.comments:
            return None
        number = parameter.args  # the generator reads its `this` and `expression` only
        literal = number.get("this")
        if number.get("expression") is not None or type(literal) is not exp.Literal or not _bare(literal):
            return None
        text = literal.args
        if len(text) != 2 or text.get("is_string") is not False or type(text.get("this")) is not str:
            return None
        key.append(text["this"])
    return tuple(key)


_PLAIN_ARGS = frozenset(("this", "expressions", "nested"))  # the arguments sqlglot's parser gives a plain type


def _bare(node: exp.Expr) -> bool:
    """Nothing besides its arguments for the generator to read: no comment, no annotation, no meta but where
    it was written (a number's position)."""
    meta = node._meta
    return node._type is None and not node.comments and (not meta or POSITION.issuperset(meta))


def _no_key(name: object) -> str:
    return ""


def _column_type(node: exp.DataType, dialect: str, fold) -> ColumnType:
    base = node.this.name if isinstance(node.this, DType) else str(node.this).upper()
    params: list[int] = []
    values: list[str] = []
    element = None
    for item in node.expressions:
        if isinstance(item, exp.DataType):
            element = column_type(item, dialect, fold)
        elif isinstance(item, exp.Literal) and item.is_string:
            values.append(item.this)
        else:
            literal = item.this if isinstance(item, exp.DataTypeParam) else item
            if isinstance(literal, exp.Literal) and literal.is_int:
                params.append(int(literal.this))
    user = fold(node.args["kind"]) if base == "USERDEFINED" and node.args.get("kind") else ""
    if dialect == "mysql" and (base in _INT_BITS or base in _UNSIGNED or base == "BOOLEAN"):
        # MySQL's INT(11) is a display width, and BOOLEAN is TINYINT(1): the same types.
        base, params = "TINYINT" if base == "BOOLEAN" else base, []
        node = node.copy()
        node.set("expressions", [])
    # sqlglot writes SQLite types by affinity (VARCHAR(9) as TEXT(9)): keep the declared name there.
    sql = _type_sql(node, dialect) if dialect != "sqlite" else "BLOB" if base == "VARBINARY" and not params else _type_sql(node, None)
    return ColumnType(base, tuple(params), tuple(values), user, element, sql)


# sqlglot's spelling of a type: the same few types recur on most columns.
_type_sql = WrittenSql(written)


def resolve(ctype: ColumnType, types: dict[str, UserType]) -> ColumnType:
    """A user-defined enum or domain replaced by what it stands for, when the model knows it."""
    user = types.get(ctype.user) if ctype.user else None
    if user is None or user.unknown:
        return ctype
    if user.kind == "enum":
        return ColumnType("ENUM", values=user.values, sql=ctype.sql)
    if user.kind == "domain" and user.base is not None:
        return resolve(user.base, types)
    return ctype


def holds(old: ColumnType, new: ColumnType, dialect: str) -> bool | None:
    if old == new:
        return True
    if dialect == "sqlite":
        return _affinity_holds(affinity(old), affinity(new))
    return _holds(_describe(old, dialect), _describe(new, dialect))


# --- SQLite: https://www.sqlite.org/datatype3.html#determination_of_column_affinity


def affinity(ctype: ColumnType) -> str:
    name = ctype.sql.upper() if ctype.base == "USERDEFINED" else ctype.base
    if ctype.base in ("VARBINARY", "BINARY", "BLOB"):  # sqlglot reads SQLite's BLOB as VARBINARY
        return "BLOB"
    if "INT" in name:
        return "INTEGER"
    if any(word in name for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in name or not name:
        return "BLOB"
    if any(word in name for word in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


def _affinity_holds(old: str, new: str) -> bool:
    if old == new or new == "BLOB":
        return True
    if new in ("NUMERIC", "INTEGER", "REAL") and old in ("TEXT", "BLOB"):
        return False  # numeric-looking text is converted: '007' becomes 7
    if new == "REAL" and old in ("INTEGER", "NUMERIC"):
        return False  # integers beyond 2**53 are rounded
    return True


# --- Postgres and MySQL: each type is described by a family and its limits.

_INT_BITS = {
    "TINYINT": 8,
    "SMALLINT": 16,
    "SMALLSERIAL": 16,
    "MEDIUMINT": 24,
    "INT": 32,
    "SERIAL": 32,
    "BIGINT": 64,
    "BIGSERIAL": 64,
}
_UNSIGNED = {"UTINYINT": 8, "USMALLINT": 16, "UMEDIUMINT": 24, "UINT": 32, "UBIGINT": 64}
_TEXT = {"VARCHAR", "NVARCHAR", "CHAR", "NCHAR", "TEXT", "TINYTEXT", "MEDIUMTEXT", "LONGTEXT", "NAME", "BPCHAR"}
_MYSQL_TEXT_BYTES = {"TINYTEXT": 255, "TEXT": 65535, "MEDIUMTEXT": 2**24 - 1, "LONGTEXT": 2**32 - 1}
_BINARY = {"VARBINARY", "BINARY", "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB"}
_MYSQL_BLOB_BYTES = {"TINYBLOB": 255, "BLOB": 65535, "MEDIUMBLOB": 2**24 - 1, "LONGBLOB": 2**32 - 1}
_UNBOUNDED_TEXT_TYPES = {"citext"}  # extensions' text types
_TIMESTAMPS = {"TIMESTAMP", "TIMESTAMPTZ", "DATETIME", "TIMESTAMPLTZ", "TIMESTAMPNTZ"}


def _describe(ctype: ColumnType, dialect: str) -> tuple:
    """(family, limits...) of a type; ("other", type) when the model has no rule for it."""
    base, params = ctype.base, ctype.params
    if base in _INT_BITS:
        bits = _INT_BITS[base]
        return ("int", -(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    if base in _UNSIGNED:
        return ("int", 0, 2 ** _UNSIGNED[base] - 1)
    if base in ("DECIMAL", "NUMERIC"):
        if not params:
            return ("decimal", None, None) if dialect == "postgres" else ("decimal", 10, 0)
        scale = params[1] if len(params) > 1 else 0
        return ("decimal", params[0] - scale, scale)
    if base in ("FLOAT", "DOUBLE"):
        single = base == "FLOAT" if not params else params[0] <= 24 or (dialect == "mysql" and len(params) == 2)
        return ("float", 24 if single else 53)
    if base in _TEXT or ctype.user in _UNBOUNDED_TEXT_TYPES:
        if base in ("CHAR", "NCHAR", "BPCHAR") and not params:
            return ("text", 1)
        if params:
            return ("text", params[0])
        return ("text", _MYSQL_TEXT_BYTES.get(base) if dialect == "mysql" else None)
    if base in _BINARY:
        if params:
            return ("binary", params[0])
        return ("binary", _MYSQL_BLOB_BYTES.get(base) if dialect == "mysql" else None)
    if base == "BOOLEAN":
        return ("bool",)
    if base == "DATE":
        return ("date",)
    if base in _TIMESTAMPS:
        if dialect == "mysql":  # sqlglot reads MySQL's TIMESTAMP as TIMESTAMPTZ: no zone, but it stops in 2038
            return ("timestamp", params[0] if params else 0, False, base == "TIMESTAMPTZ")
        return ("timestamp", params[0] if params else 6, base in ("TIMESTAMPTZ", "TIMESTAMPLTZ"), False)
    if base in ("TIME", "TIMETZ"):
        return ("time", params[0] if params else (0 if dialect == "mysql" else 6), base == "TIMETZ")
    if base in ("JSON", "JSONB"):
        return ("json",)
    if base in ("ENUM", "SET"):
        return (base.lower(), frozenset(ctype.values), max((len(v) for v in ctype.values), default=0))
    if base == "UUID":
        return ("uuid",)
    if base == "ARRAY" and ctype.element is not None:
        return ("array", _describe(ctype.element, dialect))
    return ("other", ctype)


def _text_width(kind: tuple) -> int | None:
    """The longest text form of a value of this kind, when it is bounded."""
    family = kind[0]
    if family == "int":
        return max(len(str(kind[1])), len(str(kind[2])))
    if family == "decimal" and kind[1] is not None:
        return kind[1] + kind[2] + (2 if kind[2] else 1)
    if family in ("enum", "set"):
        return kind[2] if family == "enum" else sum(len(v) + 1 for v in kind[1])
    return {"bool": 5, "uuid": 36, "date": 10}.get(family)


def _fits(width: int | None, capacity: int | None) -> bool:
    return capacity is None or (width is not None and width <= capacity)


def _holds(old: tuple, new: tuple) -> bool | None:
    family, target = old[0], new[0]
    if "other" in (family, target):
        return None  # unknown or exotic types: equal ones were accepted already
    if target == "text":
        if family == "text":
            return _fits(old[1], new[1])
        if family == "binary":
            return False  # not every byte string is valid text
        return True if new[1] is None else _fits(_text_width(old), new[1])
    if target == "array" and family != "array":
        return _holds(old, new[1])  # a value becomes an array of one (USING ARRAY[c]): its element type decides
    if family == "text":
        return False  # most strings are not numbers, dates, uuids ...
    if family == target == "binary":
        return _fits(old[1], new[1])
    if family == target == "int":
        return new[1] <= old[1] and old[2] <= new[2]
    if family == target == "decimal":
        if new[1] is None:
            return True
        return old[1] is not None and new[1] >= old[1] and new[2] >= old[2]
    if family == target == "float":
        return new[1] >= old[1]
    if family == "int" and target == "decimal":
        return new[1] is None or 10 ** new[1] > max(-old[1], old[2])
    if family == "decimal" and target == "int":
        return old[1] is not None and old[2] == 0 and -new[1] >= 10 ** old[1] - 1 and new[2] >= 10 ** old[1] - 1
    if family == "int" and target == "float":
        return max(-old[1], old[2]) <= 2 ** new[1]
    if family == "float" and target == "decimal":
        return new[1] is None
    if family == "decimal" and target == "float":
        return old[1] is not None and old[2] == 0 and 10 ** old[1] <= 2 ** new[1]
    if family == "bool" and target in ("bool", "int"):
        return True
    if family == "date" and target == "timestamp":
        return not new[3]
    if family == target == "timestamp":
        return new[1] >= old[1] and (new[2] or not old[2]) and (old[3] or not new[3])
    if family == target == "time":
        return new[1] >= old[1] and (new[2] or not old[2])
    if family == target:  # json, uuid, bool, date
        if family in ("enum", "set"):
            return old[1] <= new[1]
        if family == "array":
            return _holds(old[1], new[1])
        return True
    if family == "enum" and target == "set":
        return old[1] <= new[1]
    return False


def same_family(old: ColumnType, new: ColumnType, dialect: str) -> bool:
    """Do both types hold the same kind of value, only within other limits (a shorter text, a smaller
    integer)? A cast between them cuts or fails on the same values as the type change itself."""
    family = _describe(old, dialect)[0]
    return family != "other" and family == _describe(new, dialect)[0]


def text_limit(ctype: ColumnType, dialect: str) -> int | None:
    """The most characters a text type holds (None: unbounded, or not a text type)."""
    kind = _describe(ctype, dialect)
    return kind[1] if kind[0] == "text" else None


def narrowing_reason(old: ColumnType, new: ColumnType, dialect: str) -> str:
    """Which values do not survive a change `holds` said False to, in a few words."""
    if dialect == "sqlite":
        before, after = affinity(old), affinity(new)
        if after == "REAL":
            return f"SQLite stores {after} affinity as floating point, so integers beyond 2**53 are rounded"
        return f"SQLite converts text that looks like a number to a number under {after} affinity ('007' becomes 7; it was {before})"
    a, b = _describe(old, dialect), _describe(new, dialect)
    if a[0] == b[0] == "text" or (b[0] == "text" and b[1] is not None):
        return f"values longer than {b[1]} characters do not fit"
    if a[0] == b[0] == "binary":
        return f"values longer than {b[1]} bytes do not fit"
    if a[0] in ("text", "binary"):
        return f"not every {old.sql} value is a valid {new.sql}"
    if b[0] == "int" and a[0] in ("int", "decimal"):
        return f"values outside {b[1]}..{b[2]} do not fit"
    if b[0] == "decimal":
        return "values with more digits than it allows are rejected or rounded"
    if a[0] == "float" or (a[0] == "decimal" and b[0] in ("int", "float")):
        return "fractions or digits are rounded away"
    if a[0] in ("int", "decimal") and b[0] == "float":
        return f"large values lose precision in {new.sql}"
    if a[0] in ("timestamp", "time") and b[0] == a[0]:
        if a[2] and not b[2]:
            return "the time zone of each value is lost"
        if b[1] < a[1]:
            return f"fractional seconds beyond {b[1]} digits are rounded"
        return "MySQL's TIMESTAMP only holds dates from 1970 to 2038"
    if a[0] == "timestamp" and b[0] == "date":
        return "the time of day is lost"
    if a[0] == "date" and b[0] == "timestamp":
        return "MySQL's TIMESTAMP only holds dates from 1970 to 2038"
    if a[0] in ("enum", "set") and b[0] in ("enum", "set"):
        missing = sorted(a[1] - b[1])
        listed = ", ".join(repr(v) for v in missing)
        return f"values {listed} are no longer allowed" if len(missing) > 1 else f"value {listed} is no longer allowed"
    return f"not every {old.sql} value is a valid {new.sql}"


def is_character(ctype: ColumnType | None) -> bool:
    """Does the type hold characters (so that a character set and collation apply to it)?"""
    return ctype is not None and (ctype.base in _TEXT or ctype.base in ("ENUM", "SET"))
