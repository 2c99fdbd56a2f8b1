"""Results of the steps after the scan (audit, evaluation), kept under the key of what made them, so
that one made with other settings never replaces an earlier one for good."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from .atomic import publish, temporary_path, write_json_atomic
from .layout import REPORT_FILE, kept_dir
from .records import StepReport
from .verify import read_json, read_record

R = TypeVar("R", bound=StepReport)


def retire_current(run_dir: Path, name: str) -> None:
    """A current result is about to be replaced: remove it, and the report that shows it, so that
    neither is mistaken for the result being made (the report is written again when it is done)."""
    for path in (Path(run_dir) / name, Path(run_dir) / REPORT_FILE):
        path.unlink(missing_ok=True)


def settings_key(*parts) -> str:
    """A short, stable key of what a step's result depends on (its settings and inputs)."""
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Kept(Generic[R]):
    """A step's result (its report) and where it came from: ``made`` now, ``restored`` from those
    kept (an earlier result with the same key) or ``current`` already; only ``made`` did any work."""

    report: R
    origin: str


def current_or_made(
    run_dir: Path, step: str, key: str, names: tuple[str, ...], make: Callable[[Path], R], record: type[R]
) -> Kept[R]:
    """The result of ``step`` under ``key``: the current one if it has that key, else a kept one made
    current again, else ``make(folder)`` (which may write ``names[1:]`` into ``folder`` and returns the
    report). ``names[0]`` is the report's JSON file (a ``record``), written last, so a kept folder
    without it is not a result. A result with another key is kept, never replaced for good."""
    run_dir, current = Path(run_dir), Path(run_dir) / names[0]
    # Whose result the current file is, from its key alone: one that is not this result is kept as it is.
    if all((run_dir / name).is_file() for name in names) and read_json(current).get("key") == key:
        return Kept(read_record(current, record), "current")
    keep_unkeyed(run_dir, step, names)
    kept = kept_dir(run_dir, step, key)
    retire_current(run_dir, names[0])  # a failed step must not leave another result looking current
    if (kept / names[0]).is_file():
        publish(kept, run_dir, names)
        return Kept(read_record(current, record), "restored")
    report = make(kept).updated(key=key)
    write_json_atomic(report.model_dump(mode="json"), kept / names[0])
    publish(kept, run_dir, names)
    return Kept(report, "made")


def keep_unkeyed(run_dir: Path, step: str, names: tuple[str, ...]) -> None:
    """A current result from before results were kept (no ``key``) is kept under a hash of its
    content before anything replaces it, so that no earlier result is ever lost."""
    current = Path(run_dir) / names[0]
    if not current.is_file() or "key" in read_json(current):
        return
    folder = kept_dir(run_dir, step, "unkeyed-" + hashlib.sha256(current.read_bytes()).hexdigest()[:8])
    if not folder.is_dir():
        staging = temporary_path(folder)
        staging.mkdir(parents=True, exist_ok=True)
        for name in names:
            if (Path(run_dir) / name).is_file():
                shutil.copyfile(Path(run_dir) / name, staging / name)
        os.replace(staging, folder)
