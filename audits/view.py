"""The typed view of an audit: what every output of it shows, built once from ``audit.json``'s record.

``audit_view(report)`` holds the summary (``AuditSummary``: a row per group, the flags, the proxy
words, the decisions by group; ``--format json`` is its ``model_dump``) and the evidence behind each
finding (its reliance and its swap) and the lexicon's coverage. The terminal summary
(``audits.summary``), ``report.html`` (``reports.context``) and a notebook's display
(``reports.display``) are rendered from it; none of them reads ``audit.json`` on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from lrp_audit.run_folder.records import (
    LEFT_OUT,
    Association,
    AuditReport,
    CounterfactualCheck,
    Effect,
    Finding,
    Interval,
    OutcomeGaps,
    Proxy,
    Record,
    TermCoverage,
    Test,
    group_label,
    left_out_text,
)


def has_sensitive(report: AuditReport) -> bool:
    """Whether the audit compared groups of sensitive columns (dataset.sensitive_columns)."""
    return bool(report.outcomes or report.associations or report.proxies or report.unconfirmed_proxies)


class GroupRow(Record):
    """One lexicon group of an audit as every summary shows it (the terminal's table, ``--format
    json``, a notebook): its reliance, its swap where one was measured, and its verdict."""

    axis: str
    group: str
    examples: int
    tested: bool
    share: float | None
    lift: Interval | None
    q_value: float | None
    swap_change: float | None
    control_change: float | None
    verdict: Literal["flag", "unconfirmed", "clear", "untested"]  # clear: tested, not a candidate
    language: Annotated[str | None, LEFT_OUT] = None  # a finding within one language's examples

    @property
    def name(self) -> str:
        return f"{self.axis}/{group_label(self.group, self.language)}"


VERDICT_ORDER = ("flag", "unconfirmed", "clear", "untested")


class LanguageRow(Record):
    """One language of the run's examples as the summaries show it: how many examples, how many of
    them detected (the others set, or too short to tell), and the axes with no lexicon in it."""

    language: str
    examples: int
    detected: int
    examples_with_any_term: int
    without_lexicon: list[str]

    @property
    def text(self) -> str:
        """``de 120`` or, when some were too short to tell, ``de 120 (8 too short to tell)``."""
        guessed = self.examples - self.detected
        return f"{self.language} {self.examples}" + (f" ({guessed} too short to tell)" if self.detected and guessed else "")


class Unconfirmed(Record):
    """A candidate group whose swap did not confirm it, and why."""

    group: str  # axis/group
    reason: str | None


class ProxyRow(Record):
    """A proxy word: its association with a group, the model's reliance on it, and its swap."""

    column: str
    group: str
    word: str
    examples: int
    group_rate: float
    base_rate: float
    odds_ratio: float
    association_q: float | None
    lift: Interval | None
    q_value: float | None
    partner: str | None
    excess_change: Interval | None
    counterfactual_q: float | None

    @classmethod
    def of(cls, proxy: Proxy, **more) -> "ProxyRow":
        association, check = proxy.association, proxy.counterfactual
        return cls(
            column=proxy.column,
            group=proxy.group,
            word=proxy.word,
            examples=association.examples,
            group_rate=association.group_rate,
            base_rate=association.base_rate,
            odds_ratio=association.odds_ratio,
            association_q=association.q_value,
            lift=proxy.statistics.lift_control,
            q_value=proxy.statistics.q_value,
            partner=check.partner,
            excess_change=check.excess_change,
            counterfactual_q=check.q_value,
            **more,
        )


class UnconfirmedProxyRow(ProxyRow):
    """A proxy word whose swap did not confirm it, and why."""

    reason: str | None


class MetricRow(Record):
    metric: str
    of_class: str | None
    by_group: dict[str, float | None]  # the estimate per group (audit.json has the intervals)
    difference: Interval
    ratio: float | None


class OutcomeRow(Record):
    """The decisions by one sensitive column (or intersection): each metric per group, gap and ratio."""

    column: str
    examples: int
    missing: int
    groups: dict[str, int]
    too_small: dict[str, int]
    metrics: list[MetricRow]
    reason: Annotated[str | None, LEFT_OUT] = None

    @classmethod
    def of(cls, gaps: OutcomeGaps) -> "OutcomeRow":
        metrics = [
            MetricRow(
                metric=metric.metric,
                of_class=metric.of_class,
                by_group={group: value.estimate for group, value in metric.by_group.items()},
                difference=metric.difference,
                ratio=metric.ratio,
            )
            for metric in gaps.metrics
        ]
        return cls(
            column=gaps.column, examples=gaps.examples, missing=gaps.missing, groups=gaps.groups,
            too_small=gaps.too_small, metrics=metrics, reason=gaps.reason or None,
        )


