"""The run's JSON files a report starts from, checked so that bad input is one clear message."""

from __future__ import annotations

from pathlib import Path

from lrp_audit.run_folder import RunFolderError, read_json


class ReportError(RunFolderError):
    """A run folder the report cannot be written for; the message names the path."""


def read_optional(run_dir: Path, name: str) -> dict | None:
    """``audit.json`` or ``faithfulness.json`` when the step that writes it has run, else None."""
    path = run_dir / name
    return read_json(path) if path.is_file() else None
