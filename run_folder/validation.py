"""One line for what is wrong in a pydantic ``ValidationError``: how the run folder's records, the
lexicons and the scan config all name the first bad field of a file."""

from __future__ import annotations

from pydantic import ValidationError


def first_problem(error: ValidationError) -> tuple[str, str]:
    """The first field that is wrong (``audit.axes[0]``; empty for the whole input) and what is wrong
    with it, in our words where pydantic's would confuse (``unknown key``)."""
    problem = error.errors()[0]
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in problem["loc"]).lstrip(".")
    if problem["type"] == "extra_forbidden":
        return field, "unknown key"
    return field, problem["msg"].removeprefix("Value error, ")
