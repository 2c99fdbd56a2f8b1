"""One self-contained static page per scan run: ``report.html``, readable offline, with no script in it."""

from __future__ import annotations

import os
from pathlib import Path

from lrp_audit.run_folder import REPORT_FILE

from .context import build
from .inputs import ReportError
from .render import render

__all__ = ["REPORT_FILE", "ReportError", "write_report"]


def write_report(run_dir: str | Path, examples_per_heatmap: int = 5) -> Path:
    """Write ``<run_dir>/report.html`` (renamed into place when complete) and return its path."""
    run_dir = Path(run_dir)
    html = render(build(run_dir, examples_per_heatmap))
    path = run_dir / REPORT_FILE
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(html, encoding="utf-8")
    os.replace(temporary, path)
    return path
