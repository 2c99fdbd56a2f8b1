"""A job: what ``lrp-audit scan`` (and ``demo``) does, as one library call.

scan -> audit (unless ``audit.enabled`` is false) -> faithfulness check (when ``evaluation.sample``
is set) -> report.html, each step only where its inputs or settings changed, all on one runtime
(``runtime.Runtime``: Ray and the model pools, started only if a step has model work to do). The
command line makes the runtime, calls these functions, prints their typed results and maps them to
exit codes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from lrp_audit.audits.audit import run_audit
from lrp_audit.audits.evaluation import run_evaluation
from lrp_audit.audits.summary import faithfulness_record
from lrp_audit.audits.view import audit_summary
from lrp_audit.reports import write_report
from lrp_audit.run_folder import AUDIT_FILE, FAITHFULNESS_FILE, REPORT_FILE, Kept

from .config import ScanConfig
from .perturb import ray_perturber
from .rerun import ray_predictor
from .runtime import Interrupted, Runtime
from .scan import ScanResult, run_scan

ORIGIN = {
    "current": "unchanged run, settings and inputs: the {step} of {created_at} stands (no work done)",
    "restored": "the {step} of {created_at} with these settings was kept: it is current again (no work done)",
}


@dataclass(frozen=True)
class JobResult:
    """What a job found: the scan, the audit and the evaluation where they ran, and the report."""

    scan: ScanResult
    audit: Kept | None
    evaluation: Kept | None
    report: Path

    @property
    def flags(self) -> list:
        return self.audit.report.flags if self.audit else []

    @property
    def findings(self) -> int:
        """Flags and confirmed proxies: what ``--fail-on-flag`` exits 3 on."""
        return self.audit.report.findings if self.audit else 0

    def record(self) -> dict:
        """The job as one JSON object, for schedulers."""
        scan = self.scan
        return {
            "run_dir": str(scan.run_dir),
            "scan": {
                "status": scan.status,
                "input_rows": scan.input_rows,
                "examples": scan.examples,
                "errors": scan.errors,
                "shards_done_now": scan.shards_done_now,
            },
            "audit": audit_summary(self.audit.report).model_dump() | {"origin": self.audit.origin} if self.audit else None,
            "faithfulness": faithfulness_record(self.evaluation.report) | {"origin": self.evaluation.origin}
            if self.evaluation
            else None,
            "report": str(self.report.resolve()),
        }


def run_job(config: ScanConfig, runtime: Runtime) -> JobResult:
    """Scan, audit, evaluate and report as ``config`` says, on ``runtime``; progress and messages go
    to its console."""
    with step("scan", "the shards it finished are kept; rerun the same command to do the rest"):
        scan = run_scan(config, runtime)
    changed = scan.status != "unchanged"
    audit = evaluation = None
    if config.audit.enabled:
        audit = audit_run(scan.run_dir, config, runtime)
        changed |= audit.origin != "current"
    if config.evaluation.sample is not None:
        evaluation = evaluate_run(scan.run_dir, config, runtime)
        changed |= evaluation.origin != "current"
    report = refresh_report(scan.run_dir, runtime.console, only_if_stale=not changed)
    return JobResult(scan, audit, evaluation, report)


def audit_run(run_dir: Path, config: ScanConfig, runtime: Runtime) -> Kept:
    """Audit a run (or find the audit already made with these settings), with the counterfactual
    swaps rerun on the run's model."""
    with step("audit", "no new audit was kept; rerun to make it"):
        outcome = run_audit(run_dir, config.audit, ray_predictor(config, runtime))
    _say_origin(outcome, "audit", Path(run_dir) / AUDIT_FILE, runtime.console)
    return outcome


def evaluate_run(run_dir: Path, config: ScanConfig, runtime: Runtime) -> Kept:
    """Evaluate a run's faithfulness (or find the evaluation already made with these settings)."""
    with step("faithfulness check", "no new evaluation was kept; rerun to make it"):
        outcome = run_evaluation(run_dir, config.evaluation, ray_perturber(config, runtime), config.attribution.method)
    _say_origin(outcome, "faithfulness check", Path(run_dir) / FAITHFULNESS_FILE, runtime.console)
    return outcome


def refresh_report(run_dir: Path, console: Console, only_if_stale: bool = False) -> Path:
    """Writes report.html; with ``only_if_stale``, only where it is missing (nothing it shows changed)."""
    path = Path(run_dir) / REPORT_FILE
    if only_if_stale and path.is_file():
        console.print(f"{path} is current (nothing it shows changed)", highlight=False)
        return path
    path = write_report(run_dir)
    console.print(f"wrote {path} (open it in a browser; it works offline)", highlight=False)
    return path


@contextmanager
def step(name: str, kept: str) -> Iterator[None]:
    """An interruption during the step says which step it stopped and what was kept."""
    try:
        yield
    except Interrupted as interrupted:
        interrupted.step, interrupted.kept = name, kept
        raise


def _say_origin(outcome: Kept, step_name: str, path: Path, console: Console) -> None:
    if outcome.origin == "made":
        console.print(f"wrote {path}", highlight=False)
    else:
        created = outcome.report.created_at or "an earlier run"
        console.print(
            f"{step_name}: " + ORIGIN[outcome.origin].format(step=step_name, created_at=created), highlight=False
        )
