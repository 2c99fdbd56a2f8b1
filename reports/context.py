"""The report's content, section by section, as plain data for the template (which escapes every string)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from . import gather, plots
from .heatmaps import example_view
from lrp_audit.audits.audit import NOT_IN_KEY
from lrp_audit.audits.summary import metric_name
from lrp_audit.audits.view import FindingEvidence, audit_view, has_sensitive
from lrp_audit.run_folder import AUDIT_FILE, FAITHFULNESS_FILE, TERMS_FILE, complete_manifest, kept_results
from lrp_audit.run_folder.records import (
    AuditReport,
    DatasetFacts,
    FaithfulnessReport,
    Manifest,
    ModelFacts,
    OutcomeGaps,
    Record,
    StepReport,
)

from .inputs import read_optional

ERROR_SAMPLES = 5
# Words per sensitive column in the relevance-by-group table.
WORDS_BY_GROUP = 10
RATE = ".3f"  # a rate of decisions and its interval, 0.004 as well as 0.95
GAP_MEANING = {
    "cp-lrp": "With cp-lrp relevance is conservative up to biases: the gap is what the model's biases absorbed.",
    "attnlrp": "AttnLRP's softmax rule is not exactly conservative, so the gap holds that as well as the biases.",
    "gxi": "Gradient x Input is not conservative: a large gap is expected and says nothing about a fault.",
    "ig": "For Integrated Gradients the gap is the output at the zero embedding plus quadrature error.",
}


def build(run_dir: Path, examples_per_heatmap: int) -> dict:
    """Everything the template shows for ``run_dir``; a malformed JSON file is a ``ReportError``."""
    manifest = complete_manifest(run_dir)
    audit = read_optional(run_dir, AUDIT_FILE, AuditReport)
    faithfulness = read_optional(run_dir, FAITHFULNESS_FILE, FaithfulnessReport)
    connection = gather.open_run(run_dir)
    try:
        context = {
            "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "run_dir": str(run_dir),
            "run": run_facts(manifest),
            "errors": _errors(connection),
            "gaps": _gaps(connection, manifest.method),
            "audit": None,
            "axes": [],
            "heatmaps": [],
            "faithfulness": None,
            "sensitive": None,
        }
        if audit is not None and (run_dir / TERMS_FILE).is_file():
            context |= _audit(connection, audit, examples_per_heatmap)
        if faithfulness is not None:
            context["faithfulness"] = _faithfulness(faithfulness)
        context["kept"] = {
            "audit": _kept(run_dir, "audit", AUDIT_FILE, AuditReport, audit),
            "evaluation": _kept(run_dir, "evaluation", FAITHFULNESS_FILE, FaithfulnessReport, faithfulness),
        }
    finally:
        connection.close()
    return context


def _kept(run_dir: Path, step: str, name: str, record: type[StepReport], current: StepReport | None) -> list[dict]:
    """The other results of ``step`` kept in the run folder, each with the settings in which it differs
    from the one shown (or all of its settings when none is shown)."""
    shown = current.settings if current is not None else {}
    others = []
    for folder in kept_results(run_dir, step):
        kept = read_optional(folder, name, record)
        if kept is None or (current is not None and (kept.key or folder.name) == current.key):
            continue
        differences = {
            key: value
            for key, value in kept.settings.items()
            if key not in NOT_IN_KEY and (key not in shown or shown[key] != value)
        }
        others.append(
            {
                "folder": str(folder.relative_to(run_dir)),
                "created_at": kept.created_at,
                "differences": ", ".join(f"{key} = {value}" for key, value in sorted(differences.items()))
                or "the same settings (other inputs)",
            }
        )
    return others


def _plain(record: Record | None) -> dict | None:
    """A part of a record as the template's plain data (its filters read dicts)."""
    return None if record is None else record.model_dump()


@dataclass(frozen=True)
class DatasetNames:
    """What names a run's dataset in the report (each None where the run does not say)."""

    name: str | None
    config: str | None
    split: str | None
    limit: int | None


