"""What one command holds while it runs: its console, its signal handling, Ray and its model pools.

A command makes one ``Runtime`` and passes it down to every step (the scan, the counterfactual
rerun, the faithfulness check)::

    with Runtime(console) as runtime:
        run_scan(config, runtime)
        ...

Inside, SIGTERM (what ``kill``, systemd and schedulers send) and SIGINT (Ctrl-C) raise
``Interrupted`` in the driver, so that a run is closed cleanly (its manifest marked interrupted,
Ray shut down) instead of dying mid-call in Ray's native crash handler. Ray is started (or attached
to) only when a step first needs model work, so a command with none starts no Ray; steps that ask
for the same model and attribution settings share one pool, and a step for another model stops the
previous model's workers first (they hold a node's cores or a whole GPU each: two pools would wait
on each other). Leaving the block stops the pool, and Ray if this runtime started it. Nothing of it
lives at module level: two runtimes (a notebook's, a test's) are two independent things.
"""

from __future__ import annotations

import json
import signal
import threading
from types import TracebackType

from rich.console import Console

from lrp_audit.lrp.console import console as make_console

from .cluster import ray_address, start_ray
from .config import ScanConfig
from .pool import LocalPool, ModelPool, Pool

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Interrupted(Exception):
    """SIGTERM or SIGINT reached the driver: what was finished is kept, a rerun does the rest."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.step, self.kept = "the command", "what was finished is kept; rerun to do the rest"  # set by the step
        super().__init__(f"interrupted by {signal.Signals(signum).name}")

    @property
    def exit_code(self) -> int:
        return 128 + self.signum  # what a shell reports for a process ended by the signal: 130, 143


def in_process(config: ScanConfig, rows: int | None) -> bool | None:
    """Whether the model runs in this process (``LocalPool``) rather than on Ray workers: as
    ``runtime.executor`` says, and for ``auto`` when no cluster address is set and the step has at
    most one shard's rows (``runtime.shard_rows``) to explain, where starting Ray and a worker process
    would cost more than the work. None where either will do: ``auto`` for a step that does not say
    how many rows (the audit's reruns after a scan reuse the scan's pool, whichever it is)."""
    if config.runtime.executor != "auto":
        return config.runtime.executor == "local"
    if ray_address(config) is not None:
        return False
    return None if rows is None else rows <= config.runtime.shard_rows


class Runtime:
    """One command's console, signal handling, Ray and model pool (see the module's docstring)."""

    def __init__(self, console: Console | None = None, *, signals: bool = True) -> None:
        self.console = console or make_console(stderr=True)
        self._pool: tuple[str, Pool] | None = None  # the model and attribution settings it serves, and the pool
        self.started_ray = False
        self.signals = signals  # False: leave SIGTERM and SIGINT to the host (a test runner, a notebook's own)
        self._received: list[int] = []
        self._previous: dict | None = None

    def __enter__(self) -> "Runtime":
        if self.signals and threading.current_thread() is threading.main_thread():  # only the main thread gets signals
            self._previous = {number: signal.signal(number, self._handler) for number in SIGNALS}
        return self

    def __exit__(self, kind: type | None, error: BaseException | None, trace: TracebackType | None) -> None:
        try:
            self.close()
        finally:
            if self._previous is not None:
                for number, old in self._previous.items():
                    signal.signal(number, old)
                self._previous = None

    def _handler(self, signum: int, _frame) -> None:
        if not self._received:  # a second signal while closing is ignored
            self._received.append(signum)
            raise Interrupted(signum)

    def pool(self, config: ScanConfig, rows: int | None = None) -> Pool:
        """The pool for ``config``'s model and attribution settings, started (with Ray, if none is
        attached) on first use and shared by every later step that asks for the same (with the same
        ``runtime.num_workers`` and ``cpus_per_worker``); another model's pool is stopped first.
        ``rows``: how many rows the step has to explain, for ``runtime.executor: auto`` (``in_process``)."""
        shape = {"runtime": {"num_workers", "cpus_per_worker"}}  # the pool's own size, not the scan's other settings
        key = json.dumps(config.model_dump(include={"model": True, "attribution": True, **shape}), sort_keys=True, default=str)
        local = in_process(config, rows)
        if self._pool is None or self._pool[0] != key or local not in (None, isinstance(self._pool[1], LocalPool)):
            self.stop_pool()
            if local is not False:
                self._pool = key, LocalPool(config)
            else:
                if start_ray(config):
                    self.started_ray = True
                    self._rearm()
                self._pool = key, ModelPool(config)
        return self._pool[1]

    def stop_pool(self) -> None:
        """The model workers stopped (their memory freed); the next step that needs them starts them again."""
        if self._pool is not None:
            self._pool[1].close()
            self._pool = None

    def _rearm(self) -> None:
        """Ray's core installs its own SIGTERM handler as it starts (which aborts with a native dump)."""
        if self._previous is not None:
            for number in SIGNALS:
                signal.signal(number, self._handler)

    def close(self) -> None:
        """The pool stopped, and Ray if this runtime started it."""
        import ray

        if ray.is_initialized():
            self.stop_pool()
            if self.started_ray:
                ray.shutdown()
        self._pool, self.started_ray = None, False
