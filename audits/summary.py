"""The audit's short readable summary: one line per group, then the verdict and the caveats."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from lrp_audit.run_folder.records import AuditReport, FaithfulnessReport, Interval, OutcomeMetric, left_out_text

from .compare import Comparison
from .view import AuditView, GroupRow, audit_view, proxy_name


def lift_text(lift: Interval | None) -> str:
    """A lift and its interval: two decimals, one from 10 up."""
    if lift is None:
        return "-"
    return lift.text(".2f" if lift.estimate is None or abs(lift.estimate) < 10 else ".1f")


def swap_text(row: GroupRow) -> str:
    """The target probability's mean change under the swap, and under the control swap in brackets."""
    return "-" if row.swap_change is None else f"{row.swap_change:+.2f} ({row.control_change:+.2f})"


def _number(value: float | None, form: str = ".2f") -> str:
    return "-" if value is None else format(value, form)


VERDICT_STYLE = {"flag": "[bold red]FLAG[/]", "unconfirmed": "[yellow]unconfirmed[/]", "clear": "", "untested": ""}
# How a metric of OutcomeMetric is named in the summary and the report.
METRIC_NAMES = {
    "selection_rate": "selection rate",
    "true_positive_rate": "TPR",
    "false_positive_rate": "FPR",
    "accuracy": "accuracy",
}
PROXY_MEANING = (
    "proxy: a word outside the lexicons whose occurrence goes with a group of a sensitive column (odds ratio; "
    "rate: the group's share of the examples with the word, against its share of all); confirmed when the model "
    "relies on it (lift over control words) and replacing it moves its predictions more than replacing as many "
    "other words (excess change)."
)
OUTCOME_MEANING = (
    "selection rate: how often the model predicts the class; TPR / FPR: of the examples labelled with the class / "
    "with another, how many it predicts as the class; difference: the largest gap between two groups (max - min); "
    "ratio: min / max (1: equal)."
)


def metric_name(metric: OutcomeMetric) -> str:
    """``selection rate (hired)``: the metric and the class it is a rate of."""
    name = METRIC_NAMES[metric.metric]
    return name if metric.of_class is None else f"{name} ({metric.of_class})"


def print_summary(report: AuditReport, console: Console) -> None:
    """The audit's summary (``audits.view``) for a terminal or a log, then the caveats."""
    view = audit_view(report)
    summary = view.summary
    level = round(100 * summary.confidence)
    flags = summary.flags
    console.print(
        f"[bold]Audit of {summary.run_id}[/] ({summary.method or 'unknown method'}): "
        f"{summary.examples} examples, {summary.examples_with_any_term} contain a lexicon term",
        highlight=False,
    )
    _print_languages(summary, console)
    table = Table(show_edge=False, header_style="bold", box=None, pad_edge=False, padding=(0, 1))
    for column in ("group", "n", "share", f"lift ({level}% CI)", "q", "swap (ctrl)", "verdict"):
        table.add_column(column, justify="left" if column in ("group", "verdict") else "right", no_wrap=True)
    groups = summary.groups
    for row in groups:
        table.add_row(
            row.name,
            str(row.examples),
            _number(row.share),
            lift_text(row.lift) if row.tested else "too few",
            _number(row.q_value, ".1g"),
            swap_text(row),
            VERDICT_STYLE[row.verdict],
        )
    if groups:
        console.print(table)
        console.print(
            "[dim]share: of |relevance| on the group's words; lift: over matched control words; q: BH-corrected "
            "p-value; swap: change of the target probability when the terms are swapped (ctrl: as many other "
            "words). Per class and per term: audit.json.[/]",
            highlight=False,
        )
    else:
        console.print("No lexicon term occurs in this run: nothing to test (see coverage in audit.json).")
    for entry in summary.unconfirmed:
        console.print(f"[yellow]unconfirmed[/] {entry.group}: {entry.reason}", highlight=False)
    for finding in view.findings:
        if finding.left_out and finding.counterfactual_examples:
            console.print(
                f"[dim]{finding.name}: {_examples(sum(finding.left_out.values()))} ({left_out_text(finding.left_out)}) "
                "left out of the swap "
                f"(its language's rules could not swap them safely); {finding.counterfactual_examples} swapped.[/]",
                highlight=False,
            )
    if summary.sensitive:
        _print_outcomes(report, console)
        _print_proxies(view, console)
    if report.proxies:
        names = ", ".join(view.finding_names)
        console.print(
            f"[bold red]flagged ({report.findings} finding{'' if report.findings == 1 else 's'}):[/] {names}: "
            "the model relies on these words; "
            "swapping or replacing them moves its predictions.",
            highlight=False,
        )
    elif flags:
        names = ", ".join(flags)
        console.print(
            f"[bold red]flagged:[/] {names}: the model relies on these words; swapping them moves its predictions."
        )
    else:
        console.print("[green]no flag raised[/]")
    for caveat in report.caveats:
        console.print(f"[dim]note: {caveat}[/]", highlight=False)