@dataclass(frozen=True)
class RunFacts:
    """What a run is, as the report and a notebook name it: read from the manifest, or, for a
    manifest without those facts (a run folder not written by a scan), from the config it holds."""

    run_id: str
    model: str | None
    revision: str | None
    dataset: DatasetNames
    method: str | None
    target: int | str | None
    explained: str | None
    counts: dict[str, int]
    started_at: str | None
    ended_at: str | None
    versions: dict[str, str | None]


def run_facts(manifest: Manifest) -> RunFacts:
    config = manifest.config or {}
    model = manifest.model or _section(config, "model", ModelFacts)
    dataset = manifest.dataset or _section(config, "dataset", DatasetFacts)
    attribution = manifest.attribution
    return RunFacts(
        run_id=manifest.run_id,
        model=model.name if model else None,
        revision=model.revision if model else None,
        dataset=DatasetNames(*(getattr(dataset, key) if dataset else None for key in ("name", "config", "split", "limit"))),
        method=manifest.method,
        target=attribution.target if attribution else None,
        explained=explained_quantity(attribution.target, attribution.contrast) if attribution else None,
        counts=manifest.counts.model_dump(exclude_none=True) if manifest.counts else {},
        started_at=manifest.started_at,
        ended_at=manifest.ended_at,
        versions=manifest.versions or {},
    )


def _section(config: dict, name: str, record: type[Record]) -> Record | None:
    """A run folder not written by a scan names its model and data in the config it holds only."""
    section = config.get(name)
    if not isinstance(section, dict) or "name" not in section:
        return None
    return record.model_validate({key: section[key] for key in record.model_fields if key in section})


def explained_quantity(target: int | str | None, contrast: int | str | None) -> str:
    """The quantity a run explained, as the report names it: ``logit(" Yes") - logit(" No")``."""
    if target is None:
        return "logit(predicted class or next token)"
    explained = f"logit({json.dumps(target)})"
    return explained if contrast is None else f"{explained} − logit({json.dumps(contrast)})"


def _errors(connection) -> dict:
    return {"by_kind": gather.errors_by_kind(connection), "samples": gather.error_samples(connection, ERROR_SAMPLES)}


def _gaps(connection, method: str | None) -> dict:
    gaps = gather.gaps(connection)
    return {
        "shares": gather.shares(connection),
        "examples": gaps.examples,
        "abs": gaps.abs_quantiles,
        "relative": gaps.relative_quantiles,
        "plot": plots.gap_histograms(gaps) if gaps.examples else None,
        "meaning": GAP_MEANING.get(method or "", "The manifest does not name a known method."),
    }


def _audit(connection, audit: AuditReport, examples_per_heatmap: int) -> dict:
    """The sections that need the audit: verdict, per-axis plots and the most reliant examples."""
    shares = gather.group_shares(connection, audit.settings["top_k"])
    return {
        "audit": _verdict(audit),
        "axes": _axes(audit, shares),
        "heatmaps": _heatmaps(connection, audit, list(shares), examples_per_heatmap),
        "sensitive": _sensitive(connection, audit) if has_sensitive(audit) else None,
    }


def _verdict(audit: AuditReport) -> dict:
    """The verdict's section: the findings with their evidence, the proxy words, the coverage."""
    view = audit_view(audit)
    return {
        "status": audit.status,
        "key": audit.key,
        "created_at": audit.created_at,
        "settings": audit.settings,
        "entries": view.findings,
        "proxies": view.proxies,
        "associations": len(audit.associations),
        "flag_count": len(audit.flags),
        "caveats": audit.caveats,
        "coverage": view.coverage,
    }


