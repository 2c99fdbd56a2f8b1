"""Where model work runs: attach to (or start) Ray, and place model workers on the cluster's nodes."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .config import ConfigError, RuntimeSection, ScanConfig


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


def start_ray(config: ScanConfig) -> bool:
    """Attach to ``runtime.ray_address`` / ``RAY_ADDRESS``, or start a local Ray; True if this call
    started or attached it (and whoever called it should shut it down), False if one was there. An
    address that does not answer is refused either way."""
    import ray

    check_address(config)
    if ray.is_initialized():
        return False
    address = ray_address(config)
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


@dataclass(frozen=True)
class Placement:
    """The model workers one node gets: one per GPU, or CPU workers of ``threads`` torch threads."""

    node: str  # Ray's node id
    workers: int
    gpus: bool
    threads: int | None  # torch threads of each CPU worker
    num_cpus: float = 0.5  # what each worker reserves: the read tasks need the rest of the node


def alive_records() -> list[dict]:
    """Ray's records of the cluster's nodes that are alive now, in the order of their ids."""
    import ray

    return sorted((node for node in ray.nodes() if node["Alive"]), key=lambda node: node["NodeID"])


def alive_nodes() -> set[str]:
    """The ids of the cluster's nodes that are alive now."""
    return {node["NodeID"] for node in alive_records()}


def placements(runtime: RuntimeSection, nodes: list[dict] | None = None) -> list[Placement]:
    """Where model workers go now: every GPU of the cluster gets one; every node without GPUs gets
    ``node CPUs // runtime.cpus_per_worker`` workers (one using all its cores when that is unset),
    each with that many threads. ``runtime.num_workers`` caps the total: the first nodes keep theirs,
    and without ``cpus_per_worker`` the workers are spread over the CPU nodes, sharing each node's
    cores. ``nodes``: the alive nodes' records (``alive_records()``), where the caller has just read them."""
    nodes = alive_records() if nodes is None else nodes
    gpu_nodes = [(node["NodeID"], int(node["Resources"].get("GPU", 0))) for node in nodes]
    gpu_nodes = [(node, gpus) for node, gpus in gpu_nodes if gpus]
    if gpu_nodes:
        return _capped([Placement(node, gpus, True, None) for node, gpus in gpu_nodes], runtime.num_workers)
    cpu_nodes = [(node["NodeID"], int(node["Resources"].get("CPU", 0))) for node in nodes]
    cpu_nodes = [(node, cpus) for node, cpus in cpu_nodes if cpus]
    if runtime.cpus_per_worker is None and runtime.num_workers is not None:
        spread = [runtime.num_workers // len(cpu_nodes) + (i < runtime.num_workers % len(cpu_nodes)) for i in range(len(cpu_nodes))]
        return [Placement(node, count, False, max(1, cpus // count)) for (node, cpus), count in zip(cpu_nodes, spread) if count]
    plans = []
    for node, cpus in cpu_nodes:
        threads = min(runtime.cpus_per_worker or cpus, cpus)
        plans.append(Placement(node, max(1, cpus // threads), False, threads))
    return _capped(plans, runtime.num_workers)


def _capped(plans: list[Placement], limit: int | None) -> list[Placement]:
    """At most ``limit`` workers in all, the first nodes keeping theirs."""
    if limit is None:
        return plans
    capped = []
    for plan in plans:
        if limit <= 0:
            break
        capped.append(Placement(plan.node, min(plan.workers, limit), plan.gpus, plan.threads, plan.num_cpus))
        limit -= capped[-1].workers
    return capped
