"""Read a large file's statements as they are parsed, and let each statement's tree go right after.

A file's sqlglot trees and tokens are most of a run's memory on a large file (a 5 MB file: ~550 MB of
841 MB), and a folder's files are all parsed before the first rule runs. So, for a file of at least
STREAM_MIN_CHARS characters, each statement is read as soon as it is parsed (parse_file's
`on_statement`): its ops (Reading.read_parsed: the same ops, in the same order, as Reading.of reads),
its digests (analysis/digests.py, for the enabled rules) and its ops' Locators (settled: each works out
its answers and lets its node go); then its tree goes, and its tokens once the whole file is parsed and
checked (ParsedFile.release_read). Rules and analyses then run as on any file, on ops, digests, text and
history: every one reads a statement's tree and tokens only through digests. One that reads them again
fails loudly (a released statement raises: SM000), and tests/test_streaming.py, which lints every rule
page's examples and fixtures/ with every file streamed, fails with it.

A statement without a tree (one no parser read) is kept whole: there is no tree to free, and its
tokens are what its readers read. The credential finders read each statement's tokens before this does
(masking.SecretsAsParsed); a file in which they find a secret is read again with it masked, as it is
parsed again (engine.parse_bytes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING

from safemig_lint.analysis.bodies import file_may_hold_words
from safemig_lint.analysis.digests import digests_taker, unwritten
from safemig_lint.reading.source import words_lowered

if TYPE_CHECKING:
    from safemig_lint.checks.base import Rule
    from safemig_lint.operations.read import Names, Reading
    from safemig_lint.reading.statements import ParsedFile, Statement

# Smaller files are parsed whole (their trees are released once the folder is linted): reading a
# statement's digests and Locators as it is parsed costs CPU that lazy readers spend only on what a
# rule asks for, and a small file's trees cost little memory. Tests set it to 0 to stream every file.
STREAM_MIN_CHARS = 1 << 20


class Streaming:
    """What a folder's run reads of each statement of a large file as it is parsed (see the module)."""

    def __init__(self, reading: Reading, rules: Iterable[Rule]) -> None:
        self.reading = reading
        self.rules = list(rules)

    def reader(self, text: str) -> Callable[[ParsedFile, Statement], bool] | None:
        """parse_file's on_statement for this file's text, or None: the file is parsed whole."""
        if len(text) < STREAM_MIN_CHARS:
            return None
        lowered = words_lowered(text)  # None: the word tests below then answer "may hold"
        # The digests of the rules the engine calls on this file: not those of a rule whose words it cannot hold
        # (Rule.reads_words), which reads no statement of it (such a rule reads only the file it is called on).
        called = frozenset(rule.code for rule in self.rules if rule.reads_words is None or file_may_hold_words(rule.reads_words, lowered))
        return partial(self._read, digests_taker(called, self.reading.dialect, unwritten(lowered)), called)

    def _read(
        self, take_digests: Callable[[Statement, Names], None], called: frozenset[str], parsed: ParsedFile, statement: Statement
    ) -> bool:
        """Read a statement just parsed; True: its tree and tokens may go. `called`: kept for the engine (ParsedFile.words_held)."""
        parsed.words_held = called
        ops = self.reading.read_parsed(parsed, statement)
        if statement.expression is None:
            return False
        take_digests(statement, self.reading.names(parsed))
        for op in ops:
            if op.at is not None:
                op.at.settle()
        return True
