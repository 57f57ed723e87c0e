"""A column as the model knows it where a statement runs, for rules that read a node themselves."""

from __future__ import annotations

from safemig_lint.checks.base import FileContext
from safemig_lint.operations.model import Column


def column_after_file(context: FileContext, table: str, column: str) -> Column | None:
    """The column as this migration's file leaves it (an up file: after its version; a down file: after
    its up and itself), or None when the model does not know it."""
    history = context.history
    if history is None:
        return None
    version = context.file.version
    schema = history.after_down(version) if context.is_down else history.after(version)
    known = schema.tables.get(table)
    found = known.columns.get(column) if known is not None else None
    return found if found is not None and not found.unknown else None
