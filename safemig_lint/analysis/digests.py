"""Digests: what rules and analyses read of a statement's sqlglot tree and tokens, worked out from them alone.

A file's trees and tokens are most of a run's memory on a large file (a 5 MB file: ~550 MB), and they stay
alive until the last rule has run because rules read them. A reader that reads a statement's tree and tokens
only through digests lets them go right after the statement is read: `take_digests` takes every digest that
selects the statement while its tree is alive, and the reader then finds the digest kept on the statement.

A digest is worked out from one statement's tree, tokens and text and the file's `Names` (the dialect and the
file's template placeholders, known before any statement is read), nothing else: no FileContext, no other
statement, no history, and none of what check_grammar settles once the whole file is read (`error`,
`unanalysed`, `rejected_by`). It is kept in `Statement.derived` under its name.

Until a statement's digests are taken (`Statement.derived` is no `Taken`) a digest is worked out when a
reader first asks, as the readers did themselves: a run pays nothing for statements no reader asks about.
Once they are taken, a digest the statement does not hold is one its selector did not select, or one that came out
as its `absent` value: that value, without a look at the tree.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Collection
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, cast

from safemig_lint.reading.source import lowered_may_hold

if TYPE_CHECKING:
    from safemig_lint.checks.base import FileContext
    from safemig_lint.diagnostics import Finding
    from safemig_lint.operations.read import Names
    from safemig_lint.reading.statements import Statement

    # What take reads of a digest: its name, build, absent value and test of the statements it is taken of.
    _Taking = tuple[str, Callable[[Statement, Names], Any], Any, Callable[[Statement, Names], bool] | None]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Taken(dict):
    """Statement.derived once take_digests ran: a digest it does not hold was not selected, or came out as its absent
    value (left out: most statements hold few digests that are not)."""

    __slots__ = ()  # one per statement: no __dict__


class Digest(Generic[T]):
    """One digest: `build(statement, names)` worked out for the statements its selector selects.

    `kinds`: the classes (or base classes) of the statement's tree it is taken for (None: every statement);
    `selects`: a further test, on the living statement (and the file's names, when the reader passes them). A
    statement not selected gets `absent` without a build. `takes`: a test for take_digests alone, for a digest
    built for whatever statement a reader asks about, as each reader asks only about those its own test admits
    (bodies' code: the rules' word gates). `serves`: the codes of the rules it is taken for (None: an analysis many
    rules read); `dialects`: those of the files it is taken in (None: every one), as the rules it serves read only
    theirs. `memo`: kept on the statement when worked out before take_digests (False for a digest cheaper to work
    out again from the tree than to keep: a dict per statement of a 5 MB file is ~15 MB). `words`: words (lower case)
    one of which a statement's text holds whenever the digest is not absent for it: take_digests does not take it in
    a file whose text holds none (unwritten).
    """

    def __init__(
        self,
        build: Callable[[Statement, Names | None], T],
        absent: T,
        kinds: tuple[type, ...] | None,
        selects: Callable[[Statement, Names | None], bool] | None,
        serves: Collection[str] | None,
        memo: bool,
        dialects: Collection[str] | None,
        takes: Callable[[Statement, Names], bool] | None,
        words: tuple[str, ...] | None,
    ) -> None:
        self.name = f"{build.__module__}.{build.__qualname__}"
        self.build, self.absent, self.kinds, self.selects, self.memo = build, absent, kinds, selects, memo
        self.takes = takes or selects
        self.serves = frozenset(serves) if serves is not None else None
        self.dialects = frozenset(dialects) if dialects is not None else None
        self.words = words
        _REGISTERED.append(self)

    def reader(self) -> Read[T]:
        """The function readers call, `read(statement, names)`: the digest kept on the statement, else (digests not
        taken yet) worked out; a plain function, as a digest is asked of every statement (an object's __call__ cost
        twice as much)."""
        name, build, absent, kinds, selects, memo = self.name, self.build, self.absent, self.kinds, self.selects, self.memo

        def read(statement: Statement, names: Names | None = None) -> T:
            derived = statement.derived
            if derived is not None:
                found = derived.get(name, _MISSING)
                if found is not _MISSING:
                    return found  # type: ignore[return-value]
                if type(derived) is Taken:  # not selected, or absent
                    return absent
            if kinds is not None and not isinstance(statement.expression, kinds) or selects is not None and not selects(statement, names):
                return absent
            found = build(statement, names)
            if memo:
                if derived is None:
                    derived = statement.derived = {}
                derived[name] = found
            return found

        read.digest = self  # type: ignore[attr-defined]
        return cast("Read[T]", functools.wraps(build)(read))


class Read(Protocol[T_co]):
    """A digest as its readers call it (Digest.reader); `.digest` describes it."""

    digest: Digest[Any]

    def __call__(self, statement: Statement, names: Any = None) -> T_co: ...


_MISSING = object()
_REGISTERED: list[Digest[Any]] = []

# The modules that define digests besides the rules' own (checks.all_rules imports those): take_digests
# imports them, so that no digest is missed because its module was not imported yet.
_ANALYSES = (
    "safemig_lint.analysis.bodies",
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
    takes: Callable[[Statement, Names], bool] | None = None,
    words: tuple[str, ...] | None = None,
) -> Callable[[Callable[[Statement, Names | None], T]], Read[T]]:
    """Make `build(statement, names)` a registered Digest, read through its reader (see Digest for the arguments)."""
    return lambda build: Digest(build, absent, kinds, selects, serves, memo, dialects, takes, words).reader()


def registered() -> list[Digest[Any]]:
    """Every digest of the analyses and the rules."""
    _import_readers()
    return _REGISTERED


@functools.cache
def _import_readers() -> None:
    from safemig_lint.checks import all_rules

    for module in _ANALYSES:
        importlib.import_module(module)
    all_rules()


def take_digests(statement: Statement, names: Names, enabled: frozenset[str], unwritten: frozenset[str] = frozenset()) -> None:
    """Take, while the statement's tree and tokens are alive, every digest that selects it and serves an analysis
    or one of the `enabled` rules (by code), but those named `unwritten` (see unwritten): its readers then need neither."""
    digests_taker(enabled, names.dialect, unwritten)(statement, names)


def digests_taker(enabled: frozenset[str], dialect: str, unwritten: frozenset[str] = frozenset()) -> Callable[[Statement, Names], None]:
    """take_digests for the statements of one file of this dialect, the digests it takes decided once: a streamed
    file's reader calls it for each of its statements (61,000 on the 5 MB file)."""
    by_kind = _taken_for(enabled, dialect, unwritten, len(registered()))

    def take(statement: Statement, names: Names) -> None:
        derived = Taken(statement.derived or ())  # what readers worked out before stays
        expression = statement.expression
        for name, build, absent, takes in by_kind[type(expression) if expression is not None else None]:
            if takes is None or takes(statement, names):
                found = build(statement, names)
                if found != absent:
                    derived[name] = found
        statement.derived = derived

    return take


class _ByKind(dict):
    """The digests a run takes, by the class of a statement's tree (None: no tree): those whose kinds it is, each as
    what take reads of it, (name, build, absent, takes), unpacked rather than looked up on it for each statement."""

    def __init__(self, digests: list[Digest[Any]]) -> None:
        super().__init__()
        self.digests = digests

    def __missing__(self, kind: type | None) -> list[_Taking]:
        found = self[kind] = [
            (each.name, each.build, each.absent, each.takes)
            for each in self.digests
            if each.kinds is None or kind is not None and issubclass(kind, each.kinds)
        ]
        return found


def unwritten(lowered: str | None) -> frozenset[str]:
    """The names of the digests absent for every statement of a file, told from its text lowered (source.words_lowered;
    None: none is): those whose words it does not hold (Digest.words). Asked once per file."""
    return frozenset(each.name for each in registered() if each.words is not None and not lowered_may_hold(lowered, each.words))


@functools.lru_cache(maxsize=8)
def _taken_for(enabled: frozenset[str], dialect: str, unwritten: frozenset[str], count: int) -> _ByKind:
    """The digests serving an analysis or an enabled rule in files of this dialect, but the `unwritten`, of the first
    `count` registered (so that one registered later is not missed): decided once per run (and such file), not per
    statement."""
    return _ByKind(
        [
            each
            for each in _REGISTERED[:count]
            if (each.serves is None or not each.serves.isdisjoint(enabled))
            and (each.dialects is None or dialect in each.dialects)
            and each.name not in unwritten
        ]
    )


def holding(*types: Any) -> Callable[[Statement, Names | None], bool]:
    """A test of the statements holding a token of one of these types (sqlglot TokenTypes)."""
    wanted = frozenset(types)
    return lambda statement, names: not wanted.isdisjoint(statement.token_types)


def pointing_at(context: FileContext, finding: Finding, at: tuple[int, int] | None) -> Finding:
    """The finding pointing at an extent a digest kept (operations/locator.py identifiers_extent), as FileContext.finding points one at a node."""
    return finding if at is None else replace(finding, span=context.span(*at))
