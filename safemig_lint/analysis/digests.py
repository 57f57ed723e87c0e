"""Digests: what rules and analyses read of a statement's sqlglot tree and tokens, worked out from them alone.

A file's trees and tokens are most of a run's memory on a large file (a 5 MB file: ~550 MB), and they stay
alive until the last rule has run because rules read them. A reader that reads a statement's tree and tokens
only through digests lets them go right after the statement is read: `take_digests` takes every digest that
selects the statement while its tree is alive, and the reader then finds the digest kept on the statement.

A digest is worked out from one statement's tree, tokens and text and the file's `Names` (the dialect and the
file's template placeholders, known before any statement is read), nothing else: no FileContext, no other
statement, no history, and none of what check_grammar settles once the whole file is read (`error`,
`unanalysed`, `rejected_by`). It is kept in `Statement.derived` under its name.

Until a statement's digests are taken (`Statement.derived` has no TAKEN mark) a digest is worked out when a
reader first asks, as the readers did themselves: a run pays nothing for statements no reader asks about.
Once they are taken, a digest the statement does not hold is the one its selector did not select: its
`absent` value, without a look at the tree.
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable, Collection
from dataclasses import replace
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from safemig_lint.checks.base import FileContext
    from safemig_lint.diagnostics import Finding
    from safemig_lint.operations.read import Names
    from safemig_lint.reading.statements import Statement

T = TypeVar("T")

# In Statement.derived: take_digests ran on the statement, so a digest it does not hold was not selected.
TAKEN = "digests taken"


class Digest(Generic[T]):
    """One digest: `build(statement, names)` worked out for the statements its selector selects.

    `kinds`: the classes (or base classes) of the statement's tree it is taken for (None: every statement);
    `selects`: a further test, on the living statement (and the file's names, when the reader passes them). A
    statement not selected gets `absent` without a
    build. `serves`: the codes of the rules it is taken for (None: an analysis many rules read); `dialects`:
    those of the files it is taken in (None: every one), as the rules it serves read only theirs.
    `memo`: kept on the statement when worked out before take_digests (False for a digest cheaper to work out
    again from the tree than to keep: a dict per statement of a 5 MB file is ~15 MB).
    """

    def __init__(
        self,
        build: Callable[[Statement, Names | None], T],
        absent: T,
        kinds: tuple[type, ...] | None = None,
        selects: Callable[[Statement, Names | None], bool] | None = None,
        serves: Collection[str] | None = None,
        memo: bool = True,
        dialects: Collection[str] | None = None,
    ) -> None:
        self.name = f"{build.__module__}.{build.__qualname__}"
        self.build, self.absent, self.kinds, self._selects, self.memo = build, absent, kinds, selects, memo
        self.serves = frozenset(serves) if serves is not None else None
        self.dialects = frozenset(dialects) if dialects is not None else None
        _REGISTERED.append(self)

    def selects(self, statement: Statement, names: Names | None) -> bool:
        """Is it taken for this statement (whose tree is alive)?"""
        if self.kinds is not None and not isinstance(statement.expression, self.kinds):
            return False
        return self._selects is None or self._selects(statement, names)

    def __call__(self, statement: Statement, names: Names | None = None) -> T:
        """The statement's digest. `names`: the file's (FileContext.names), for a digest that makes model keys."""
        derived = statement.derived
        if derived is not None:
            found = derived.get(self.name, _MISSING)
            if found is not _MISSING:
                return found  # type: ignore[return-value]
            if TAKEN in derived:  # taken, and not selected
                return self.absent
        if not self.selects(statement, names):
            return self.absent
        found = self.build(statement, names)
        if self.memo:
            if derived is None:
                derived = statement.derived = {}
            derived[self.name] = found
        return found

    def while_alive(self, statement: Statement, names: Any) -> T:
        """The digest, worked out whatever the selector says (kept as when asked, as `memo` says): for a reader that
        runs while the tree is alive, before any digest could be taken (masking reads credentials at parse time)."""
        derived = statement.derived
        found = derived.get(self.name, _MISSING) if derived is not None else _MISSING
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        if derived is not None and TAKEN in derived:
            raise LookupError(f"{self.name} was not taken for a statement whose tree may be gone")
        found = self.build(statement, names)
        if self.memo:
            if derived is None:
                derived = statement.derived = {}
            derived[self.name] = found
        return found


_MISSING = object()
_REGISTERED: list[Digest[Any]] = []

# The modules that define digests besides the rules' own (checks.all_rules imports those): take_digests
# imports them, so that no digest is missed because its module was not imported yet.
_ANALYSES = (
    "safemig_lint.analysis.digests",
    "safemig_lint.analysis.execution",
    "safemig_lint.analysis.locks",
    "safemig_lint.operations.read",
)


def digest(
    absent: Any = None,
    kinds: tuple[type, ...] | None = None,
    selects: Callable[[Statement, Names | None], bool] | None = None,
    serves: Collection[str] | None = None,
    memo: bool = True,
    dialects: Collection[str] | None = None,
) -> Callable[[Callable[[Statement, Names | None], T]], Digest[T]]:
    """Make `build(statement, names)` a registered Digest (see Digest for the arguments)."""
    return lambda build: Digest(build, absent, kinds, selects, serves, memo, dialects)


def registered() -> list[Digest[Any]]:
    """Every digest of the analyses and the rules."""
    from safemig_lint.checks import all_rules

    for module in _ANALYSES:
        importlib.import_module(module)
    all_rules()
    return _REGISTERED


def take_digests(statement: Statement, names: Names, enabled: Collection[str]) -> None:
    """Take, while the statement's tree and tokens are alive, every digest that selects it and serves an analysis
    or one of the `enabled` rules (by code): its readers then need neither."""
    taker(enabled, names.dialect)(statement, names)


def taker(enabled: Collection[str], dialect: str) -> Callable[[Statement, Names], None]:
    """take_digests for many statements of a dialect (a file's, as it is read: streaming.py), with the digests to
    take chosen once, and for each class of tree once: a 5 MB file takes a few digests of each of 61,000 statements."""
    chosen = [
        each
        for each in registered()
        if (each.serves is None or not each.serves.isdisjoint(enabled)) and (each.dialects is None or dialect in each.dialects)
    ]
    by_class: dict[type, list[Digest[Any]]] = {}

    def take(statement: Statement, names: Names) -> None:
        derived = statement.derived
        if derived is None:
            derived = statement.derived = {}
        kind = type(statement.expression)
        taken = by_class.get(kind)
        if taken is None:
            taken = by_class[kind] = [each for each in chosen if each.kinds is None or issubclass(kind, each.kinds)]
        for each in taken:
            if each._selects is None or each._selects(statement, names):
                derived[each.name] = each.build(statement, names)
        derived[TAKEN] = True

    return take


# --- what the engine reads of every statement


@digest(absent=frozenset(), memo=False)
def token_types(statement: Statement, names: Names | None) -> frozenset:
    """The types of the statement's tokens that some rule says it reads (Rule.reads_tokens), by which engine._Dispatch
    chooses the statements a rule reads: a few types, so one frozenset for all statements holding the same ones."""
    held = _read_token_types().intersection(map(_TOKEN_TYPE, statement.tokens))
    return _TOKEN_TYPE_SETS.setdefault(held, held)


@functools.cache
def _read_token_types() -> frozenset:
    from safemig_lint.checks import all_rules

    return frozenset().union(*(rule.reads_tokens for rule in all_rules() if rule.reads_tokens))


_TOKEN_TYPE = attrgetter("token_type")
_TOKEN_TYPE_SETS: dict[frozenset, frozenset] = {}


@digest(absent=False, memo=False)
def holds_tokens(statement: Statement, names: Names | None) -> bool:
    """Does the statement hold a token (a `;` alone holds none)?"""
    return bool(statement.tokens)


@digest(absent=None, memo=False)
def kind(statement: Statement, names: Names | None) -> type | None:
    """The class of the statement's tree (None: no tree): is_command, and what a statement is (exp.Insert ...)."""
    expression = statement.expression
    return None if expression is None else type(expression)


@digest(absent="", memo=False)
def first_word(statement: Statement, names: Names | None) -> str:
    """The statement's first token's text, upper-cased ("" without tokens): a cheap first test of what it is."""
    tokens = statement.tokens
    return sys.intern(tokens[0].text.upper()) if tokens else ""  # one string for all the statements starting alike


def holding(*types: Any) -> Callable[[Statement, Names | None], bool]:
    """A selector: the statements holding a token of one of these types (sqlglot TokenTypes)."""
    wanted = frozenset(types)
    return lambda statement, names: not wanted.isdisjoint(map(_TOKEN_TYPE, statement.tokens))


def pointing_at(context: FileContext, finding: Finding, at: tuple[int, int] | None) -> Finding:
    """The finding pointing at an extent a digest kept (identifiers_extent), as FileContext.finding points one at a node."""
    return finding if at is None else replace(finding, span=context.span(*at))


def identifiers_extent(node: Any) -> tuple[int, int] | None:
    """Where the identifiers of a node are written, from the first one's start to the last one's end (exclusive):
    the extent FileContext.node_span gives a finding about the node; None when no identifier has a position."""
    from sqlglot import exp

    positions = [
        (identifier.meta["start"], identifier.meta["end"] + 1) for identifier in node.find_all(exp.Identifier) if "start" in identifier.meta
    ]
    if not positions:
        return None
    return min(start for start, _ in positions), max(end for _, end in positions)
