"""A progress bar for long runs, on a terminal only: never in pipes, files or machine formats."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

# Below this many files a run is over before a bar would be readable.
MIN_FILES = 200


class TerminalProgress:
    """`with progress: lint(..., progress=progress.update)`; draws on stderr, and clears itself."""

    def __init__(self, stream: TextIO, min_files: int = MIN_FILES) -> None:
        self._stream = stream
        self._min_files = min_files
        self._bar: tuple[Progress, TaskID] | None = None  # drawn from the first update of a long enough run

    def update(self, done: int, total: int) -> None:
        if self._bar is None:
            if total < self._min_files:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            console = Console(file=self._stream)
            bar = Progress(
                TextColumn("linting"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("files"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            self._bar = bar, bar.add_task("lint", total=total)
            bar.start()
        bar, task = self._bar
        bar.update(task, completed=done, total=total)

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar[0].stop()


def terminal_progress(stream: TextIO, report: TextIO, min_files: int = MIN_FILES) -> TerminalProgress | None:
    """A progress bar on `stream` when it and the `report`'s stream are both terminals, else None."""
    if not (_is_terminal(stream) and _is_terminal(report)):
        return None
    return TerminalProgress(stream, min_files)


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
