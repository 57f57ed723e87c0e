"""What a migration file's content is, for hashing and comparing, and how this package writes files.

Content is compared after two normalisations, so that a checkout on another platform does
not look like an edit: a leading UTF-8 byte order mark is dropped, and CRLF and lone CR line
endings read as LF. That is what git's `core.autocrlf` and `text=auto` change on the way to
disk, and what editors add or drop on save. Every other byte counts, trailing spaces included.
"""

from __future__ import annotations

from pathlib import Path

from safemig_lint.atomic import replace_file
from safemig_lint.reading.source import read_regular

_BOM = b"\xef\xbb\xbf"


def normalised(data: bytes) -> bytes:
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def content_hash(data: bytes) -> str:
    """SHA-256 (hex) of the normalised content."""
    import hashlib  # here: importing it (it starts OpenSSL) costs a one-file run ~1%, and most runs hash nothing

    return hashlib.sha256(normalised(data)).hexdigest()


def child_display(directory_display: str, name: str) -> str:
    """A file's display path inside a migration directory, spelled as discovery spells it."""
    return f"{directory_display.rstrip('/')}/{name}" if directory_display not in ("", ".") else name


def write_atomically(path: Path, data: bytes) -> bool:
    """Replace `path` with `data`: a temporary file in the same directory, fsync, os.replace.

    Readers see the old file or the new one, never a part; an interrupted write leaves the old
    file as it was. Returns False (and writes nothing) when the file already holds `data`.
    """
    try:
        if read_regular(path, len(data)) == data:
            return False
    except OSError:
        pass  # missing, or not a regular file (a FIFO, a link to a device): replaced
    replace_file(path, data)
    return True
