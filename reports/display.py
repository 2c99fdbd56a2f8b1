"""What a notebook shows of a run, an audit, a faithfulness check and a comparison: HTML and plain text.

The HTML fragments come from ``templates/notebook.html.j2``, autoescaped as the report is (every
string from a run is text, never markup), with inline styles only: no script, nothing to fetch. The
plain text is the terminal's summary (``audits.summary``) printed without colour. The records stay
plain data: ``register_displays`` tells IPython how to show them, once a ``Run`` is opened there.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rich.console import Console

from lrp_audit.audits.compare import Comparison
from lrp_audit.audits.summary import lift_text, print_comparison, print_faithfulness, print_summary, swap_text
from lrp_audit.audits.view import VERDICT_ORDER, LanguageRow, Unconfirmed, audit_view
from lrp_audit.run_folder.records import AuditReport, FaithfulnessReport, Manifest

from .context import run_facts
from .render import environment

TEMPLATE = "notebook.html.j2"


@dataclass(frozen=True)
class _Fragment:
    """The audit as the notebook's fragment shows it (from ``audits.view``): the verdict, then its
    groups with flags first, its proxy words and the unconfirmed candidates."""

    run_id: str
    method: str
    examples: int
    with_terms: int
    level: int
    findings: int
    flag_names: list[str]
    groups: list[dict]
    proxies: list[dict]
    unconfirmed: list[Unconfirmed]
    languages: list[LanguageRow]


def _fragment(report: AuditReport) -> _Fragment:
    view = audit_view(report)
    summary = view.summary
    return _Fragment(
        run_id=summary.run_id,
        method=summary.method or "unknown method",
        examples=summary.examples,
        with_terms=summary.examples_with_any_term,
        level=round(100 * summary.confidence),
        findings=report.findings,
        flag_names=view.finding_names,
        groups=[
            {
                "name": row.name,
                "examples": row.examples,
                "share": row.share,
                "lift": lift_text(row.lift) if row.tested else "too few",
                "q_value": row.q_value,
                "swap": swap_text(row),
                "verdict": row.verdict,
            }
            for row in sorted(summary.groups, key=lambda row: VERDICT_ORDER.index(row.verdict))
        ],
        proxies=[
            {"verdict": p.verdict, "word": p.word, "column": p.column, "group": p.group,
             "reason": p.reason if p.verdict == "unconfirmed" else None}
            for p in view.proxies
        ],
        unconfirmed=summary.unconfirmed,
        languages=summary.languages or [],
    )


def audit_html(report: AuditReport) -> str:
    return _macro("audit")(_fragment(report))


def faithfulness_html(report: FaithfulnessReport) -> str:
    return _macro("faithfulness")(report)


def comparison_html(comparison: Comparison) -> str:
    view = {
        "run_a": comparison.run_a,
        "run_b": comparison.run_b,
        "level": round(100 * comparison.confidence),
        "groups": comparison.groups,
        "flags": comparison.flags.model_dump(),
    }
    return _macro("comparison")(view)


def run_html(path: Path, manifest: Manifest, audit: AuditReport | None, report: Path | None) -> str:
    """A run's headline: what was scanned, how many examples, the audit's verdict, its report."""
    return _macro("run")(_run_view(path, manifest, audit, report))


def run_text(path: Path, manifest: Manifest, audit: AuditReport | None, report: Path | None) -> str:
    view = _run_view(path, manifest, audit, report)
    verdict = "not audited" if audit is None else (
        f"flagged: {', '.join(view['audit'].flag_names)}" if audit.findings else "no flag raised"
    )
    return (
        f"Run {view['run_id']}: {view['model']} on {view['dataset']}, {view['method']}: {view['examples']} examples, "
        f"{view['errors']} errors; {verdict}; report: {view['report'] or 'none yet'}"
    )


def audit_text(report: AuditReport) -> str:
    return _printed(lambda console: print_summary(report, console))


def faithfulness_text(report: FaithfulnessReport) -> str:
    return _printed(lambda console: print_faithfulness(report, console))


def comparison_text(comparison: Comparison) -> str:
    return _printed(lambda console: print_comparison(comparison, console))


def register_displays() -> None:
    """Tell a running IPython (a notebook's kernel) to show audits, faithfulness checks and
    comparisons as these fragments and texts; outside IPython nothing happens."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    formatters = shell.display_formatter.formatters
    for kind, html, text in (
        (AuditReport, audit_html, audit_text),
        (FaithfulnessReport, faithfulness_html, faithfulness_text),
        (Comparison, comparison_html, comparison_text),
    ):
        formatters["text/html"].for_type(kind, html)
        formatters["text/plain"].for_type(kind, lambda value, printer, cycle, text=text: printer.text(text(value)))


def _run_view(path: Path, manifest: Manifest, audit: AuditReport | None, report: Path | None) -> dict:
    """The run's facts as the report names them (``context.run_facts``), with its audit and report."""
    facts = run_facts(manifest)
    return {
        "run_id": facts.run_id,
        "path": str(path),
        "model": facts.model or "a model",
        "dataset": facts.dataset.name or "a dataset",
        "method": facts.method or "unknown method",
        "examples": facts.counts.get("examples", 0),
        "errors": facts.counts.get("errors", 0),
        "tokens": facts.counts.get("tokens"),
        "audit": _fragment(audit) if audit is not None else None,
        "report": str(report) if report else None,
        "report_link": _link(report) if report else None,
    }


def _link(path: Path) -> str:
    """A link a notebook can follow: relative to the kernel's folder (where Jupyter serves files) when
    the report is under it, else a file URI; never a bare name a browser could read as a scheme."""
    path = path.resolve()
    try:
        return "./" + path.relative_to(Path(os.getcwd()).resolve()).as_posix()
    except ValueError:
        return path.as_uri()


def _macro(name: str):
    return getattr(_template().module, name)


@cache
def _template():
    return environment().get_template(TEMPLATE)


def _printed(show) -> str:
    buffer = io.StringIO()
    show(Console(file=buffer, width=120, no_color=True, highlight=False, emoji=False, force_terminal=False, force_jupyter=False))
    return buffer.getvalue().rstrip()
