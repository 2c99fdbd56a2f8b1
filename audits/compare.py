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

from lrp_audit.run_folder import AUDIT_FILE, TERMS_FILE, RunFolderError, complete_manifest, read_json

from .database import connect_audited, run_named
from .history import HISTORY_QUERIES, connect_history
from .settings import AuditSettings
from .statistics import benjamini_hochberg, ratio_difference, rng_for


def compare_runs(run_a: str | Path, run_b: str | Path, settings: AuditSettings) -> dict:
    """Compare two audited runs; ``settings`` gives min_examples, confidence, resamples, alpha, seed."""
    run_a, run_b = Path(run_a), Path(run_b)
    audits = [_audit(run) for run in (run_a, run_b)]
    ids = [audit["run_id"] for audit in audits]
    connection = connect_history([run_a, run_b])
    table = run_named(connection, "compare", {"run_a": ids[0], "run_b": ids[1]}, HISTORY_QUERIES).to_pandas()
    shares = [_group_shares(run) for run in (run_a, run_b)]
    groups = [_changes(row, shares, settings) for row in table.to_dict("records")]
    tested = [group for group in groups if group["tested"]]
    for group, q in zip(tested, benjamini_hochberg([group["p_value"] for group in tested])):
        group["q_value"] = q
        group["significant"] = q <= settings.alpha
    flags = {
        kind: [g["axis"] + "/" + g["group"] for g in groups if g["change"] == kind]
        for kind in ("new", "resolved", "persisting")
    }
    return {"run_a": ids[0], "run_b": ids[1], "confidence": settings.confidence, "groups": groups, "flags": flags}


def _audit(run_dir: Path) -> dict:
    if not (run_dir / AUDIT_FILE).is_file() or not (run_dir / TERMS_FILE).is_file():
        raise RunFolderError(f"{run_dir}: not audited yet; run `lrp-audit audit {run_dir}` first")
    manifest = complete_manifest(run_dir)
    return read_json(run_dir / AUDIT_FILE) | {"run_id": manifest.get("run_id", run_dir.name)}


def _group_shares(run_dir: Path) -> pd.DataFrame:
    """Per example and group (term NULL rows of example_shares): share and matched-control share."""
    connection = connect_audited(run_dir)
    shares = run_named(connection, "example_shares").to_pandas()
    connection.close()
    shares = shares[shares["term"].isna() & (shares["total_abs"] > 0)]
    return shares[["axis", "group", "share", "control_share"]]


def _changes(row: dict, shares: list[pd.DataFrame], settings: AuditSettings) -> dict:
    """One group's change. Every group has the same fields: a change is an interval record (without
    bounds when the group is not tested in both runs) or None when a run lacks the value."""
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
        return result | {"reason": f"the group is {result['state']}"}
    if min(len(a), len(b)) < settings.min_examples:
        return result | {"reason": f"fewer than {settings.min_examples} examples in a run"}
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
    return result | {
        "tested": True,
        "share_change": share.record(),
        "lift_change": lift.record(),
        "p_value": p_value if np.isfinite(p_value) else 1.0,
    }


def _state(row: dict) -> str:
    """Whether both runs' audits saw the group (a group without matches in a run is absent there)."""
    if row["verdict_a"] == "absent":
        return "only in run b"
    if row["verdict_b"] == "absent":
        return "only in run a"
    return "in both runs"


def _untested(difference: float | None) -> dict | None:
    """A point difference without an interval, in the shape of a tested change."""
    return None if difference is None else {"estimate": difference, "low": None, "high": None}


def _plain(value):
    """pandas' missing values and numpy scalars as JSON-ready Python values."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return value.item() if hasattr(value, "item") else value
