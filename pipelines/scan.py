"""The scan: plan shards -> tokenise (CPU tasks) -> attribute and write (the pool's model workers) -> manifest.

Reruns are cheap and safe: shards whose four files are there, readable and consistent are skipped,
so a killed or stopped scan resumes where it stopped, a damaged one redoes only what is damaged, and
a complete run with the same config does no model work at all. Before any row is read, the driver
checks the config, the data's files and the cluster address, and a model worker the model (one
probe explanation); while it works the driver holds the run's lock, and SIGTERM or SIGINT close the
run cleanly.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from rich.console import Console

from lrp_audit.lrp import LRPError, TargetError
from lrp_audit.lrp.console import console as make_console
from lrp_audit.lrp.console import progress
from lrp_audit.lrp.explainer import METHODS
from lrp_audit.lrp.loading import resolve_task

from . import sources
from .cluster import check_address
from .compaction import compact, planned_parts
from .config import ConfigError, ScanConfig
from .pool import Died, ModelPool, Pool
from .reading import tokenize
from .runtime import Interrupted, Runtime
from .worker import model_failure
from lrp_audit.run_folder import (
    LOCK_FILE,
    MANIFEST_FILE,
    STAGING,
    RunFolderError,
    read_manifest,
    read_parts,
    shard_metadata,
    shard_problems,
    write_json_atomic,
)
from lrp_audit.run_folder.parts import drop_parts, settle
from lrp_audit.run_folder.records import Manifest, Worker

PACKAGES = ("lrp-audit", "torch", "transformers", "ray", "pyarrow", "datasets", "tokenizers")


class ScanError(LRPError):
    """A scan that ran but produced nothing to trust (every row failed); the manifest says failed."""


@dataclass(frozen=True)
class ScanResult:
    run_dir: Path
    status: str  # complete | unchanged
    input_rows: int
    examples: int
    errors: int
    shards_done_now: int


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _versions() -> dict[str, str | None]:
    found = {}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    return found | {"python": platform.python_version()}


def _model_facts(config: ScanConfig) -> dict:
    """Checks that the model and tokenizer load (config and tokenizer only, no weights); their hash."""
    from transformers import AutoConfig

    from lrp_audit.lrp.encoding import chat_prompt
    from lrp_audit.lrp.loading import load_tokenizer
    from lrp_audit.lrp.targets import Targets

    section = config.model
    options = {"revision": section.revision, "trust_remote_code": section.trust_remote_code}
    try:
        model_config = AutoConfig.from_pretrained(section.name, **options)
    except (OSError, ValueError) as error:
        raise ConfigError(f"model.name: {section.name} cannot be loaded: {error}") from None
    try:
        tokenizer = load_tokenizer(section.name, **options)
    except LRPError as error:
        raise ConfigError(f"model.name: {error}") from None
    attribution = config.attribution
    causal = resolve_task(config.model.task, model_config) == "causal-lm"
    targets = Targets.of(model_config, tokenizer, causal)
    outputs = getattr(model_config, "vocab_size", None) if causal else (section.num_labels or model_config.num_labels)
    for key in ("target", "contrast"):
        try:
            targets.answer(getattr(attribution, key), outputs)
        except TargetError as error:
            raise ConfigError(f"attribution.{key}: {error} ({section.name})") from None
    if attribution.chat_template:
        try:
            chat_prompt(tokenizer, attribution.prompt)
        except LRPError as error:
            raise ConfigError(f"attribution.chat_template: {error} ({section.name})") from None
    canonical = json.dumps(model_config.to_diff_dict(), sort_keys=True, default=str)
    folder = Path(section.name).expanduser()
    return {
        "name": section.name,
        "revision": section.revision or getattr(model_config, "_commit_hash", None),
        "config_sha256": hashlib.sha256(canonical.encode()).hexdigest(),
        "content_sha256": _folder_sha256(folder) if folder.is_dir() else None,
        "dtype": section.dtype,
    }


def _folder_sha256(folder: Path) -> str:
    """A local model's content: every file's name and bytes (weights, config, tokenizer). A hub
    model is identified by its resolved commit instead."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(bytes.fromhex(sources.file_sha256(path)))
    return digest.hexdigest()


@dataclass(frozen=True)
class Located:
    """Where a scan's results live, and what makes them what they are."""

    identity: str  # sha256 of the config's identity, the model's content and the data's fingerprint
    run_dir: Path
    plan: sources.Plan
    model: dict


