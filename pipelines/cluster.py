"""Where model work runs: attach to (or start) Ray, size the pool of model actors, and stop cleanly on a signal."""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from lrp_audit.run_folder.records import PoolFacts

from .config import ConfigError, ScanConfig


# How long a cluster address may take to accept a connection before the scan gives up on it.
CONNECT_TIMEOUT_S = 10.0


def ray_address(config: ScanConfig) -> str | None:
    return config.runtime.ray_address or os.environ.get("RAY_ADDRESS")


def check_address(config: ScanConfig) -> None:
    """A cluster address (``host:port`` or ``ray://host:port``) must accept a connection within
    ``CONNECT_TIMEOUT_S``; Ray itself would retry an address that nothing listens on for minutes."""
    address = ray_address(config)
    host, _, port = (address or "").removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # no address (a local Ray), or "auto" / "local", which Ray resolves on this machine
    key = "runtime.ray_address" if config.runtime.ray_address else "RAY_ADDRESS"
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as error:
        reason = (
            f"no answer within {CONNECT_TIMEOUT_S:.0f} s"
            if isinstance(error, TimeoutError)
            else (error.strerror or str(error)).lower()
        )
        raise ConfigError(
            f"{key}: nothing answers at {address} ({reason}); is the cluster up, and is this its head's address?"
        ) from None


class Interrupted(Exception):
    """SIGTERM or SIGINT reached the driver: what was finished is kept, a rerun does the rest."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.step, self.kept = "the command", "what was finished is kept; rerun to do the rest"  # set by the step
        super().__init__(f"interrupted by {signal.Signals(signum).name}")

    @property
    def exit_code(self) -> int:
        return 128 + self.signum  # what a shell reports for a process ended by the signal: 130, 143


SIGNALS = (signal.SIGTERM, signal.SIGINT)
_armed: list = []  # the handlers in force, innermost last: Ray's core replaces them as it starts


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM (what ``kill``, systemd and schedulers send) and SIGINT (Ctrl-C) raise ``Interrupted``
    in the driver, so a run is closed cleanly (its manifest marked interrupted, Ray shut down)
    instead of dying mid-call in Ray's native crash handler. A second signal while closing is ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def handler(signum, _frame):
        if not received:
            received.append(signum)
            raise Interrupted(signum)

    previous = {number: signal.signal(number, handler) for number in SIGNALS}
    _armed.append(handler)
    try:
        yield
    finally:
        _armed.remove(handler)
        for number, old in previous.items():
            signal.signal(number, old)


def _rearm() -> None:
    if _armed:
        for number in SIGNALS:
            signal.signal(number, _armed[-1])


def start_ray(config: ScanConfig) -> bool:
    """Attach to ``runtime.ray_address`` / ``RAY_ADDRESS``, or start a local Ray; True if this call
    started or attached it (and whoever called it should shut it down), False if one was there."""
    import ray

    if ray.is_initialized():
        return False
    check_address(config)
    address = ray_address(config)
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")  # Ray's C++ warnings are not for our users
    with _native_stderr_silenced():  # Ray's C++ core announces that log level on stderr as it starts
        ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    _rearm()  # Ray's core installed its own SIGTERM handler, which aborts with a native dump
    return True


@contextmanager
def _native_stderr_silenced():
    """File descriptor 2 points at /dev/null for the block (Python's own exceptions still propagate)."""
    sys.stderr.flush()
    saved, null = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def pool_options(config: ScanConfig) -> PoolFacts:
    """One actor per GPU when GPUs exist; otherwise CPU actors that leave room for the read tasks."""
    import ray

    resources = ray.cluster_resources()
    gpus, cpus = int(resources.get("GPU", 0)), int(resources.get("CPU", 1))
    # Read tasks at once: one per CPU. More would only start more worker processes, each importing
    # torch and transformers before its first row (on 2 cores that tripled a small scan's time).
    read_tasks = max(1, cpus)
    if gpus:
        return PoolFacts(
            concurrency=config.runtime.num_workers or gpus,
            num_gpus=1,
            num_cpus=0.5,
            threads=None,
            read_tasks=read_tasks,
            resources=resources,
        )
    workers = config.runtime.num_workers or 1
    return PoolFacts(
        concurrency=workers,
        num_gpus=0,
        num_cpus=0.5,
        threads=max(1, cpus // workers),
        read_tasks=read_tasks,
        resources=resources,
    )
