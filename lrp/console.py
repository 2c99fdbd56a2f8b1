"""Output for terminals and for logs alike: consoles that never wrap a line when they write to a file
or a pipe, and progress that a log can follow.

On a terminal, rich wraps to the window and draws live progress bars. Anywhere else (``>> log``,
``| tee``, a scheduler, CI) lines are written whole, so a path, a command or a run id can be copied
back out of the log, and progress is a plain line now and then instead of a bar nobody sees. A
notebook gets the same lines in its cell's output stream (rich would otherwise send every line as a
display of its own).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

# Wide enough for any line we print: tables take only the width their cells need.
LOG_WIDTH = 10_000
# In a log: a progress line at the start, at each further tenth of the work (at most every
# LOG_TENTH_SECONDS), at least every LOG_EVERY_SECONDS while something moves, and at the end.
LOG_TENTH_SECONDS = 5.0
LOG_EVERY_SECONDS = 30.0


def console(stderr: bool = False) -> Console:
    """A console for stdout (or stderr) as it is now: wrapping to the window on a terminal, never elsewhere."""
    stream = sys.stderr if stderr else sys.stdout
    if _is_terminal(stream):
        return Console(stderr=stderr)
    return Console(stderr=stderr, width=LOG_WIDTH, soft_wrap=True, force_jupyter=False)  # a notebook: its stream, as a log


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


class Tracker:
    """Advances one step's progress: a live bar on a terminal, a line now and then in a log."""

    def __init__(self, console: Console, label: str, total: int, unit: str) -> None:
        self.console, self.label, self.total, self.unit = console, label, max(total, 0), unit
        self.done = 0
        self.started = time.monotonic()
        self._bar: Progress | None = None
        self._logged_at, self._logged_tenth = self.started, -1

    def advance(self, amount: int = 1) -> None:
        self.done += amount
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done, rate=self.rate())
        else:
            since = time.monotonic() - self._logged_at
            if (self._tenth() > self._logged_tenth and since >= LOG_TENTH_SECONDS) or since >= LOG_EVERY_SECONDS:
                self._log()

    def _tenth(self) -> int:
        return 10 * self.done // self.total if self.total else 10

    def rate(self) -> float:
        return self.done / max(time.monotonic() - self.started, 1e-9)

    def _log(self) -> None:
        self._logged_at = time.monotonic()
        self._logged_tenth = self._tenth()
        elapsed = self._logged_at - self.started
        self.console.print(
            f"{self.label}: {self.done}/{self.total} {self.unit} ({elapsed:.0f} s, {self.rate():.1f} {self.unit}/s)",
            highlight=False,
        )


@contextmanager
def progress(console: Console, label: str, total: int, unit: str) -> Iterator[Tracker]:
    """Progress of one step of ``total`` ``unit``: ``with progress(...) as tracker: tracker.advance(n)``."""
    tracker = Tracker(console, label, total, unit)
    if not console.is_terminal:
        tracker._log()
        yield tracker
        if tracker._logged_tenth < 10:
            tracker._log()
        return
    columns = [
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit + "  {task.fields[rate]:.1f}/s"),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=console, transient=True) as bar:
        tracker._bar, tracker._task = bar, bar.add_task(label, total=tracker.total, rate=0.0)
        yield tracker
