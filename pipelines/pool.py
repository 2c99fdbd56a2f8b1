"""One pool of model actors per command, shared by the scan, the counterfactual rerun and the
faithfulness check.

``one_ray()`` spans a command: the first step with model work starts Ray (unless one is attached)
and the pool of ``ModelWorker`` actors, one per GPU, each loading the model once; the steps after it
reuse both, and both stop when the block ends. Nothing starts until a step needs the model, so a
command with no model work starts no Ray. Outside ``one_ray``, ``model_pool`` makes a pool for its
block alone.

The pool hands each call to the least busy actor, with at most ``DEPTH`` calls queued on one, so a
fast actor never waits behind a slow one's queue. A killed actor is restarted by Ray, which reloads
the model and retries the calls it held: a lost worker costs time, never rows.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console

from lrp_audit.lrp import LRPError
from lrp_audit.lrp.console import progress

from .cluster import pool_options, start_ray
from .config import ScanConfig
from .worker import ModelWorker

DEPTH = 2  # calls queued on one actor: one running, one ready to start the moment it ends


class ModelPool:
    """The command's model actors for one model and attribution setting."""

    def __init__(self, config: ScanConfig) -> None:
        import ray

        self.shape = pool_options(config)
        actor = ray.remote(ModelWorker).options(
            num_cpus=self.shape.num_cpus,
            num_gpus=self.shape.num_gpus,
            max_restarts=-1,  # a killed actor comes back (and reloads the model) ...
            max_task_retries=-1,  # ... and runs again the calls it held
        )
        self.actors = [actor.remote(config, self.shape.threads) for _ in range(self.shape.concurrency)]

    def probe(self) -> None:
        """One explanation of the probe text on one worker; raises the model's own error."""
        _get(self.actors[0].probe.remote())

    def workers(self) -> list[dict]:
        """Each actor's process and device, as the manifest lists them."""
        return sorted(_get([actor.describe.remote() for actor in self.actors]), key=lambda worker: worker["pid"])

    def map(
        self,
        method: str,
        items: Iterable,
        *,
        prepare: Callable[[Any], Any] | None = None,
        ahead: int = 1,
        **arguments,
    ) -> Iterator[tuple[int, Any]]:
        """``ModelWorker.<method>(item, **arguments)`` for each item, yielding ``(index, result)`` in
        the order they finish. With ``prepare`` (item -> ObjectRef of a CPU task, such as reading and
        tokenising a shard), that task runs first, at most ``ahead`` of them running or waiting for
        an actor, so the actors never wait for input and the object store never fills with it."""
        import ray

        waiting = deque(enumerate(items))
        preparing: dict = {}  # ObjectRef of a prepare task -> item index
        ready: deque = deque()  # (index, argument) for an actor
        running: dict = {}  # ObjectRef of an actor call -> (index, actor)
        load = [0] * len(self.actors)
        while waiting or preparing or ready or running:
            while waiting and (prepare is None or len(preparing) + len(ready) < ahead):
                index, item = waiting.popleft()
                if prepare is None:
                    ready.append((index, item))
                else:
                    preparing[prepare(item)] = index
            while ready and min(load) < DEPTH:
                actor = load.index(min(load))
                index, argument = ready.popleft()
                running[getattr(self.actors[actor], method).remote(argument, **arguments)] = (index, actor)
                load[actor] += 1
            [done], _ = ray.wait([*preparing, *running], num_returns=1)
            if done in preparing:
                ready.append((preparing.pop(done), done))
            else:
                index, actor = running.pop(done)
                load[actor] -= 1
                yield index, _get(done)

    def map_batches(
        self, method: str, rows: list[dict], rows_per_batch: int, step: tuple[Console, str] | None = None, **arguments
    ) -> list:
        """``rows`` in batches through ``ModelWorker.<method>``; one result per batch, in order.
        ``step`` is where to show progress and what to call it."""
        batches = [rows[start : start + rows_per_batch] for start in range(0, len(rows), rows_per_batch)]
        results: list = [None] * len(batches)
        console, label = step or (Console(quiet=True), "")
        with progress(console, label, len(rows), "rows") as tracker:
            for index, result in self.map(method, batches, **arguments):
                results[index] = result
                tracker.advance(len(batches[index]))
        return results

    def close(self) -> None:
        import ray

        for actor in self.actors:
            ray.kill(actor)


def _get(refs):
    """``ray.get``, with an error meant for users (a model or path problem) raised as itself
    instead of inside Ray's wrapper and its remote traceback."""
    import ray

    try:
        return ray.get(refs)
    except ray.exceptions.RayTaskError as error:
        if isinstance(error.cause, (LRPError, OSError)):
            raise error.cause from None
        raise


@dataclass
class _Command:
    started_ray: bool = False
    pools: dict[str, ModelPool] = field(default_factory=dict)


_commands: list[_Command] = []  # one per open ``one_ray``, innermost last


@contextmanager
def one_ray() -> Iterator[None]:
    """One Ray and one model pool per command: steps inside share what the first of them started,
    and it stops when the block ends."""
    command = _Command()
    _commands.append(command)
    try:
        yield
    finally:
        _commands.pop()
        import ray

        if ray.is_initialized():
            for pool in command.pools.values():
                pool.close()
            if command.started_ray:
                ray.shutdown()


@contextmanager
def model_pool(config: ScanConfig) -> Iterator[ModelPool]:
    """The command's pool for ``config``'s model, started (with Ray, if none is attached) on first use."""
    if not _commands:
        with one_ray(), model_pool(config) as pool:
            yield pool
        return
    command = _commands[-1]
    key = json.dumps(config.model_dump(exclude={"audit", "evaluation"}), sort_keys=True, default=str)
    if key not in command.pools:
        command.started_ray |= start_ray(config)
        command.pools[key] = ModelPool(config)
    yield command.pools[key]
