"""Between the engine's values and the protocol's: positions, ranges, diagnostics and edits.

The engine counts 1-based lines (split at "\\n") and columns in characters of the text it
decoded, without a byte-order mark; the client counts 0-based lines and columns in the code
units it chose at initialization (UTF-16 unless it offered UTF-8 or UTF-32).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from lsprotocol import types as lsp
from pygls.workspace import PositionCodec

from safemig_lint.diagnostics import Diagnostic, Edit, Severity, Span
from safemig_lint.reporters import rule_url

SOURCE = "safemig-lint"
BOM = "\ufeff"

SEVERITIES = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
}


class Text:
    """A document's text as one lint read it, and its positions in the client's units."""

    def __init__(self, source: str, codec: PositionCodec) -> None:
        self.source = source
        self.codec = codec
        self.bom = len(BOM) if source.startswith(BOM) else 0
        self._starts = [0, *(match.end() for match in re.finditer("\n", source))]

    @property
    def engine_text(self) -> str:
        """What the engine reads of it: the text without its byte-order mark."""
        return self.source[self.bom :]

    def _line(self, index: int) -> str:
        end = self._starts[index + 1] - 1 if index + 1 < len(self._starts) else len(self.source)
        return self.source[self._starts[index] : end]

    def _client(self, index: int, character: int) -> lsp.Position:
        """0-based line `index`, `character` code points into it."""
        index = min(max(index, 0), len(self._starts) - 1)
        line = self._line(index)
        return lsp.Position(index, self.codec.client_num_units(line[: min(max(character, 0), len(line))]))

    def position(self, line: int, column: int) -> lsp.Position:
        """The client's position of the engine's (line, column)."""
        return self._client(line - 1, column - 1 + (self.bom if line == 1 else 0))

    def range(self, span: Span) -> lsp.Range:
        return lsp.Range(self.position(span.line, span.column), self.position(span.end_line, span.end_column))

    def position_at(self, offset: int) -> lsp.Position:
        """The client's position of an offset into the engine's text."""
        offset = min(max(offset, 0), len(self.engine_text)) + self.bom
        index = bisect.bisect_right(self._starts, offset) - 1
        return self._client(index, offset - self._starts[index])

    def engine_offset(self, line: int, column: int) -> int:
        """The offset into the engine's text of its (line, column)."""
        index = min(max(line - 1, 0), len(self._starts) - 1)
        return max(self._starts[index] + column - 1 - (self.bom if index else 0), 0)

    def offset(self, position: lsp.Position) -> int:
        """The offset into the engine's text of the client's position."""
        index = min(max(position.line, 0), len(self._starts) - 1)
        units, character = 0, 0
        for char in self._line(index):
            if units >= position.character:
                break
            units += self.codec.client_num_units(char)
            character += 1
        return max(self._starts[index] + character - self.bom, 0)


def diagnostic(
    found: Diagnostic,
    text: Text,
    uri_of: Callable[[str], str],
    related_text: Callable[[str], Text | None],
    code_links: bool,
    related: bool,
) -> lsp.Diagnostic:
    """The protocol's diagnostic of an engine's one: its span, severity, code, link to the rule
    page (when the client shows one), what to do instead, and where else it points."""
    information = []
    for where in found.related if related else ():
        other = related_text(where.path)
        if other is not None:
            information.append(lsp.DiagnosticRelatedInformation(lsp.Location(uri_of(where.path), other.range(where.span)), where.message))
    return lsp.Diagnostic(
        range=text.range(found.span),
        message=f"{found.message}\n{found.help}" if found.help else found.message,
        severity=SEVERITIES[found.severity],
        code=found.code,
        code_description=lsp.CodeDescription(href=rule_url(found.code)) if code_links else None,
        source=SOURCE,
        related_information=information or None,
    )


def text_edits(text: Text, edits: list[Edit]) -> list[lsp.TextEdit]:
    """The engine's edits (offsets into the engine's text) as the protocol's."""
    return [lsp.TextEdit(lsp.Range(text.position_at(edit.start), text.position_at(edit.end)), edit.replacement) for edit in edits]


def overlaps(a: lsp.Range, b: lsp.Range) -> bool:
    """Two ranges share a position (a zero-width range at a finding's start touches it)."""

    def key(position: lsp.Position) -> tuple[int, int]:
        return position.line, position.character

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)
