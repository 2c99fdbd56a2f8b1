"""Where model work runs: attach to (or start) Ray, size the pool of model actors, run a stage on it."""

from __future__ import annotations

import logging
import os
import sys
from contextlib import contextmanager

from rich.console import Console

from lrp.console import progress

from .config import ScanConfig


def start_ray(config: ScanConfig) -> bool:
    """Attach to ``runtime.ray_address`` / ``RAY_ADDRESS``, or start a local Ray; True if we started it."""
    import ray

    if ray.is_initialized():
        return False
    address = config.runtime.ray_address or os.environ.get("RAY_ADDRESS")
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")  # Ray's C++ warnings are not for our users
    with _native_stderr_silenced():  # Ray's C++ core announces that log level on stderr as it starts
        ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
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
    if gpus:
        workers = config.runtime.num_workers or gpus
        return {"concurrency": workers, "num_gpus": 1, "num_cpus": 0.5, "threads": None, "resources": resources}
    workers = config.runtime.num_workers or 1
    threads = max(1, cpus // workers)
    return {"concurrency": workers, "num_gpus": 0, "num_cpus": 0.5, "threads": threads, "resources": resources}


def quiet_data_context() -> None:
    """Our own progress display replaces Ray Data's bars and start-up messages."""
    import ray.data

    logging.getLogger("ray.data").setLevel(logging.ERROR)
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
