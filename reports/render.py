"""The HTML page: a Jinja2 template with autoescaping on, so every dataset or model string is escaped."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from lrp_audit.run_folder.records import Interval

TEMPLATE = "report.html.j2"


def number(value: float | None, spec: str = ".3g") -> str:
    """A number for a table cell; a missing one (None, or an unestimated interval bound) is a dash."""
    return "-" if value is None else format(value, spec)


def interval(value: Interval | dict | None, spec: str = ".3g") -> str:
    """``estimate [low, high]``, or the estimate alone when the interval could not be computed."""
    return "-" if value is None else Interval.model_validate(value).text(spec)


def environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("lrp_audit.reports", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["number"] = number
    environment.filters["interval"] = interval
    return environment


def render(context: dict) -> str:
    return environment().get_template(TEMPLATE).render(**context)