def locate(config: ScanConfig) -> Located:
    """Plan the shards and identify the model and data: a new model or data revision is a new run
    (``scan-<identity>``), the same ones are the same run, whose finished shards are kept."""
    output_dir = Path(config.runtime.output_dir)
    if output_dir.exists() and not output_dir.is_dir():
        raise ConfigError(f"runtime.output_dir: {output_dir} is a file, not a folder")
    plan = sources.plan(config.dataset, config.runtime.shard_rows)
    model = _model_facts(config)
    content = {key: model[key] for key in ("revision", "config_sha256", "content_sha256")}
    canonical = json.dumps([config.identity(), content, plan.fingerprint], sort_keys=True, separators=(",", ":"))
    identity = hashlib.sha256(canonical.encode()).hexdigest()
    run_id = config.runtime.run_id or f"scan-{identity[:12]}"
    return Located(identity, output_dir / run_id, plan, model)


def _rules(method: str, ig_steps: int) -> dict:
    """The method's rules and its attributor (how relevance is read from them), for the manifest."""
    return METHODS[method].with_steps(ig_steps).describe()


def _existing_manifest(run_dir: Path, identity: str) -> Manifest | None:
    path = run_dir / MANIFEST_FILE
    if not path.exists():
        return None
    try:
        manifest = read_manifest(run_dir)
    except RunFolderError as error:
        raise ConfigError(
            f"runtime.run_id: {error}; remove {run_dir} to scan it anew, or choose another run_id"
        ) from None
    if manifest.identity != identity:
        raise ConfigError(
            f"runtime.run_id: {run_dir} holds a run with a different config, model or data; choose another "
            "run_id or output_dir, or leave run_id unset so that every revision gets its own run"
        )
    return manifest


def check_model(pool: Pool, config: ScanConfig) -> None:
    """One worker of the pool explains a probe text as it will explain the rows, so that a model the
    rules cannot reach (an unsupported architecture, a failed self-check) or a target it lacks stops
    the scan before any row is read, with the message naming the module. On Ray the driver never
    loads the model: it may have no GPU, or too little memory for it."""
    try:
        pool.probe(pairs=config.dataset.text_pair_column is not None)
    except TargetError as error:
        raise ConfigError(f"attribution.target: {error} ({config.model.name})") from None
    except (OSError, LRPError) as error:
        raise ConfigError(f"model.name: {config.model.name}: {error}") from None


def run_scan(config: ScanConfig, runtime: Runtime | None = None) -> ScanResult:
    """Run (or resume) the scan described by ``config`` on ``runtime`` (the command's Ray and pools;
    without one, the call makes its own and stops it at its end); returns what it found."""
    if runtime is None:
        with Runtime() as own:
            return run_scan(config, own)
    console = runtime.console
    located = locate(config)
    run_dir, plan = located.run_dir, located.plan
    previous = _existing_manifest(run_dir, located.identity)
    if plan.num_rows == 0:
        raise ConfigError(f"dataset.name: {config.dataset.name} (split {config.dataset.split}) has no rows to scan")
    if (run_dir / STAGING).exists():  # a compaction that stopped: finished or discarded before anything is counted
        with run_lock(run_dir):
            settle(run_dir)
    problems = shard_problems(run_dir, {shard.shard_id: shard.num_rows for shard in plan.shards})
    pending = [shard for shard in plan.shards if problems[shard.shard_id]]
    if previous and previous.status == "complete":
        if not pending:
            console.print(f"{run_dir}: already complete for this config, model and data; no model work done.")
            counts = previous.counts
            return ScanResult(run_dir, "unchanged", counts.input_rows, counts.examples, counts.errors, 0)
        damage = "; ".join(f"shard {shard.shard_id}: {problems[shard.shard_id]}" for shard in pending[:3])
        console.print(
            f"{run_dir}: marked complete, but {len(pending)} of {len(plan.shards)} shards are missing or damaged "
            f"({damage}); redoing them",
            highlight=False,
        )
    pool = None
    if pending:
        check_address(config)  # also where a pool of the same model is running already
        pool = runtime.pool(config, rows=sum(shard.num_rows for shard in pending))
        check_model(pool, config)
    with run_lock(run_dir):
        manifest = _run(config, located, previous, pending, pool, console)
    counts = manifest.counts
    console.print(
        f"scan complete: {counts.examples} examples, {counts.errors} errors, {counts.tokens} tokens "
        f"({len(pending)} of {len(plan.shards)} shards done now) -> {run_dir}"
    )
    return ScanResult(run_dir, "complete", counts.input_rows, counts.examples, counts.errors, len(pending))


