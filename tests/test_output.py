"""Output that survives a pipe or a log: no line of a path, command, id or value is ever cut in two
when stdout is not a terminal, whatever COLUMNS says or does not say."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

import synthetic
from lrp_audit.audits.audit import run_audit
from lrp_audit.audits.settings import AuditSettings
from lrp_audit.lrp import console as output
from lrp_audit.cli import app

TEXTS = [f"{subject} said the result was {ending} today." for subject in ("She", "He") for ending in "ABCDE"] * 3


@pytest.fixture(scope="module")
def deep(tmp_path_factory) -> Path:
    """An audited run under a folder path of more than 150 characters."""
    root = tmp_path_factory.mktemp("deep")
    folder = root.joinpath(*["a-rather-long-folder-name-" + str(level) for level in range(6)])
    assert len(str(folder)) > 150
    run = synthetic.write_run(folder / "runs" / "scan-0123456789abcdef", TEXTS)
    run_audit(run, AuditSettings(axes=["gender"], resamples=200), predict=None)
    return run


def test_a_console_that_writes_to_a_pipe_never_wraps(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    piped = output.console()
    assert not piped.is_terminal and piped.width == output.LOG_WIDTH
    piped.print("word " * 100)
    assert sys.stdout.getvalue() == "word " * 100 + "\n"  # one line, however long


def test_runs_prints_each_run_on_one_whole_line_into_a_pipe(deep):
    environment = {key: value for key, value in os.environ.items() if key != "COLUMNS"}
    completed = subprocess.run(
        [sys.executable, "-m", "lrp_audit", "runs", str(deep.parent)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=Path(__file__).parent.parent,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    [line] = [line for line in completed.stdout.splitlines() if deep.name in line]
    assert line.split()[:2] == [deep.name, "complete"]
    assert "logging.cc" not in completed.stderr


def test_query_values_stay_whole_in_a_log(deep, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    sql = "SELECT axis || '/' || \"group\" AS group_name, count(*) AS n FROM matches GROUP BY ALL ORDER BY ALL"
    result = CliRunner().invoke(app, ["query", str(deep), sql])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[1:]] == ["gender/female", "gender/male"]


def test_an_audit_summary_is_json_for_schedulers(deep):
    origins = []
    for _ in range(2):
        result = CliRunner().invoke(app, ["audit", str(deep), "--format", "json"])
        assert result.exit_code == 0, result.output
        summary = json.loads(result.stdout)
        origins.append(summary["origin"])
    assert summary["run_id"] == deep.name and origins == ["made", "current"]
    assert {group["group"]: group["verdict"] for group in summary["groups"]} == {"female": "clear", "male": "clear"}


def test_progress_in_a_log_is_a_line_at_the_start_and_at_the_end():
    sink = io.StringIO()
    log = Console(file=sink, width=output.LOG_WIDTH, soft_wrap=True)
    with output.progress(log, "scanning", 5, "rows") as tracker:
        for _ in range(5):
            tracker.advance()
    lines = sink.getvalue().splitlines()
    assert lines[0].startswith("scanning: 0/5 rows") and lines[-1].startswith("scanning: 5/5 rows")
    assert len(lines) == 2  # quick steps are not logged at every tenth
