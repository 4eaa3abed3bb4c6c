"""Garbage-collector settings for commands that hold many objects until they end.

A run keeps its scenarios, transcripts, findings and outcomes alive until the reports are
written. CPython's cyclic collector runs after every 700 new objects by default, and its
older generations are scanned again and again while that heap grows: in a 10,000-sample live
run this took about 40% of the wall time (docs/benchmarks.md). Memory is freed by reference
counting either way; only cycles wait longer for the collector.
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager

FEWER_COLLECTIONS = (100_000, 50, 100)
"""Thresholds of the three generations while a command runs."""

_freeze_registered = False


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect cycles less often inside the block; restore the previous settings after it."""
    before = gc.get_threshold()
    gc.set_threshold(*FEWER_COLLECTIONS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def keep_out_of_collections() -> None:
    """Move every object alive now out of the collector's reach until the block ends.

    For data loaded once and kept to the end, such as a scenario suite.
    """
    gc.freeze()


def freeze_at_exit() -> None:
    """Keep the interpreter's last collections from scanning every object at exit.

    CPython collects cycles while it shuts down; with a large run still in memory that took
    1.5 s. Objects frozen by `gc.freeze` are skipped. Registered once per process.
    """
    global _freeze_registered
    if not _freeze_registered:
        atexit.register(gc.freeze)
        _freeze_registered = True
