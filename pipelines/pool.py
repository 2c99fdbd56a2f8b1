"""A pool of model workers on every node of the cluster, which follows the cluster as it changes.

Placement (``cluster.placements``): one worker per GPU; on a node without GPUs, ``node CPUs //
runtime.cpus_per_worker`` workers with that many torch threads each (one worker using all of the
node's cores by default), never more threads than the node has; ``runtime.num_workers`` caps the
total. Each worker is pinned to its node, so a node's workers use that node's cores.

While it hands out work, the pool looks at the cluster again every ``RESIZE_S`` seconds: a node that
joined (the autoscaler's, KubeRay's) gets its workers, and the workers of a node that left are
dropped; the calls they held go back to the queue, lost to no one. A worker whose process died on a
node that is still alive (an out-of-memory kill, a crashing kernel) is replaced by a new one there.
The call it was running is tried again, at most ``runtime.max_attempts`` times in all, after which
its item comes back as ``Died`` instead of a result, for the caller to find the rows that kill a
worker (``scan``); the calls only waiting behind it go back to the queue uncounted. Ray itself
restarts and retries nothing, so nothing is retried forever.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import torch
from rich.console import Console

from lrp_audit.lrp import LRPError
from lrp_audit.lrp.console import progress
from lrp_audit.run_folder.records import PoolFacts

from .cluster import Placement, alive_nodes, alive_records, placements
from .config import ScanConfig
from .worker import ModelWorker

DEPTH = 2  # calls queued on one worker: one running, one ready to start the moment it ends
RESIZE_S = 2.0  # how often the pool looks for nodes that joined or left while it works


@dataclass(frozen=True)
class Died:
    """An item whose worker process died at each of its ``attempts``: the last reason Ray gave, and
    the argument the calls had (a prepared shard's ObjectRef), for the caller to look closer."""

    attempts: int
    reason: str
    argument: Any = None


@dataclass(eq=False)  # one worker is one actor: compared by identity
class _Worker:
    actor: Any
    node: str
    calls: deque = field(default_factory=deque)  # its calls not yet answered, oldest (the one running) first


class Pool:
    """What every pool does with its ``map``: one call, and rows in batches."""

    config: ScanConfig

    def map(self, method: str, items: Iterable, **options) -> Iterator[tuple[int, Any]]:
        raise NotImplementedError

    def call(self, method: str, item: Any, *, attempts: int = 1, **arguments) -> Any:
        """One call of ``ModelWorker.<method>(item, **arguments)`` (``Died`` if its worker died ``attempts`` times)."""
        [(_, result)] = list(self.map(method, [item], attempts=attempts, **arguments))
        return result

    def map_batches(
        self, method: str, rows: list[dict], rows_per_batch: int, step: tuple[Console, str] | None = None, **arguments
    ) -> list:
        """``rows`` in batches through ``ModelWorker.<method>``; one result per batch, in order.
        ``step`` is where to show progress and what to call it."""
        batches = [rows[start : start + rows_per_batch] for start in range(0, len(rows), rows_per_batch)]
        results: list = [None] * len(batches)
        console, label = step or (Console(quiet=True), "")
        with progress(console, label, len(rows), "rows") as tracker:
            for index, result in self.map(method, batches, attempts=self.config.runtime.max_attempts, **arguments):
                if isinstance(result, Died):
                    raise LRPError(f"a model worker died {result.attempts} times on one batch of {label}: {result.reason}")
                results[index] = result
                tracker.advance(len(batches[index]))
        return results


class LocalPool(Pool):
    """The pool's calls in this process, without Ray: one worker, the driver itself (``runtime.executor:
    local``, or ``auto`` for a scan of at most one shard with no cluster address). Nothing to start
    but the model, so a small scan costs seconds; in exchange nothing is isolated: a row that kills
    the process stops the command (its finished shards are kept, a rerun does the rest)."""

    executor = "local"
    read_tasks = 1

    def __init__(self, config: ScanConfig) -> None:
        self.config = config
        self.worker = ModelWorker(config)

    @property
    def facts(self) -> PoolFacts:
        cpus = os.cpu_count() or 1
        gpus = torch.cuda.device_count()
        return PoolFacts(
            concurrency=1,
            num_gpus=min(gpus, 1),
            num_cpus=float(cpus),
            threads=torch.get_num_threads(),
            read_tasks=1,
            resources={"CPU": float(cpus), **({"GPU": float(gpus)} if gpus else {})},
            nodes=1,
            deaths=0,
            retries=0,
            executor=self.executor,
        )

    def prepared(self, function: Callable[[Any, ScanConfig], Any], config: ScanConfig) -> Callable[[Any], Any]:
        """``function(item, config)`` for each item, here, as it is needed."""
        return lambda item: function(item, config)

    def probe(self, pairs: bool) -> None:
        self.worker.probe(pairs)

    def describe(self) -> list[dict]:
        return [self.worker.describe()]

    def map(
        self, method: str, items: Iterable, *, prepare: Callable[[Any], Any] | None = None, ahead: int = 1, attempts: int = 1, **arguments
    ) -> Iterator[tuple[int, Any]]:
        """As ``ModelPool.map``, one item after the other (``ahead`` and ``attempts`` have nothing to do here)."""
        for index, item in enumerate(items):
            yield index, getattr(self.worker, method)(prepare(item) if prepare else item, **arguments)

    def close(self) -> None:
        self.worker = None


class ModelPool(Pool):
    """The command's model workers for one model and attribution setting, as Ray actors."""

    executor = "ray"

    def __init__(self, config: ScanConfig) -> None:
        self.config = config
        self.workers: list[_Worker] = []
        self.deaths = 0  # worker processes that died under a call
        self.retries = 0  # calls given again after their worker died
        self.resize()

    @property
    def facts(self) -> PoolFacts:
        """The pool's shape now, as the manifest records it."""
        plans = placements(self.config.runtime)
        return PoolFacts(
            concurrency=len(self.workers),
            num_gpus=1 if any(plan.gpus for plan in plans) else 0,
            num_cpus=min((plan.num_cpus for plan in plans), default=0.5),
            threads=max((plan.threads or 0 for plan in plans), default=0) or None,
            read_tasks=self.read_tasks,
            resources=_cluster_resources(),
            nodes=len({worker.node for worker in self.workers}),
            deaths=self.deaths,
            retries=self.retries,
            executor=self.executor,
        )

    def prepared(self, function: Callable[[Any, ScanConfig], Any], config: ScanConfig) -> Callable[[Any], Any]:
        """``function(item, config)`` for each item as a Ray CPU task: its ObjectRef, for ``map``'s
        ``prepare``. ``config`` is the step's (a pool serves every step of its model, whatever data)."""
        import ray

        task, shared = ray.remote(num_cpus=0.25)(function), ray.put(config)
        return lambda item: task.remote(item, shared)

    @property
    def read_tasks(self) -> int:
        """Shards read and tokenised at once: one per CPU of the cluster (more would only start more
        worker processes, each importing torch before its first row)."""
        return max(1, int(_cluster_resources().get("CPU", 1)))

    def resize(self) -> None:
        """Workers for every node of the cluster as ``placements`` says, none for nodes that left."""
        import ray

        nodes = alive_records()  # read once: which nodes are alive, and what each holds
        alive = {node["NodeID"] for node in nodes}
        for worker in self.workers:
            if worker.node not in alive:
                ray.kill(worker.actor)
        self.workers = [worker for worker in self.workers if worker.node in alive]
        for plan in placements(self.config.runtime, nodes):
            missing = plan.workers - sum(worker.node == plan.node for worker in self.workers)
            self.workers += [_Worker(_start(plan, self.config), plan.node) for _ in range(missing)]

    def _replace(self, worker: _Worker) -> None:
        """A worker whose process died is replaced by a new one on its node (which loads the model)."""
        if worker in self.workers:
            self.workers.remove(worker)
            self.resize()

    def probe(self, pairs: bool) -> None:
        """One explanation of the probe text on one worker; raises the model's own error."""
        _get(self.workers[0].actor.probe.remote(pairs))

    def describe(self) -> list[dict]:
        """Each worker's process and device, as the manifest lists them."""
        return sorted(_get([worker.actor.describe.remote() for worker in self.workers]), key=lambda w: w["pid"])

    def map(
        self,
        method: str,
        items: Iterable,
        *,
        prepare: Callable[[Any], Any] | None = None,
        ahead: int = 1,
        attempts: int = 1,
        **arguments,
    ) -> Iterator[tuple[int, Any]]:
        """``ModelWorker.<method>(item, **arguments)`` for each item, yielding ``(index, result)`` in
        the order they finish; ``Died`` for an item whose worker died ``attempts`` times. With
        ``prepare`` (item -> ObjectRef of a CPU task, such as reading and tokenising a shard), that task
        runs first, at most ``ahead`` of them running or waiting for a worker, so the workers never
        wait for input and the object store never fills with it."""
        import ray

        waiting = deque(enumerate(items))
        preparing: dict = {}  # ObjectRef of a prepare task -> item index
        ready: deque = deque()  # (index, argument) for a worker
        running: dict = {}  # ObjectRef of a call -> (index, argument, worker)
        tries: dict[int, int] = {}
        resized = time.monotonic()
        while waiting or preparing or ready or running:
            while waiting and (prepare is None or len(preparing) + len(ready) < ahead):
                index, item = waiting.popleft()
                if prepare is None:
                    ready.append((index, item))
                else:
                    preparing[prepare(item)] = index
            while ready and self.workers and min(len(worker.calls) for worker in self.workers) < DEPTH:
                worker = min(self.workers, key=lambda w: len(w.calls))
                index, argument = ready.popleft()
                call = getattr(worker.actor, method).remote(argument, **arguments)
                running[call] = (index, argument, worker)
                worker.calls.append(call)
            done, _ = ray.wait([*preparing, *running], num_returns=1, timeout=RESIZE_S)
            if time.monotonic() - resized >= RESIZE_S:
                self.resize()
                resized = time.monotonic()
            if not done:
                continue
            if done[0] in preparing:
                ready.append((preparing.pop(done[0]), done[0]))
                continue
            index, argument, worker = running.pop(done[0])
            was_running = worker.calls[0] == done[0]  # a worker runs its calls one at a time, in order
            worker.calls.remove(done[0])
            try:
                result = _get(done[0])
            except ray.exceptions.ActorUnavailableError:  # a network blip: it may answer again, or be found dead
                ready.appendleft((index, argument))
                continue
            except ray.exceptions.RayActorError as died:
                node_left = worker.node not in alive_nodes()
                self._replace(worker)
                if node_left or not was_running:  # not the call's doing: it only waited behind the one that died
                    ready.appendleft((index, argument))
                    continue
                self.deaths += 1
                tries[index] = tries.get(index, 0) + 1
                if tries[index] < attempts:
                    self.retries += 1
                    ready.append((index, argument))
                    continue
                result = Died(tries[index], death_reason(died), argument)
            yield index, result

    def close(self) -> None:
        import ray

        for worker in self.workers:
            ray.kill(worker.actor)
        self.workers = []


def _start(plan: Placement, config: ScanConfig):
    """One worker on ``plan``'s node. Ray neither restarts it nor gives a call again when its process
    dies: the pool replaces it, and decides which calls to give again and how often."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    actor = ray.remote(ModelWorker).options(
        num_cpus=plan.num_cpus,
        num_gpus=1 if plan.gpus else 0,
        max_restarts=0,
        max_task_retries=0,
        scheduling_strategy=NodeAffinitySchedulingStrategy(plan.node, soft=False),
    )
    return actor.remote(config, plan.threads)


def death_reason(error: BaseException) -> str:
    """What Ray said of a worker that died under a call, on one line: why the process died (its exit
    type and detail, which name a signal or the out-of-memory killer), without the actor's ids."""
    text = " ".join(str(error).split())
    why = text[text.find("The actor is dead because") :] if "The actor is dead because" in text else text
    return f"{type(error).__name__}: {why[:500]}"


def _cluster_resources() -> dict[str, float]:
    import ray

    return ray.cluster_resources()


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
