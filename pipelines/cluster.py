"""Where model work runs: attach to (or start) Ray, size the pool of model actors, run a stage on it."""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

from lrp_audit.lrp.console import progress

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


_held: list[bool] = []  # one entry per open ``one_ray``: whether a step inside it started Ray


@contextmanager
def one_ray() -> Iterator[None]:
    """One Ray per command: a step inside that starts Ray leaves it running for the steps after it
    (the scan, the counterfactual rerun, the evaluation), and it stops when the block ends. Nothing
    is started until a step needs it, so a command with no model work starts no Ray."""
    import ray

    _held.append(False)
    try:
        yield
    finally:
        if _held.pop() and ray.is_initialized():
            ray.shutdown()


def start_ray(config: ScanConfig) -> bool:
    """Attach to ``runtime.ray_address`` / ``RAY_ADDRESS``, or start a local Ray; True if the caller
    started it and should stop it (never inside ``one_ray``, which stops it at its end)."""
    import ray

    if ray.is_initialized():
        return False
    check_address(config)
    address = ray_address(config)
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")  # Ray's C++ warnings are not for our users
    with _native_stderr_silenced():  # Ray's C++ core announces that log level on stderr as it starts
        ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    _rearm()  # Ray's core installed its own SIGTERM handler, which aborts with a native dump
    if _held:
        _held[-1] = True
        return False
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


def pool_options(config: ScanConfig) -> dict:
    """One actor per GPU when GPUs exist; otherwise CPU actors that leave room for the read tasks."""
    import ray

    resources = ray.cluster_resources()
    gpus, cpus = int(resources.get("GPU", 0)), int(resources.get("CPU", 1))
    # Read tasks at once: one per CPU. More would only start more worker processes, each importing
    # torch and transformers before its first row (on 2 cores that tripled a small scan's time).
    read_tasks = max(1, cpus)
    if gpus:
        workers = config.runtime.num_workers or gpus
        return {"concurrency": workers, "num_gpus": 1, "num_cpus": 0.5, "threads": None, "read_tasks": read_tasks,
                "resources": resources}
    workers = config.runtime.num_workers or 1
    threads = max(1, cpus // workers)
    return {"concurrency": workers, "num_gpus": 0, "num_cpus": 0.5, "threads": threads, "read_tasks": read_tasks,
            "resources": resources}


def quiet_data_context() -> None:
    """Our own progress display replaces Ray Data's bars and start-up messages."""
    import ray.data

    logging.getLogger("ray.data").setLevel(logging.ERROR)
    # It logs the stack of any exception raised while it iterates, our Interrupted included; the
    # exception itself still reaches us and is reported in one line.
    logging.getLogger("ray.data.exceptions").setLevel(logging.CRITICAL)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False


def map_on_pool(
    config: ScanConfig,
    rows: list[dict],
    stage: type,
    rows_per_batch: int,
    step: tuple[Console, str] | None = None,
    **stage_options,
) -> list[dict]:
    """Run ``stage`` (a callable class that loads the scan's model once, built with ``config`` and
    ``stage_options``) over ``rows`` on the model-actor pool; results come back in row order.
    ``step`` is where to show progress and what to call it.

    Starts a local Ray (and stops it after) unless one is already attached."""
    import ray
    import ray.data

    started = start_ray(config)
    try:
        pool = pool_options(config)
        quiet_data_context()
        items = [{"row": index, **row} for index, row in enumerate(rows)]
        dataset = ray.data.from_items(items).map_batches(
            stage,
            batch_size=rows_per_batch,
            compute=ray.data.ActorPoolStrategy(size=pool["concurrency"]),
            num_cpus=pool["num_cpus"],
            num_gpus=pool["num_gpus"],
            fn_constructor_kwargs={"config": config.model_dump(), "threads": pool["threads"], **stage_options},
        )
        console, label = step or (Console(quiet=True), "")
        results = []
        with progress(console, label, len(rows), "rows") as tracker:
            for result in dataset.iter_rows():
                results.append(result)
                tracker.advance()
        return sorted(results, key=lambda result: result["row"])
    finally:
        if started:
            ray.shutdown()