def _sensitive(connection, audit: AuditReport) -> dict:
    """The section on the dataset's sensitive columns: decisions by group, and relevance by group."""
    by_group = gather.relevance_by_group(connection, audit.settings["min_examples"], WORDS_BY_GROUP)
    named = [name for gaps in audit.outcomes for name in gaps.columns]
    named += [proxy.column for proxy in audit.proxies + audit.unconfirmed_proxies]
    named += [column for column in by_group if " & " not in column]
    return {
        "columns": sorted(set(named)),
        "outcomes": [_outcome(gaps) for gaps in audit.outcomes],
        "relevance": [
            {"column": column, "rows": by_group[column]}
            for column in sorted(by_group, key=lambda column: (" & " in column, column))  # intersections last
        ],
        "words_per_column": WORDS_BY_GROUP,
    }


def _outcome(gaps: OutcomeGaps) -> dict:
    """One column's metrics as table rows: a cell per compared group, each ``estimate [low, high]``."""
    groups = list(gaps.groups)
    return {
        "column": gaps.column,
        "examples": gaps.examples,
        "missing": gaps.missing,
        "labelled": gaps.labelled,
        "groups": [{"group": group, "examples": gaps.groups[group]} for group in groups],
        "too_small": [{"group": group, "examples": count} for group, count in gaps.too_small.items()],
        "reason": gaps.reason,
        "rows": [
            {
                "metric": metric_name(metric),
                "overall": metric.overall.text(RATE),
                "by_group": [metric.by_group[g].text(RATE) if g in metric.by_group else "-" for g in groups],
                "difference": metric.difference.text(RATE),
                "ratio": metric.ratio,
            }
            for metric in gaps.metrics
        ],
    }


def _axes(audit: AuditReport, shares: dict) -> list[dict]:
    """One section per axis with matches: shares, lift, direction and, where run, the counterfactual."""
    settings = audit.settings
    sections = []
    for axis, groups in shares.items():
        groups = {group: values for group, values in groups.items() if len(values)}
        tests = [test for test in audit.tests if test.axis == axis]
        group_tests = [test for test in tests if test.level == "group"]
        class_tests = [test for test in tests if test.level == "class"]
        checked = [
            entry for entry in audit.flags + audit.unconfirmed if entry.axis == axis and entry.counterfactual.measured
        ]
        sections.append(
            {
                "axis": axis,
                "shares": plots.share_boxes(axis, groups) if groups else None,
                "lift": plots.lift_intervals(axis, group_tests, settings["min_lift"], settings["confidence"])
                if group_tests
                else None,
                "direction": plots.direction_intervals(axis, class_tests, settings["confidence"])
                if class_tests
                else None,
                "counterfactual": plots.counterfactual_bars(axis, checked) if checked else None,
                "checked": [FindingEvidence.of(entry, "") for entry in checked],
                "min_lift": settings["min_lift"],
            }
        )
    return sections


def _heatmaps(connection, audit: AuditReport, axes: list[str], limit: int) -> list[dict]:
    """Per axis: each flagged group's most reliant examples, then those of any group not shown yet."""
    blocks = []
    flagged_axes = {entry.axis for entry in audit.flags}
    for axis in sorted(axes, key=lambda axis: axis not in flagged_axes):  # flagged axes first, else in order
        flagged = [entry.group for entry in audit.flags if entry.axis == axis]
        shown: frozenset = frozenset()
        for group in [*flagged, None]:
            examples = gather.most_reliant(connection, axis, group, limit, shown)
            shown |= {example.row["example_id"] for example in examples}
            if examples:
                blocks.append(
                    {
                        "axis": axis,
                        "group": group,
                        "after_flagged": bool(flagged),
                        "examples": [example_view(example) for example in examples],
                    }
                )
    return blocks


def _faithfulness(report: FaithfulnessReport) -> dict:
    accuracy, mse = plots.faithfulness_curves(report.fractions, report.results)
    return {
        "key": report.key,
        "created_at": report.created_at,
        "settings": report.settings,
        "examples": report.examples,
        "replacement": _plain(report.replacement),
        "rows": [
            result.model_dump(include={"method", "auac", "au_mse", "vs_random"}) for result in report.results
        ],
        "verdict": _plain(report.verdict),
        "accuracy": accuracy,
        "mse": mse,
    }