def _examples(count: int) -> str:
    return f"{count} example{'' if count == 1 else 's'}"


def _print_languages(summary, console: Console) -> None:
    """The examples' languages, and those in which an axis has no lexicon (its terms are unseen there)."""
    if not summary.languages:
        return
    how = "detected per example" if summary.language_setting == "auto" else "set in audit.language"
    rows = ", ".join(row.text for row in summary.languages)
    console.print(f"Languages ({how}): {rows}", highlight=False)
    for row in summary.languages:
        if row.without_lexicon:
            console.print(
                f"[yellow]no lexicon[/] in {row.language} ({row.examples} examples) for {', '.join(row.without_lexicon)}: "
                "these axes' terms are not matched there.",
                highlight=False,
            )


def _print_outcomes(report: AuditReport, console: Console) -> None:
    """Per sensitive column (and intersection): each metric per group with its interval, the gap and ratio."""
    level = round(100 * report.settings["confidence"])
    for gaps in report.outcomes:
        sizes = ", ".join(f"{group} {count}" for group, count in gaps.groups.items())
        line = f"[bold]Decisions by {gaps.column}[/] ({gaps.examples} examples: {sizes or 'no group compared'}"
        if gaps.missing:
            line += f"; {gaps.missing} without a value"
        console.print(line + ")", highlight=False)
        if gaps.too_small:
            small = ", ".join(f"{group} ({count})" for group, count in gaps.too_small.items())
            console.print(f"  too few examples to compare: {small}", highlight=False)
        if not gaps.metrics:
            console.print(f"  no metric: {gaps.reason or 'fewer than two groups to compare'}", highlight=False)
            continue
        table = Table(show_edge=False, header_style="bold", box=None, pad_edge=False, padding=(0, 1))
        table.add_column(f"metric ({level}% CI)", justify="left", no_wrap=True)
        for group in gaps.groups:
            table.add_column(group, justify="right", no_wrap=True)
        table.add_column("difference", justify="right", no_wrap=True)
        table.add_column("ratio", justify="right", no_wrap=True)
        for metric in gaps.metrics:
            cells = [metric.by_group[group].text(".2f") if group in metric.by_group else "-" for group in gaps.groups]
            table.add_row(metric_name(metric), *cells, metric.difference.text(".2f"), _number(metric.ratio))
        console.print(table)
    if report.outcomes:
        console.print(f"[dim]{OUTCOME_MEANING}[/]", highlight=False)


def _print_proxies(view: AuditView, console: Console) -> None:
    """Confirmed and unconfirmed proxy words with their association, reliance and counterfactual."""
    report = view.report
    if not view.proxies:
        console.print(
            f"No proxy word: of {len(report.associations)} words associated with a group, none is relied on "
            "more than control words.",
            highlight=False,
        )
        return
    level = round(100 * view.summary.confidence)
    table = Table(show_edge=False, header_style="bold", box=None, pad_edge=False, padding=(0, 1))
    headers = (
        "proxy", "group", "odds ratio", "rate (base)", "q", f"lift ({level}% CI)", "q lift", "excess change", "q swap",
        "verdict",
    )
    for column in headers:
        table.add_column(column, justify="left" if column in ("proxy", "group", "verdict") else "right", no_wrap=True)
    for proxy in view.proxies:
        association = proxy.association
        table.add_row(
            proxy.word,
            f"{proxy.column} = {proxy.group}",
            f"{association.odds_ratio:.1f}",
            f"{association.group_rate:.2f} ({association.base_rate:.2f})",
            _number(association.q_value, ".1g"),
            lift_text(proxy.lift),
            _number(proxy.q_value, ".1g"),
            "-" if proxy.excess_change is None else proxy.excess_change.text("+.2f"),
            _number(proxy.counterfactual_q, ".1g"),
            VERDICT_STYLE[proxy.verdict],
        )
    console.print(table)
    console.print(f"[dim]{PROXY_MEANING}[/]", highlight=False)
    for proxy in view.proxies:
        if proxy.verdict == "unconfirmed":
            console.print(
                f"[yellow]unconfirmed[/] proxy {proxy_name(proxy)}: {proxy.reason or 'not confirmed'}", highlight=False
            )


