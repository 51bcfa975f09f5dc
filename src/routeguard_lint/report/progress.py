"""A progress indicator for long runs: a rich spinner with the elapsed time, on stderr.

Shown only when the caller enables it -- the CLI does for human output (``check`` text, ``routes``
table) when stderr is a terminal and ``--quiet`` is not given -- and only once a run has lasted
``delay`` seconds, so quick runs print nothing extra. Never used for machine formats or when piped;
it is transient (erased when the run ends) and never writes to stdout.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

DELAY = 2.0  # seconds before the indicator appears


def wanted(stream: IO[str] | None = None) -> bool:
    """Whether `stream` (stderr by default) is an interactive terminal that can show a spinner."""
    stream = stream if stream is not None else sys.stderr
    if os.environ.get("TERM", "").lower() in ("dumb", "unknown") or os.environ.get("CI"):
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):
        return False


@contextmanager
def progress(enabled: bool, message: str, *, stream: IO[str] | None = None, delay: float = DELAY) -> Iterator[None]:
    """Show `message` with a spinner and the elapsed time on `stream` after `delay` seconds, until the
    block ends."""
    if not enabled:
        yield
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(file=stream if stream is not None else sys.stderr, force_terminal=True, highlight=False,
                      markup=False, emoji=False)
    bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                   transient=True)
    bar.add_task(message, total=None)
    lock = threading.Lock()
    done = False

    def start() -> None:
        with lock:
            if not done:
                bar.start()

    timer = threading.Timer(delay, start)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        with lock:
            done = True
            bar.stop()


__all__ = ["DELAY", "progress", "wanted"]
