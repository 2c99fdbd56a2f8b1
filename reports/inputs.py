"""The run's JSON files a report starts from, checked so that bad input is one clear message."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from lrp_audit.run_folder import RunFolderError, read_record
from lrp_audit.run_folder.records import File

R = TypeVar("R", bound=File)


class ReportError(RunFolderError):
    """A run folder the report cannot be written for; the message names the path."""


def read_optional(run_dir: Path, name: str, record: type[R]) -> R | None:
    """``audit.json`` or ``faithfulness.json`` as its record when the step that writes it has run, else None."""
    path = Path(run_dir) / name
    if not path.is_file():
        return None
    try:
        return read_record(path, record)
    except RunFolderError as error:
        raise ReportError(str(error)) from None
