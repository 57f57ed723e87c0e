"""When CPython's cycle collector runs while linting.

A directory's parse trees are reference cycles (sqlglot nodes point at their parents) that live
until its last rule has run, and only the cycle collector frees them. Left to itself, CPython
starts a full collection each time the heap has grown by a quarter, and each one walks every tree
alive again: a quarter of all CPU time (2.2 s of a 1 MB file's 9 s). Reference counting frees
everything else as it goes, so the collector is only needed between directories.

- In any process (a library call, a test, sqlfluff running the plugin), `directory()` pauses the
  collector for one directory's work, collects once after it, and restores the caller's setting.
- In a process of ours that exits after its run (the console command, a pool worker: `own_process()`), the collector
  is switched off at the first directory and stays off. Between directories, garbage is
  collected once it passes a budget, and what survives (modules, findings) is frozen, so no
  later collection walks it again. At exit everything is frozen, so the interpreter's final
  collection skips the last directories' garbage (a 1 MB file's trees take 0.8 s to walk, just
  before the process ends anyway). Freezing is never done in someone else's process: what is
  frozen there is never collected.
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Tracked objects allocated since the last collection before one is due between directories:
# a few tens of MB of garbage at most, in exchange for far fewer collections.
GARBAGE_BUDGET = 400_000

_owned = False
_young_only = False


def own_process() -> None:
    """This process is ours until it exits: take the collector over (see the module's text)."""
    global _owned
    if not _owned:
        _owned = True
        atexit.register(gc.freeze)


def long_lived() -> None:
    """This process serves for hours (the language server): what it holds comes and goes, so
    nothing may be frozen. After each directory's work, its garbage is collected from the young
    generation alone: with the collector paused, everything the work made is young, and a full
    collection would walk the whole heap (sqlglot, the server's caches) on every keystroke."""
    global _owned, _young_only
    _owned, _young_only = False, True
    gc.enable()


@contextmanager
def directory() -> Iterator[None]:
    """Around one directory's work."""
    if _owned:
        if gc.get_count()[0] > GARBAGE_BUDGET:
            gc.collect()
            gc.freeze()
        gc.disable()
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect(0 if _young_only else 2)
        if enabled:
            gc.enable()
