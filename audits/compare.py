"""Drift between two audited runs: per axis and group, how the share of relevance and the lift over
control words changed, how sure we are, and which flags are new, resolved or persisting.

The runs usually hold different examples (a new data revision) or the same examples under another
model, so each run is resampled on its own: bootstrap intervals of the change, Welch's t-test of
the share's change, Benjamini-Hochberg across groups.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from lrp_audit.run_folder import AUDIT_FILE, TERMS_FILE, RunFolderError, complete_manifest
from lrp_audit.run_folder.records import Interval, Record

from .database import connect_audited, run_named
from .history import HISTORY_QUERIES, connect_history
from .proxies import PROXY_AXIS
from .settings import AuditSettings
from .statistics import benjamini_hochberg, ratio_difference, rng_for


class GroupChange(Record):
    """One group in both runs' audits (or in one of them): each run's numbers, the change from a to b
    (an interval; without bounds when the group is not tested in both runs; None when a run lacks the
    value), its test and what happened to the group's flag (new, resolved, persisting or None)."""

    axis: str
    group: str
    examples_a: int | None
    examples_b: int | None
    share_a: float | None
    share_b: float | None
    share_change: Interval | None
    lift_a: float | None
    lift_b: float | None
    lift_change: Interval | None
    verdict_a: str
    verdict_b: str
    change: str | None
    state: str
    tested: bool
    p_value: float | None
    q_value: float | None
    significant: bool
    reason: str | None


class FlagChanges(Record):
    """Flags by fate, as ``axis/group``."""

    new: list[str]
    resolved: list[str]
    persisting: list[str]


class Comparison(Record):
    """Drift from run a to run b (``--format json`` prints it as it is)."""

    run_a: str
    run_b: str
    confidence: float
    groups: list[GroupChange]
    flags: FlagChanges


def compare_runs(run_a: str | Path, run_b: str | Path, settings: AuditSettings) -> Comparison:
    """Compare two audited runs; ``settings`` gives min_examples, confidence, resamples, alpha, seed."""
    run_a, run_b = Path(run_a), Path(run_b)
    ids = [_audited_run_id(run) for run in (run_a, run_b)]
    connection = connect_history([run_a, run_b])
    table = run_named(connection, "compare", {"run_a": ids[0], "run_b": ids[1]}, HISTORY_QUERIES).to_pandas()
    shares = [_group_shares(run) for run in (run_a, run_b)]
    groups = [_changes(row, shares, settings) for row in table.to_dict("records")]
    q_values = iter(benjamini_hochberg([group.p_value for group in groups if group.tested]))
    groups = [_corrected(group, next(q_values), settings.alpha) if group.tested else group for group in groups]
    fates = ("new", "resolved", "persisting")
    flags = FlagChanges(**{kind: [g.axis + "/" + g.group for g in groups if g.change == kind] for kind in fates})
    return Comparison(run_a=ids[0], run_b=ids[1], confidence=settings.confidence, groups=groups, flags=flags)


def _audited_run_id(run_dir: Path) -> str:
    if not (run_dir / AUDIT_FILE).is_file() or not (run_dir / TERMS_FILE).is_file():
        raise RunFolderError(f"{run_dir}: not audited yet; run `lrp-audit audit {run_dir}` first")
    return complete_manifest(run_dir).run_id


def _corrected(group: GroupChange, q_value: float, alpha: float) -> GroupChange:
    return group.updated(q_value=q_value, significant=q_value <= alpha)


def _group_shares(run_dir: Path) -> pd.DataFrame:
    """Per example and group (term NULL rows of example_shares): share and matched-control share."""
    connection = connect_audited(run_dir)
    shares = run_named(connection, "example_shares").to_pandas()
    connection.close()
    shares = shares[shares["term"].isna() & (shares["total_abs"] > 0)]
    return shares[["axis", "group", "share", "control_share"]]


def _changes(row: dict, shares: list[pd.DataFrame], settings: AuditSettings) -> GroupChange:
    """One group's change, from its row of the compare query and both runs' per-example shares."""
    axis, group = row["axis"], row["group"]
    a, b = (frame[(frame["axis"] == axis) & (frame["group"] == group)].dropna() for frame in shares)
    result = {key: _plain(value) for key, value in row.items()}
    result |= {
        "state": _state(result),
        "tested": False,
        "p_value": None,
        "q_value": None,
        "significant": False,
        "reason": None,
        "share_change": _untested(result["share_change"]),
        "lift_change": _untested(result["lift_change"]),
    }
    if result["state"] != "in both runs":
        return GroupChange(**result | {"reason": f"the group is {result['state']}"})
    if axis == PROXY_AXIS:  # its shares are not in the runs' lexicon matches (terms.parquet)
        return GroupChange(**result | {"reason": "a proxy word: compared by its verdict, not its shares"})
    if min(len(a), len(b)) < settings.min_examples:
        return GroupChange(**result | {"reason": f"fewer than {settings.min_examples} examples in a run"})
    options = {"resamples": settings.resamples, "confidence": settings.confidence}
    key = f"compare/{axis}/{group}"
    ones_a, ones_b = np.ones(len(a)), np.ones(len(b))
    share = ratio_difference(
        a["share"], ones_a, b["share"], ones_b, rng=rng_for(settings.seed, key + "/share"), **options
    )
    lift = ratio_difference(
        a["share"],
        a["control_share"],
        b["share"],
        b["control_share"],
        rng=rng_for(settings.seed, key + "/lift"),
        **options,
    )
    p_value = float(stats.ttest_ind(b["share"], a["share"], equal_var=False).pvalue)
    return GroupChange(
        **result
        | {
            "tested": True,
            "share_change": share.record(),
            "lift_change": lift.record(),
            "p_value": p_value if np.isfinite(p_value) else 1.0,
        }
    )


def _state(row: dict) -> str:
    """Whether both runs' audits saw the group (a group without matches in a run is absent there)."""
    if row["verdict_a"] == "absent":
        return "only in run b"
    if row["verdict_b"] == "absent":
        return "only in run a"
    return "in both runs"


def _untested(difference: float | None) -> Interval | None:
    """A point difference without an interval, in the shape of a tested change."""
    return None if difference is None else Interval(estimate=difference, low=None, high=None)


def _plain(value):
    """pandas' missing values and numpy scalars as JSON-ready Python values."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return value.item() if hasattr(value, "item") else value
