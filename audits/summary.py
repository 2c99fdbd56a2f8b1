"""The audit's short readable summary: one line per group, then the verdict and the caveats."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def _interval(value: dict | None) -> str:
    if not value or value["estimate"] is None:
        return "-"
    if value["low"] is None:
        return f"{value['estimate']:.2f}"
    return f"{_lift(value['estimate'])} [{_lift(value['low'])}, {_lift(value['high'])}]"


def _lift(value: float) -> str:
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def _number(value: float | None, form: str = ".2f") -> str:
    return "-" if value is None else format(value, form)


def print_summary(report: dict, console: Console) -> None:
    coverage = report["coverage"]
    level = round(100 * report["settings"]["confidence"])
    console.print(
        f"[bold]Audit of {report['run_id']}[/] ({report['method'] or 'unknown method'}): "
        f"{coverage['examples']} examples, {coverage['examples_with_any_term']} contain a lexicon term",
        highlight=False,
    )
    verdicts = {(f["axis"], f["group"]): "[bold red]FLAG[/]" for f in report["flags"]}
    verdicts |= {(f["axis"], f["group"]): "[yellow]unconfirmed[/]" for f in report["unconfirmed"]}
    checks = {(f["axis"], f["group"]): f["counterfactual"] for f in report["flags"] + report["unconfirmed"]}
    table = Table(show_edge=False, header_style="bold", box=None, pad_edge=False, padding=(0, 1))
    for column in ("group", "n", "share", f"lift ({level}% CI)", "q", "swap (ctrl)", "verdict"):
        table.add_column(column, justify="left" if column in ("group", "verdict") else "right", no_wrap=True)
    groups = [test for test in report["tests"] if test["level"] == "group"]
    for test in groups:
        key = (test["axis"], test["group"])
        check = checks.get(key, {})
        swap = (
            f"{check['swap']['mean_probability_change']:+.2f} ({check['control']['mean_probability_change']:+.2f})"
            if "swap" in check
            else "-"
        )
        table.add_row(
            f"{test['axis']}/{test['group']}",
            str(test["examples"]),
            _number(test["share"]),
            _interval(test.get("lift_control")) if test["tested"] else "too few",
            _number(test.get("q_value"), ".1g"),
            swap,
            verdicts.get(key, ""),
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
    for entry in report["unconfirmed"]:
        console.print(
            f"[yellow]unconfirmed[/] {entry['axis']}/{entry['group']}: {entry['counterfactual']['reason']}",
            highlight=False,
        )
    if report["flags"]:
        names = ", ".join(f"{f['axis']}/{f['group']}" for f in report["flags"])
        console.print(
            f"[bold red]flagged:[/] {names}: the model relies on these words; swapping them moves its predictions."
        )
    else:
        console.print("[green]no flag raised[/]")
    for caveat in report["caveats"]:
        console.print(f"[dim]note: {caveat}[/]", highlight=False)


def print_faithfulness(report: dict, console: Console) -> None:
    """The paper-shaped table (AUAC, AU-MSE per method, random last) and the verdict, stated plainly."""
    level = round(100 * report["settings"]["confidence"])
    table = Table(show_edge=False, header_style="bold", box=None, pad_edge=False)
    for column in ("method", "AUAC", "AU-MSE", "AUAC - random", "AU-MSE - random"):
        table.add_column(column, justify="left" if column == "method" else "right", overflow="fold")
    for result in report["results"]:
        versus = result["vs_random"] or {}
        table.add_row(
            result["method"],
            f"{result['auac']:.3f}",
            f"{result['au_mse']:.3g}",
            _bounds(versus.get("auac")),
            _bounds(versus.get("au_mse")),
        )
    console.print(
        f"[bold]Faithfulness of {report['run_id']}[/]: {report['examples']} examples, tokens replaced by "
        f"{report['replacement']['token']} at {len(report['fractions'])} fractions",
        highlight=False,
    )
    console.print(table)
    console.print(
        f"[dim]AUAC: area under the accuracy curve, most relevant tokens kept first (higher is better); AU-MSE: "
        f"area under the squared output change, least relevant removed first (lower is better); "
        f"- random: {level}% interval of the paired difference to a random order.[/]",
        highlight=False,
    )
    verdict = report["verdict"]
    style = "green" if verdict["beats_random"] else "bold red"
    console.print(f"[{style}]{verdict['message']}[/]", highlight=False)


def _bounds(value: dict | None) -> str:
    if not value or value["low"] is None or value["high"] is None:
        return "-"
    return f"[{value['low']:+.2g}, {value['high']:+.2g}]"


def print_comparison(comparison: dict, console: Console) -> None:
    """Per group: run a -> run b, the change with its interval, q, and the flag's fate."""
    level = round(100 * comparison["confidence"])
    console.print(f"[bold]{comparison['run_a']} -> {comparison['run_b']}[/]", highlight=False)
    table = Table(show_edge=False, header_style="bold", box=None, pad_edge=False, padding=(0, 1))
    for column in ("group", "n", "share", f"change ({level}% CI)", "lift", "change", "q", "flag"):
        table.add_column(column, justify="left" if column in ("group", "flag") else "right", overflow="fold")
    for group in comparison["groups"]:
        share_change, lift_change = group.get("share_change"), group.get("lift_change")
        table.add_row(
            f"{group['axis']}/{group['group']}",
            f"{_count(group['examples_a'])}->{_count(group['examples_b'])}",
            f"{_number(group['share_a'])}->{_number(group['share_b'])}",
            _signed(share_change),
            f"{_number(group['lift_a'])}->{_number(group['lift_b'])}",
            _signed(lift_change),
            _number(group.get("q_value"), ".1g") + ("*" if group.get("significant") else ""),
            group["change"] or "",
        )
    console.print(table)
    console.print(
        "[dim]share and lift as each run's audit measured them; change: run b minus run a, bootstrap interval "
        "with each run resampled on its own; q: Welch's test of the share's change, BH-corrected (* below alpha).[/]",
        highlight=False,
    )
    flags = comparison["flags"]
    for kind, style in (("new", "bold red"), ("resolved", "green"), ("persisting", "yellow")):
        if flags[kind]:
            console.print(f"[{style}]{kind} flags:[/] {', '.join(flags[kind])}", highlight=False)
    if not any(flags.values()):
        console.print("no flag in either run")


def _count(value) -> str:
    return "-" if value is None else str(int(value))


def _signed(value: dict | None) -> str:
    if not value or value["estimate"] is None:
        return "-"
    if value["low"] is None:
        return f"{value['estimate']:+.2f}"
    return f"{value['estimate']:+.2f} [{value['low']:+.2f}, {value['high']:+.2f}]"
