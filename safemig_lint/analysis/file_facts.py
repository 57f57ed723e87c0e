"""What the directory rules read of each migration file, worked out once from its parsed file.

The rules that judge a folder as a whole (check_directory: SM004, SM005, SM014, SM407) read a few
facts of each file, never the file itself: whether it holds statements, whether they change the
schema, where its template placeholders are, which statements its grammar rejects. Being plain
values, facts travel between processes: a folder linted in shares (engine) has each share's files
parsed in its own worker, and its directory rules run once, in one place, from the facts alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from pathlib import Path

from safemig_lint.diagnostics import Span
from safemig_lint.operations.read import Reading, changes_schema, leaves_nothing_to_undo
from safemig_lint.reading.dialect_check import GrammarFacts, WrongDialect, grammar_facts, judge
from safemig_lint.reading.discovery import MigrationDirectory
from safemig_lint.reading.statements import ParsedFile
from safemig_lint.values import value


@value(unsafe_hash=True)
class PlaceholderUse:
    """A template placeholder that substitutes a value (not a control action), where it is written."""

    text: str
    span: Span


@value(unsafe_hash=True)
class FileFacts:
    readable: bool
    has_statements: bool
    nothing_to_undo: bool  # readable, and no statement changes anything a down file must undo (SM004)
    changes_schema: bool  # a statement changes the schema, or may have (SM005)
    placeholders: tuple[PlaceholderUse, ...]  # in the file's order (SM407)
    grammar: GrammarFacts  # for the folder's verdict on its dialect (SM014, SM001, SM011)


def file_facts(parsed: ParsedFile, reading: Reading, dialect: str) -> FileFacts:
    """The file's facts; `reading` gives the ops the rules and the replay read (read once, shared)."""
    readable = parsed.unreadable is None
    operations = reading.of(parsed) if readable else {}
    statements = parsed.statements if readable else []
    return FileFacts(
        readable,
        bool(statements),
        readable and all(leaves_nothing_to_undo(s, operations[s.start]) for s in statements),
        any(changes_schema(s, operations[s.start]) for s in statements),
        tuple(PlaceholderUse(p.text, parsed.lines.span(p.start, p.end)) for p in parsed.placeholders if not p.is_control),
        grammar_facts(parsed, dialect),
    )


_NOT_JUDGED = object()


class FolderFacts:
    """The facts of a folder's files, by path (worked out as the mapping is asked, in a run that
    parses the files), and what follows from them for the folder as a whole."""

    def __init__(self, directory: MigrationDirectory, files: Mapping[Path, FileFacts], dialect: str, verdict=_NOT_JUDGED) -> None:
        """`verdict`: the folder's wrong_dialect, when it was judged elsewhere (a share of a folder)."""
        self.directory = directory
        self.files = files
        self.dialect = dialect
        if verdict is not _NOT_JUDGED:
            self.__dict__["wrong_dialect"] = verdict

    def get(self, path: Path) -> FileFacts | None:
        return self.files.get(path)

    @cached_property
    def wrong_dialect(self) -> WrongDialect | None:
        """The folder's verdict on its dialect (reading/dialect_check.py); None: right, as far as its grammar can tell."""
        readable = (
            (file.path, facts) for file in self.directory.files() if (facts := self.files.get(file.path)) is not None and facts.readable
        )
        return judge(((path, facts.grammar) for path, facts in readable), self.dialect)