class AuditSummary(Record):
    """The audit as every summary shows it: the terminal's, ``--format json`` (``model_dump``) and a
    notebook's. One row per group, the flags and what kept the unconfirmed candidates from being
    flagged; with sensitive columns, the proxy words and the decisions by group. The whole report is
    ``audit.json``."""

    run_id: str
    key: str | None
    created_at: str | None
    method: str | None
    status: str
    examples: int
    examples_with_any_term: int
    confidence: float
    groups: list[GroupRow]
    flags: list[str]  # axis/group
    unconfirmed: list[Unconfirmed]
    # Only with sensitive columns (an audit without them keeps the summary it always had):
    findings: Annotated[int | None, LEFT_OUT] = None
    proxies: Annotated[list[ProxyRow] | None, LEFT_OUT] = None
    unconfirmed_proxies: Annotated[list[UnconfirmedProxyRow] | None, LEFT_OUT] = None
    outcomes: Annotated[list[OutcomeRow] | None, LEFT_OUT] = None
    # The examples' languages (none in audits from before other languages): auto, or the one set.
    language_setting: Annotated[str | None, LEFT_OUT] = None
    languages: Annotated[list[LanguageRow] | None, LEFT_OUT] = None

    @property
    def sensitive(self) -> bool:
        return self.outcomes is not None


def audit_summary(report: AuditReport) -> AuditSummary:
    """The summary of ``report`` (see ``AuditSummary``)."""
    sensitive = has_sensitive(report)
    return AuditSummary(
        run_id=report.run_id,
        key=report.key,
        created_at=report.created_at,
        method=report.method,
        status=report.status,
        examples=report.coverage.examples,
        examples_with_any_term=report.coverage.examples_with_any_term,
        confidence=report.settings["confidence"],
        groups=group_rows(report),
        flags=[f.name for f in report.flags],
        unconfirmed=[Unconfirmed(group=f.name, reason=f.counterfactual.reason) for f in report.unconfirmed],
        findings=report.findings if sensitive else None,
        proxies=[ProxyRow.of(proxy) for proxy in report.proxies] if sensitive else None,
        unconfirmed_proxies=[
            UnconfirmedProxyRow.of(proxy, reason=proxy.counterfactual.reason) for proxy in report.unconfirmed_proxies
        ]
        if sensitive
        else None,
        outcomes=[OutcomeRow.of(gaps) for gaps in report.outcomes] if sensitive else None,
        language_setting=report.languages.setting if report.languages else None,
        languages=[LanguageRow(**row.model_dump(exclude={"axes"})) for row in report.languages.languages]
        if report.languages
        else None,
    )


def group_rows(report: AuditReport) -> list[GroupRow]:
    """The audit's groups in the order of its tests, each with its verdict, and after a group each
    finding within one language of it."""
    verdicts = {(f.axis, f.group, f.language): "flag" for f in report.flags}
    verdicts |= {(f.axis, f.group, f.language): "unconfirmed" for f in report.unconfirmed}
    findings = report.flags + report.unconfirmed
    swaps = {(f.axis, f.group, f.language): f.counterfactual for f in findings if f.counterfactual.measured}
    within = {}
    for finding in sorted((f for f in findings if f.language is not None), key=lambda f: f.language):
        within.setdefault((finding.axis, finding.group), []).append(finding.statistics)
    tests = [
        test
        for group in report.tests
        if group.level == "group"
        for test in [group, *within.get((group.axis, group.group), [])]
    ]
    rows = []
    for test in tests:
        key = (test.axis, test.group, test.language)
        check = swaps.get(key)
        rows.append(
            GroupRow(
                axis=test.axis,
                group=test.group,
                examples=test.examples,
                tested=test.tested,
                share=test.share,
                lift=test.lift_control,
                q_value=test.q_value,
                swap_change=check.swap.mean_probability_change if check else None,
                control_change=check.control.mean_probability_change if check else None,
                verdict=verdicts.get(key, "clear" if test.tested else "untested"),
                language=test.language,
            )
        )
    return rows


