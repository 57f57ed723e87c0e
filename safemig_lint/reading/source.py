"""Read a migration file's bytes into text, and map offsets in that text to lines and columns."""

from __future__ import annotations

import bisect
import codecs
import errno
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from safemig_lint.diagnostics import Span
from safemig_lint.patterns import lazy

DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024
# What the tool reads back besides migrations (a sum file, a baseline, a configuration): far
# above any real one, low enough that a link to /dev/zero cannot take the memory.
READ_BACK_LIMIT = 64 * 1024 * 1024
_NEWLINE = re.compile("\n")


# The letters outside ASCII that upper-case, lower-case or fold into ASCII letters, or match one case-insensitively,
# or lower-case into two characters (`ſ` upper-cases into `S`, the Kelvin sign matches `k`, `İ` lowers into `i̇`), in
# the running Python's Unicode data (tests/test_streaming.py works them out again).
INTO_ASCII = "\u00df\u0130\u0131\u0149\u017f\u01f0\u1e96\u1e97\u1e98\u1e99\u1e9a\u1e9e\u212a\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06"
_INTO_ASCII = lazy(f"[{INTO_ASCII}]")


def words_lowered(text: str) -> str | None:
    """`text` with its ASCII letters in lower case, in which an ASCII word is found where a case-insensitive
    search (or the tokenizer's upper case) finds it in `text`, at the same offset; None for a text holding a
    letter of INTO_ASCII, where a word may be spelt with letters the lowered text does not hold. Other characters
    outside ASCII are left as they are (Latin-1's) or held as a stand-in (below): no word searched for holds one, and
    letters stay letters (a text in French or Chinese, or with an emoji, is searched as an ASCII one)."""
    if text.isascii():
        return text.lower()
    if _INTO_ASCII.search(text):
        return None
    try:
        encoded = text.encode("latin-1", _STAND_IN)
    except UnicodeEncodeError:  # a decimal digit outside Latin-1, which has no stand-in: lowered as it is
        return text.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")
    # bytes.lower() lowers ASCII letters only; str.lower() would take a buffer of 12 bytes per character of the text.
    return encoded.lower().decode("latin-1")


# A lowered text holds each character outside Latin-1 as a stand-in of one byte: Python holds a text in 4 bytes a
# character as soon as one is astral (an emoji made a 5 MB file's lowered text 19 MB). What is searched in a lowered
# text is ASCII words, and patterns made of ASCII characters and sets, `\s`, `\w` and `\b` (tests/test_streaming.py
# reads them all): these tell a character outside ASCII only by whether it is a word character (`\w`, and so where
# `\b` is) or a blank (`\s`). So a letter or any other word character stands as `ª`, a blank as a no-break space, any
# other character as `¤`, each outside ASCII and answering both questions as what it stands for does. A decimal digit
# (`\d`: `٣`, `３`) has none: Latin-1's are all ASCII. (`re` tells them apart as str.isdecimal, isalnum and isspace do.)


class _StandIns(dict[int, str]):
    """str.translate's table: each character outside Latin-1 to its stand-in, worked out on first meeting."""

    def __missing__(self, code: int) -> str:
        character = chr(code)
        if character.isdecimal():
            raise LookupError  # left as it is (str.translate's convention), which the encoder then refuses
        stand_in = "\u00aa" if character.isalnum() else "\u00a0" if character.isspace() else "\u00a4"
        self[code] = stand_in
        return stand_in


_STAND_IN_TABLE = _StandIns()


def _stand_ins(error: UnicodeError) -> tuple[str, int]:
    """The encoding error handler that writes each run of characters outside Latin-1 as its stand-ins."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return error.object[error.start : error.end].translate(_STAND_IN_TABLE), error.end


_STAND_IN = "safemig_lint.stand_in"
codecs.register_error(_STAND_IN, _stand_ins)


def lowered_may_hold(lowered: str | None, words: Iterable[str]) -> bool:
    """Whether a file's text may hold one of `words` (lower case), told from the whole text lowered
    (FileContext.lowered, words_lowered: None for a text holding a letter of INTO_ASCII, and then it may). A word written in a
    statement is in the file's lowered text, as each statement's lowered text is a piece of it
    (str.lower maps each ASCII character on its own): a file holding none of the words need not have
    its statements searched one by one."""
    return lowered is None or any(word in lowered for word in words)


@dataclass(frozen=True)
class Unreadable:
    """Why a file cannot be linted, and where the problem starts."""

    reason: str
    line: int = 1
    column: int = 1


class LineIndex:
    """Offset -> (line, column) for one text; columns count characters, both 1-based."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def _starts(self) -> list[int]:
        """Where each line starts: found on first use (a report that shows no line never asks)."""
        return [0, *(match.end() for match in _NEWLINE.finditer(self.text))]

    def position(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._starts, offset) - 1
        return line + 1, offset - self._starts[line] + 1

    def lines_of(self, offsets: Iterable[int]) -> list[int]:
        """The line of each offset, as position() gives it: for offsets in ascending order (a file's
        statements), the line breaks between one and the next are counted, in C, instead of each
        being looked up among every line's start (which need not then be found at all)."""
        lines, line, previous, size = [], 1, 0, len(self.text)
        for offset in offsets:
            if previous <= offset <= size:
                line += self.text.count("\n", previous, offset)
                previous = offset
                lines.append(line)
            else:  # out of order or out of the text: looked up
                lines.append(self.position(offset)[0])
        return lines

    def span(self, start: int, end: int) -> Span:
        """Span of text[start:end] (end exclusive)."""
        line, column = self.position(start)
        end_line, end_column = self.position(max(end, start))
        return Span(line, column, end_line, end_column)

    def line_text(self, line: int, first: int = 0, last: int | None = None) -> str:
        """The line's text (without its line break), or its columns first+1 .. last."""
        start = self._starts[line - 1]
        end = start + self.line_length(line)
        return self.text[min(start + first, end) : end if last is None else min(start + last, end)]

    def line_length(self, line: int) -> int:
        """The line's length in characters, without its line break (\\n or \\r\\n)."""
        start = self._starts[line - 1]
        end = self._starts[line] - 1 if line < len(self._starts) else len(self.text)
        while end > start and self.text[end - 1] == "\r":
            end -= 1
        return end - start

    @property
    def line_count(self) -> int:
        return self.text.count("\n") + 1  # len(self._starts), without finding every line's start


