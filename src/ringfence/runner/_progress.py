"""Progress of a live run: a rich progress bar on a terminal, plain lines elsewhere (CI).

Only sample ids, counts and error descriptions are shown, never prompts or replies.
"""

from __future__ import annotations

import os
import sys
from typing import Protocol, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class ProgressDisplay(Protocol):
    """Receives the run's progress."""

    def start(self, total: int, already_done: int) -> None:
        """Show that the run has `total` samples, `already_done` of them finished earlier."""
        ...

    def sample_finished(self, sample_id: str, error: str | None) -> None:
        """Record that one sample finished, with its infrastructure error if it had one."""
        ...

    def close(self) -> None:
        """Close the display at the end of the run."""
        ...


class PlainProgress:
    """One line per finished sample, for logs and CI."""

    def __init__(self, stream: TextIO | None = None) -> None:
        """Write to `stream` (standard error by default)."""
        self._stream = stream or sys.stderr
        self._total = 0
        self._done = 0

    def start(self, total: int, already_done: int) -> None:
        """Print the plan."""
        self._total, self._done = total, already_done
        self._print(
            f"live run: {total} samples, {already_done} finished before, "
            f"{total - already_done} to run"
        )

    def sample_finished(self, sample_id: str, error: str | None) -> None:
        """Print one line for the sample."""
        self._done += 1
        status = f"error: {error}" if error else "finished"
        self._print(f"[{self._done}/{self._total}] {sample_id} {status}")

    def close(self) -> None:
        """Nothing to clean up."""

    def _print(self, line: str) -> None:
        print(line, file=self._stream, flush=True)


class RichProgress:
    """A progress bar on the terminal, with errors printed above it."""

    def __init__(self) -> None:
        """Draw on standard error."""
        self._console = Console(stderr=True)
        self._progress = Progress(
            TextColumn("live run"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self._console,
        )
        self._task = self._progress.add_task("samples", total=0)

    def start(self, total: int, already_done: int) -> None:
        """Show the bar, counting the samples an earlier run finished."""
        self._progress.update(self._task, total=total, completed=already_done)
        self._progress.start()

    def sample_finished(self, sample_id: str, error: str | None) -> None:
        """Advance the bar; print errored samples."""
        if error:
            self._progress.console.print(f"{sample_id}: error: {error}", markup=False)
        self._progress.advance(self._task)

    def close(self) -> None:
        """Remove the live display."""
        self._progress.stop()


def default_progress(plain: bool = False) -> ProgressDisplay:
    """Return a rich bar when standard error is a terminal outside CI, else plain lines."""
    if plain or os.environ.get("CI") or not sys.stderr.isatty():
        return PlainProgress()
    return RichProgress()


class NoProgress:
    """Shows nothing."""

    def start(self, total: int, already_done: int) -> None:
        """Show nothing."""

    def sample_finished(self, sample_id: str, error: str | None) -> None:
        """Show nothing."""

    def close(self) -> None:
        """Show nothing."""
