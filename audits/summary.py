"""The audit's short readable summary: one line per group, then the verdict and the caveats."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from lrp_audit.run_folder.records import AuditReport, FaithfulnessReport, Interval

from .compare import Comparison


def _interval(value: dict | None) -> str:
    """A lift and its interval: two decimals, one from 10 up."""
    if value is None:
        return "-"
    lift = Interval.model_validate(value)
    return lift.text(".2f" if lift.estimate is None or abs(lift.estimate) < 10 else ".1f")


def _number(value: float | None, form: str = ".2f") -> str:
    return "-" if value is None else format(value, form)


VERDICT_STYLE = {"flag": "[bold red]FLAG[/]", "unconfirmed": "[yellow]unconfirmed[/]", "clear": "", "untested": ""}


def audit_record(report: AuditReport) -> dict:
    """The audit's summary as plain data (``--format json``): one entry per group, the flags and
    what kept the unconfirmed candidates from being flagged; the whole report is ``audit.json``."""
    verdicts = {(f.axis, f.group): "flag" for f in report.flags}
    verdicts |= {(f.axis, f.group): "unconfirmed" for f in report.unconfirmed}
    findings = report.flags + report.unconfirmed
    swaps = {(f.axis, f.group): f.counterfactual for f in findings if f.counterfactual.measured}
    groups = []
    for test in (test for test in report.tests if test.level == "group"):
        key = (test.axis, test.group)
        check = swaps.get(key)
        groups.append(
            {
                "axis": test.axis,
                "group": test.group,
                "examples": test.examples,
                "tested": test.tested,
                "share": test.share,
                "lift": None if test.lift_control is None else test.lift_control.model_dump(),
                "q_value": test.q_value,
                "swap_change": check.swap.mean_probability_change if check else None,
                "control_change": check.control.mean_probability_change if check else None,
                "verdict": verdicts.get(key, "clear" if test.tested else "untested"),
            }
        )
    coverage = report.coverage
    return {
        "run_id": report.run_id,
        "key": report.key,
        "created_at": report.created_at,
        "method": report.method,
        "status": report.status,
        "examples": coverage.examples,
        "examples_with_any_term": coverage.examples_with_any_term,
        "confidence": report.settings["confidence"],
        "groups": groups,
        "flags": [f"{f.axis}/{f.group}" for f in report.flags],
        "unconfirmed": [
            {"group": f"{f.axis}/{f.group}", "reason": f.counterfactual.reason} for f in report.unconfirmed
        ],
    }


def print_summary(report: AuditReport, console: Console) -> None:
    record = audit_record(report)
    level = round(100 * record["confidence"])
    console.print(
        f"[bold]Audit of {record['run_id']}[/] ({record['method'] or 'unknown method'}): "
        f"{record['examples']} examples, {record['examples_with_any_term']} contain a lexicon term",
        highlight=False,
    )
    table = Table(show_edge=False, header_style="bold", box=None, pad_edge=False, padding=(0, 1))
    for column in ("group", "n", "share", f"lift ({level}% CI)", "q", "swap (ctrl)", "verdict"):
        table.add_column(column, justify="left" if column in ("group", "verdict") else "right", no_wrap=True)
    groups = record["groups"]
    for group in groups:
        swap = "-" if group["swap_change"] is None else f"{group['swap_change']:+.2f} ({group['control_change']:+.2f})"
        table.add_row(
            f"{group['axis']}/{group['group']}",
            str(group["examples"]),
            _number(group["share"]),
            _interval(group["lift"]) if group["tested"] else "too few",
            _number(group["q_value"], ".1g"),
            swap,
            VERDICT_STYLE[group["verdict"]],
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
    for entry in record["unconfirmed"]:
        console.print(f"[yellow]unconfirmed[/] {entry['group']}: {entry['reason']}", highlight=False)
    if record["flags"]:
        names = ", ".join(record["flags"])
        console.print(
            f"[bold red]flagged:[/] {names}: the model relies on these words; swapping them moves its predictions."
        )
    else:
        console.print("[green]no flag raised[/]")
    for caveat in report.caveats:
        console.print(f"[dim]note: {caveat}[/]", highlight=False)


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