def _run(
    config: ScanConfig,
    located: Located,
    previous: Manifest | None,
    pending: list,
    pool: Pool | None,
    console: Console,
) -> Manifest:
    """Do the pending shards on ``pool`` and count every shard; the manifest says running, then
    complete, failed or interrupted, and is returned when complete."""
    run_dir, plan = located.run_dir, located.plan
    manifest = Manifest(
        run_id=run_dir.name,
        status="running",
        identity=located.identity,
        config_sha256=config.identity_hash(),
        config=config.model_dump(),
        model=located.model,
        dataset={
            "name": config.dataset.name,
            "config": config.dataset.config,
            "split": config.dataset.split,
            "revision": config.dataset.revision,
            "fingerprint": plan.fingerprint,
            "limit": config.dataset.limit,
        },
        attribution=_rules(config.attribution.method, config.attribution.ig_steps)
        | {
            "target": config.attribution.target,
            "contrast": config.attribution.contrast,
            "chat_template": config.attribution.chat_template or None,
            "max_length": config.attribution.max_length,
        },
        versions=_versions(),
        started_at=(previous.started_at if previous else None) or _now(),
        resumed_at=_now() if previous else None,
        shards=len(plan.shards),
    )
    write_json_atomic(manifest.model_dump(mode="json"), run_dir / MANIFEST_FILE)
    try:
        if pending:
            drop_parts(run_dir, [shard.shard_id for shard in pending])  # a damaged part's shards are redone as shards
            manifest = manifest.updated(ray=pool.facts)
            workers = _execute(config, pending, run_dir, pool, console)
            manifest = manifest.updated(ray=pool.facts.updated(workers=workers))
        manifest = manifest.updated(**_totals(run_dir, plan))
        if not manifest.counts.examples:
            raise ScanError(_all_failed(run_dir, manifest.counts.errors))
        _compact(run_dir, plan, config.runtime.part_rows, console)
        manifest = manifest.updated(status="complete")
    except BaseException as error:
        manifest = manifest.updated(status="interrupted" if isinstance(error, Interrupted) else "failed")
        failure = model_failure(error) or error  # a model-level failure surfaces as itself, not as Ray's wrapper
        if isinstance(failure, (LRPError, Interrupted)):
            manifest = manifest.updated(failure=str(failure))
        if failure is not error:
            raise failure from None
        raise
    finally:
        manifest = manifest.updated(ended_at=_now())
        write_json_atomic(manifest.model_dump(mode="json"), run_dir / MANIFEST_FILE)
    return manifest