def read_source(path: Path, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> str | Unreadable:
    """A migration's text, read without ever holding more than `max_bytes` + 1 bytes of it:
    the size is checked before reading, and a file that grows meanwhile is cut off there."""
    try:
        data, size = _read(path, max_bytes)
    except OSError as error:
        if error.errno == errno.EINVAL:
            return Unreadable("not a regular file: it is not read")
        return Unreadable(f"cannot read file: {error.strerror or error}")
    return _too_large(size, max_bytes) if size > max_bytes else decode(data, max_bytes)


def read_limited(path: Path | str, max_bytes: int, folder: int | None = None) -> bytes:
    """At most `max_bytes` + 1 bytes of a regular file (OSError otherwise, EINVAL for a FIFO or a
    device): decode() reports a file over the limit without the whole of it ever being read.
    `folder`: an open descriptor of the folder `path` (then a name) is in (open_folder)."""
    return _read(path, max_bytes, folder)[0]


def open_folder(path: Path) -> int | None:
    """A descriptor of folder `path` to read its files by name (read_limited's `folder`): a folder's
    thousands of files opened without each spelling and walking the folder's path again. None
    where that cannot be done (a platform without openat, a folder that cannot be opened): then
    each file is read by its path. The caller closes it."""
    if os.open not in os.supports_dir_fd:
        return None
    try:
        return os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return None


def _read(path: Path | str, max_bytes: int, folder: int | None = None) -> tuple[bytes, int]:
    """(at most `max_bytes` + 1 bytes of the regular file, its size when opened); nothing is
    read of a file already over the limit."""
    # O_NONBLOCK: opening a FIFO must not wait for a writer.
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0), dir_fd=folder)
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        if status.st_size > max_bytes:
            return os.read(descriptor, max_bytes + 1), status.st_size
        chunks, total = [], 0
        if status.st_size < _CHUNK:
            # One byte more than the file holds is asked for: when exactly its size comes back, that
            # is the whole of it, with no second read to find the end (thousands of files in a run).
            chunk = os.read(descriptor, status.st_size + 1)
            if len(chunk) == status.st_size:
                return chunk, status.st_size
            chunks, total = [chunk], len(chunk)  # it changes as it is read: on in chunks
        # In chunks: one read of max_bytes + 1 would allocate that much up front, however small the file.
        while total <= max_bytes:
            chunk = os.read(descriptor, min(_CHUNK, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        return b"".join(chunks), status.st_size
    finally:
        os.close(descriptor)


def read_regular(path: Path, max_bytes: int) -> bytes:
    """The bytes of a file the tool reads back (a sum file, a baseline, a configuration): only a
    regular file, opened without waiting, never more than `max_bytes` of it (OSError otherwise)."""
    data = read_limited(path, max_bytes)
    if len(data) > max_bytes:
        raise OSError(errno.EFBIG, f"over {max_bytes:,} bytes")
    return data


_CHUNK = 1 << 20


def _too_large(size: int, max_bytes: int) -> Unreadable:
    return Unreadable(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit (raise max-file-bytes in the configuration to lint it)")


def decode(data: bytes, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> str | Unreadable:
    """Decode a migration's bytes as UTF-8 (a BOM is allowed), or say why it cannot be read."""
    if len(data) > max_bytes:
        return _too_large(len(data), max_bytes)
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        return Unreadable("file looks binary: it contains a NUL byte", line, nul - data.rfind(b"\n", 0, nul))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - data.rfind(b"\n", 0, error.start)
        return Unreadable(
            f"file is not valid UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start}); "
            "PostgreSQL and MySQL expect UTF-8 migrations: re-encode it",
            line,
            column,
        )