def faithfulness_record(report: FaithfulnessReport) -> dict:
    """The faithfulness check's summary as plain data (``--format json``); the curves are in
    ``faithfulness.json``."""
    return {
        "run_id": report.run_id,
        "key": report.key,
        "created_at": report.created_at,
        "examples": report.examples,
        "replacement": report.replacement.model_dump(),
        "results": [
            result.model_dump(include={"method", "auac", "au_mse", "vs_random"}) for result in report.results
        ],
        "verdict": report.verdict.model_dump(),
    }


def print_faithfulness(report: FaithfulnessReport, console: Console) -> None:
    """The paper-shaped table (AUAC, AU-MSE per method, random last) and the verdict, stated plainly."""
    level = round(100 * report.settings["confidence"])
    table = Table(show_edge=False, header_style="bold", box=None, pad_edge=False)
    for column in ("method", "AUAC", "AU-MSE", "AUAC - random", "AU-MSE - random"):
        table.add_column(column, justify="left" if column == "method" else "right", overflow="fold")
    for result in report.results:
        versus = result.vs_random
        table.add_row(
            result.method,
            f"{result.auac:.3f}",
            f"{result.au_mse:.3g}",
            _bounds(versus.auac if versus else None),
            _bounds(versus.au_mse if versus else None),
        )
    console.print(
        f"[bold]Faithfulness of {report.run_id}[/]: {report.examples} examples, tokens replaced by "
        f"{report.replacement.token} at {len(report.fractions)} fractions",
        highlight=False,
    )
    console.print(table)
    console.print(
        f"[dim]AUAC: area under the accuracy curve, most relevant tokens kept first (higher is better); AU-MSE: "
        f"area under the squared output change, least relevant removed first (lower is better); "
        f"- random: {level}% interval of the paired difference to a random order.[/]",
        highlight=False,
    )
    verdict = report.verdict
    style = "green" if verdict.beats_random else "bold red"
    console.print(f"[{style}]{verdict.message}[/]", highlight=False)


def _bounds(value: Interval | None) -> str:
    if value is None or value.low is None or value.high is None:
        return "-"
    return f"[{value.low:+.2g}, {value.high:+.2g}]"


def print_comparison(comparison: Comparison, console: Console) -> None:
    """Per group: run a -> run b, the change with its interval, q, and the flag's fate."""
    level = round(100 * comparison.confidence)
    console.print(f"[bold]{comparison.run_a} -> {comparison.run_b}[/]", highlight=False)
    table = Table(show_edge=False, header_style="bold", box=None, pad_edge=False, padding=(0, 1))
    for column in ("group", "n", "share", f"change ({level}% CI)", "lift", "change", "q", "flag"):
        table.add_column(column, justify="left" if column in ("group", "flag") else "right", overflow="fold")
    for group in comparison.groups:
        table.add_row(
            f"{group.axis}/{group.group}",
            f"{_count(group.examples_a)}->{_count(group.examples_b)}",
            f"{_number(group.share_a)}->{_number(group.share_b)}",
            _signed(group.share_change),
            f"{_number(group.lift_a)}->{_number(group.lift_b)}",
            _signed(group.lift_change),
            _number(group.q_value, ".1g") + ("*" if group.significant else ""),
            group.change or "",
        )
    console.print(table)
    console.print(
        "[dim]share and lift as each run's audit measured them; change: run b minus run a, bootstrap interval "
        "with each run resampled on its own; q: Welch's test of the share's change, BH-corrected (* below alpha).[/]",
        highlight=False,
    )
    flags = comparison.flags
    for kind, style in (("new", "bold red"), ("resolved", "green"), ("persisting", "yellow")):
        if getattr(flags, kind):
            console.print(f"[{style}]{kind} flags:[/] {', '.join(getattr(flags, kind))}", highlight=False)
    if not (flags.new or flags.resolved or flags.persisting):
        console.print("no flag in either run")


def _count(value) -> str:
    return "-" if value is None else str(int(value))


def _signed(value: Interval | None) -> str:
    return "-" if value is None else value.text("+.2f")
