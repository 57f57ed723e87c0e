"""Replace a file so that readers see the old content or the new, never a part of either.

Lock files, baselines, reports, fixed migrations and cache entries are all written this way.
"""

from __future__ import annotations

import os
from pathlib import Path


def replace_file(path: Path, data: bytes, mode: int | None = None, durable: bool = True) -> None:
    """Write `data` to a temporary file beside `path`, fsync it, give it `mode` (by default the mode of
    the file it replaces, or 0o666 less the umask for a new one), rename it over `path`, and fsync the
    directory so that the rename itself survives a crash. An interrupted write leaves `path` untouched.
    Not `durable`: neither fsync (readers still see the old file or the new one, whole, while the
    system runs), for a file whose reader tells a torn one after a crash from a whole one and
    rebuilds it: the cache's signed entries, written by the dozen on a cold run (two fsyncs each
    cost ~5 ms of waiting here)."""
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()  # mkstemp's 0600 would hide a new file from other users
    import tempfile  # here: a run that writes nothing (a warm cache) does not load it (nor random)

    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            if durable:
                os.fsync(file.fileno())  # the data is on disk before the name points at it
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    if durable:
        _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (POSIX); a platform that cannot open a directory skips it."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