@dataclass(frozen=True)
class Evidence:
    """What makes a candidate (a lexicon group or a proxy word) a finding: its reliance and its swap."""

    status: str  # flagged, unconfirmed (or empty where the status is said elsewhere)
    examples: int
    share: float | None
    control_share: float | None
    lift: Interval | None
    q_value: float | None
    partner: str | None
    swap: Effect | None
    control: Effect | None
    excess_change: Interval | None
    counterfactual_examples: int | None
    counterfactual_q: float | None
    reason: str | None
    left_out: dict[str, int] | None  # examples of the swap's sample its language's rules could not swap safely

    @property
    def left_out_text(self) -> str:
        return left_out_text(self.left_out or {})

    @property
    def verdict(self) -> str:
        """The status as the summaries name it: flag or unconfirmed (``GroupRow.verdict``)."""
        return "flag" if self.status == "flagged" else self.status

    @staticmethod
    def parts(statistics: Test, check: CounterfactualCheck, status: str) -> dict:
        """The fields of the evidence of a test and its swap."""
        return {
            "status": status,
            "examples": statistics.examples,
            "share": statistics.share,
            "control_share": statistics.control_share,
            "lift": statistics.lift_control,
            "q_value": statistics.q_value,
            "partner": check.partner,
            "swap": check.swap,
            "control": check.control,
            "excess_change": check.excess_change,
            "counterfactual_examples": check.examples,
            "counterfactual_q": check.q_value,
            "reason": check.reason,
            "left_out": check.left_out,
        }


@dataclass(frozen=True)
class FindingEvidence(Evidence):
    """A flagged or unconfirmed lexicon group with its evidence."""

    axis: str
    group: str
    language: str | None = None  # a finding within one language's examples

    @property
    def name(self) -> str:
        return f"{self.axis}/{group_label(self.group, self.language)}"

    @classmethod
    def of(cls, finding: Finding, status: str) -> "FindingEvidence":
        return cls(
            axis=finding.axis,
            group=finding.group,
            language=finding.language,
            **Evidence.parts(finding.statistics, finding.counterfactual, status),
        )


@dataclass(frozen=True)
class ProxyEvidence(Evidence):
    """A confirmed or unconfirmed proxy word with its association and its evidence."""

    column: str
    group: str
    word: str
    association: Association

    @classmethod
    def of(cls, proxy: Proxy, status: str) -> "ProxyEvidence":
        return cls(
            column=proxy.column,
            group=proxy.group,
            word=proxy.word,
            association=proxy.association,
            **Evidence.parts(proxy.statistics, proxy.counterfactual, status),
        )


@dataclass(frozen=True)
class CoverageRow:
    axis: str
    group: str
    examples: int
    occurrences: int
    terms: dict[str, TermCoverage]


@dataclass(frozen=True)
class CoverageView:
    """How much of the data the lexicons see: the groups found, and per axis the groups never seen."""

    examples: int
    with_any_term: int
    groups: list[CoverageRow]
    unseen: dict[str, list[str]]
    languages: list[LanguageRow]  # none for audits from before other languages
    language_setting: str | None


@dataclass(frozen=True)
class AuditView:
    """One audit as every output shows it (see the module's docstring)."""

    report: AuditReport
    summary: AuditSummary
    findings: list[FindingEvidence]  # the flags, then the unconfirmed candidates
    proxies: list[ProxyEvidence]  # the confirmed proxy words, then the unconfirmed
    coverage: CoverageView

    @property
    def finding_names(self) -> list[str]:
        """What the verdict names: the flagged groups, then the confirmed proxy words."""
        return self.summary.flags + [f"proxy {proxy_name(p)}" for p in self.proxies if p.verdict == "flag"]


def proxy_name(proxy: Proxy | ProxyEvidence) -> str:
    """``'lacrosse' (gender = f)``: the word and the group it stands in for."""
    return f"{proxy.word!r} ({proxy.column} = {proxy.group})"


def audit_view(report: AuditReport) -> AuditView:
    coverage = report.coverage
    groups, unseen = [], {}
    for axis, axis_groups in sorted(coverage.axes.items()):
        for group, counts in sorted(axis_groups.items()):
            if counts.examples:
                groups.append(CoverageRow(axis, group, counts.examples, counts.occurrences, counts.terms))
            else:
                unseen.setdefault(axis, []).append(group)
    summary = audit_summary(report)
    return AuditView(
        report=report,
        summary=summary,
        findings=[FindingEvidence.of(f, "flagged") for f in report.flags]
        + [FindingEvidence.of(f, "unconfirmed") for f in report.unconfirmed],
        proxies=[ProxyEvidence.of(p, "flagged") for p in report.proxies]
        + [ProxyEvidence.of(p, "unconfirmed") for p in report.unconfirmed_proxies],
        coverage=CoverageView(
            coverage.examples,
            coverage.examples_with_any_term,
            groups,
            unseen,
            summary.languages or [],
            summary.language_setting,
        ),
    )