@contextmanager
def run_lock(run_dir: Path) -> Iterator[None]:
    """One scan of a run at a time: an exclusive lock on ``<run>/.lock``, which the operating system
    releases when the process ends in any way, so a crash never leaves a stale lock behind."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / LOCK_FILE, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise ConfigError(
                f"runtime.run_id: {run_dir} is being scanned now ({holder}); wait for that scan to end, "
                "or stop it, then rerun"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {platform.node()}, since {_now()}\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _execute(config: ScanConfig, pending: list, run_dir: Path, pool: Pool, console: Console) -> list[Worker]:
    """Runs the pending shards: CPU tasks read and tokenise them, the pool's workers explain them and
    write their files. A shard whose worker died ``runtime.max_attempts`` times has its killing rows
    found and written as errors (``_isolate``). Returns the model workers that did them."""
    attempts = config.runtime.max_attempts
    shards = pool.map(
        "attribute",
        pending,
        prepare=pool.prepared(tokenize, config),
        ahead=pool.read_tasks,
        attempts=attempts,
        run_dir=str(run_dir),
    )
    workers, killing = {}, []
    with progress(console, "scanning", sum(shard.num_rows for shard in pending), "rows") as tracker:

        def record(done: dict) -> None:
            workers[done["node"], done["pid"]] = Worker(**{field: done[field] for field in Worker.model_fields})
            tracker.advance(done["input_rows"])

        for index, done in shards:
            if isinstance(done, Died):  # looked at once the other shards are done, so they are not held up
                killing.append((pending[index], done))
            else:
                record(done)
        for shard, died in killing:
            record(_isolate(pool, shard, died, run_dir, attempts, console))
    return [workers[key] for key in sorted(workers, key=str)]


def _isolate(pool: ModelPool, shard: sources.Shard, died: Died, run_dir: Path, attempts: int, console: Console) -> dict:
    """A shard whose worker died at every attempt: the rows that kill a worker on their own are found
    by halving (each half explained, and thrown away, on a worker), and the shard is explained
    without them, each an error of kind ``killed`` with Ray's reason. Raises if the shard still
    kills its worker without them (rows that kill only together, such as one batch too large)."""
    console.print(
        f"shard {shard.shard_id} killed its model worker {died.attempts} times ({died.reason}); "
        "looking for the rows that do",
        highlight=False,
    )
    import ray

    rows = list(range(len(ray.get(died.argument).records)))
    killed = _killing_rows(pool, died.argument, rows, attempts, died)
    done = pool.call("attribute", died.argument, attempts=attempts, run_dir=str(run_dir), killed=killed)
    if isinstance(done, Died):
        raise ScanError(
            f"shard {shard.shard_id} kills its model worker even without the {len(killed)} rows that do on their own "
            f"({done.reason}); rows that only kill it together (a batch too large for memory): try a smaller "
            "attribution.batch_size or max_length"
        )
    return done


def _killing_rows(pool: ModelPool, argument, rows: list[int], attempts: int, known: Died | None = None) -> dict[int, str]:
    """Which of ``rows`` kill a worker on their own (a row that dies ``attempts`` times when alone), with
    why. ``known``: how ``rows`` together already died, if they did."""
    result = known or pool.call("explain_rows", argument, attempts=attempts if len(rows) == 1 else 1, rows=rows)
    if not isinstance(result, Died):
        return {}
    if len(rows) == 1:
        return {rows[0]: f"the model worker explaining this row died at each of {result.attempts} attempts: {result.reason}"}
    middle = len(rows) // 2
    return _killing_rows(pool, argument, rows[:middle], attempts) | _killing_rows(pool, argument, rows[middle:], attempts)


def _compact(run_dir: Path, plan: sources.Plan, part_rows: int | None, console: Console) -> None:
    """Merge the counted shards into parts of at most ``part_rows`` input rows (pipelines.compaction)."""
    planned = planned_parts(run_dir, [shard.shard_id for shard in plan.shards], part_rows)
    if not planned:
        return
    shards = sum(len(part) for part in planned)
    with progress(console, "compacting", shards, "shards") as tracker:
        compact(run_dir, planned, tracker.advance)
    console.print(f"compacted {shards} shards into {len(planned)} parts per table")


def _all_failed(run_dir: Path, errors: int) -> str:
    """Why a scan without a single explained row is not a result: the kinds of its errors."""
    import pyarrow.dataset as ds

    table = ds.dataset(run_dir / "errors", format="parquet").to_table(columns=["example_id", "kind", "message"])
    kinds = sorted(set(table.column("kind").to_pylist()))
    first = table.slice(0, 1).to_pylist()
    sample = f"; the first, {first[0]['example_id']}: {first[0]['message']}" if first else ""
    return (
        f"{run_dir}: every one of the {errors} rows failed ({', '.join(kinds) or 'no kind'}){sample}. "
        "Nothing was explained, so the run is marked failed; see its errors table"
    )


def _totals(run_dir: Path, plan: sources.Plan) -> dict:
    """Counts over every shard's files (this session's and earlier ones'); checks no row was lost."""
    keys = ("input_rows", "examples", "errors", "tokens", "padded_tokens")
    counts = dict.fromkeys(keys, 0)
    parts = read_parts(run_dir)
    for shard in plan.shards:
        recorded = shard_metadata(run_dir, shard.shard_id, parts)
        for key in keys:
            counts[key] += recorded[key]
    if counts["examples"] + counts["errors"] != plan.num_rows or counts["input_rows"] != plan.num_rows:
        raise LRPError(
            f"row count mismatch: {plan.num_rows} input rows, {counts['examples']} examples + "
            f"{counts['errors']} errors"
        )
    padding = 1 - counts["tokens"] / counts["padded_tokens"] if counts["padded_tokens"] else 0.0
    return {"counts": counts, "padding_fraction": round(padding, 6)}
