"""When CPython's cycle collector runs while linting.

sqlglot's parse trees are reference cycles (each node points at its parent), and a directory's
trees live until its last rule has run. Left to itself, CPython starts a full collection each time
the heap has grown by a quarter, and each one walks every tree alive again: a quarter of all CPU
time (2.2 s of a 1 MB file's 9 s). So the collector is paused while a directory is linted, and
when the directory is done its trees' parent links are cut (ParsedFile.release_trees), as are the
few other cycles a run makes (sqlglot's copies for writing SQL: operations/sql_text.py; SM401's
scopes): reference counting frees them, and the run needs no collection at all.

- In any process (a library call, a test, sqlfluff running the plugin), `directory()` pauses the
  collector for one directory's work and restores the caller's setting after it.
- In a process of ours that exits after its run (the console command, a helper process:
  `own_process()`), the collector is switched off from the start and stays off. Between
  directories, garbage that a cycle still holds is collected once it passes a budget, and what
  survives (modules, findings) is frozen, so no later collection walks it again. At exit
  everything is frozen, so the interpreter's final collection walks nothing; the last directory's
  trees are not released at all (`frees_trees`), nor its other objects freed (`leave_to_exit`). Freezing is never done in someone else's process:
  what is frozen there is never collected. A run answered from the content cache lints no
  directory, and makes no cycles to speak of, but tens of thousands of objects (the findings read
  back): left on, the collector walked them a hundred times (15 ms of a 0.25 s run over 2,084 files).
- In a process that serves for hours (the language server: `long_lived()`), the few cycles a
  directory's work still leaves are collected after it from the young generation alone.
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Tracked objects allocated (less those freed) since the last collection before one is due between
# directories: a few tens of MB of garbage at most. With the trees freed as they go, a run of the
# whole corpus (2,084 files) never reaches it.
GARBAGE_BUDGET = 400_000

_owned = False
_young_only = False


def own_process() -> None:
    """This process is ours until it exits: take the collector over (see the module's text)."""
    global _owned
    if not _owned:
        _owned = True
        gc.disable()
        atexit.register(gc.freeze)


def frees_trees(last: bool) -> bool:
    """Whether a directory's trees are to be released when its work is done. Not those of the last
    directory a process of ours lints (`last`: nothing follows it here): cutting each node's link
    and freeing them costs 6% of a big file's CPU, for memory the exiting process never reuses.
    Should it lint again after all (`--fix` lints what is left), those trees are garbage that a
    collection between directories frees."""
    return not (last and _owned)


def leave_to_exit(*objects: object) -> None:
    """Keep these objects (the last directory's parsed files and history: see frees_trees) until the
    process exits, instead of freeing them one by one when its work returns (4% of a big file's CPU),
    for memory the exiting process never reuses. They are held in a cycle that nothing else reaches:
    with the collector off, nothing frees it; at exit it is frozen with the rest."""
    kept: list[object] = [*objects]
    kept.append(kept)


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
        if _young_only:
            gc.collect(0)
        if enabled:
            gc.enable()
